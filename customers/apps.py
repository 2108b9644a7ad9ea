from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customer database"

    def ready(self):
        from customers import metrics  # noqa: F401  (registers the measures)
        from customers.campaigns import metrics as campaign_metrics  # noqa: F401
        from customers.duplicates import tasks  # noqa: F401  (beat names its task)
