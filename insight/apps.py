from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Insight strategy"

    def ready(self):
        from insight import metrics  # noqa: F401  (registers the measures)
