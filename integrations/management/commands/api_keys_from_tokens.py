from django.core.management.base import BaseCommand

from integrations.services import api_keys_from_tokens
from mis.roles import INTEGRATION


class Command(BaseCommand):
    help = (
        "Replace the DRF tokens of the integration role by scoped, expiring API keys. "
        "Each new key is printed once: hand it to the system that used the token."
    )

    def handle(self, *args, **options):
        made = api_keys_from_tokens(role=INTEGRATION)
        for key, secret in made:
            self.stdout.write(
                f"{key.user.get_username()}: {secret}  "
                f"(scopes {', '.join(key.scopes)}; expires {key.expires_at:%Y-%m-%d})"
            )
        self.stdout.write(f"{len(made)} tokens converted.")
