"""``manage.py grant_app_role ROLE``: give the application's database role
its rights (mis/dbroles.py). Run as the schema's owner after ``migrate``."""

from django.core.management.base import BaseCommand, CommandError

from mis.dbroles import app_role_grant


class Command(BaseCommand):
    help = "Grant the application's database role its rights; the access log only grows."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the web server, worker and beat connect as.")

    def handle(self, *args, role: str, **options):
        try:
            statements = app_role_grant(role)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{len(statements)} grants applied to {role}.")
