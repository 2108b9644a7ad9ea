from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, using, verbosity=1, **kwargs) -> None:
    """After every migrate, the role groups hold what mis.roles says."""
    from mis.roles import roles_sync

    roles_sync(using=using)
    if verbosity >= 2:
        print("  Role groups synced with mis.roles.ROLE_PERMISSIONS")


class MisConfig(AppConfig):
    name = "mis"
    verbose_name = "MIS"

    def ready(self) -> None:
        # Once per migrate: sent for this app only, after every app's
        # permissions exist (roles_sync makes any that are missing).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="mis.sync_roles")
