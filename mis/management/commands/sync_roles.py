"""Make the role groups hold exactly the permissions of mis.roles.ROLE_PERMISSIONS.

``migrate`` runs the same sync; this command is for a database restored from a
backup or groups changed by hand."""

from django.core.management.base import BaseCommand

from mis.roles import roles_sync


class Command(BaseCommand):
    help = "Sync the role groups with the role table in code (idempotent)."

    def handle(self, *args, **options) -> None:
        for role, count in roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
