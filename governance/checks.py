from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def suppression_key_is_set(app_configs, **kwargs):
    if getattr(settings, "SUPPRESSION_KEY", ""):
        return []
    return [
        checks.Error(
            "SUPPRESSION_KEY is not set.",
            hint="Set it to a long random value and keep it: it keys the suppression "
            "list's hashes, and changing it makes every listed person contactable again.",
            id="governance.E001",
        )
    ]
