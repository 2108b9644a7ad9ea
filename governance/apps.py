from django.apps import AppConfig
from django.db.backends.signals import connection_created


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        from governance import checks, hashing, metrics  # noqa: F401

        connection_created.connect(hashing.register_sqlite_function)
