"""Check the access log's hash chain: ``manage.py verify_access_log``.

Exits with an error that names the first broken link, if any. Beat runs the
same check every day (governance.tasks.access_log_verify_task)."""

from django.core.management.base import BaseCommand, CommandError

from governance.services.access import access_log_verify


class Command(BaseCommand):
    help = "Check the access log's hash chain and name the first broken link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--record",
            action="store_true",
            help="Keep the verified head in the audit trail (the daily check does).",
        )

    def handle(self, *args, record: bool = False, **options):
        check = access_log_verify(record=record)
        if not check.intact:
            raise CommandError(
                f"Access log broken after {check.checked} rows checked: {check.reason}."
            )
        self.stdout.write(
            f"Access log intact: {check.checked} rows checked, head row {check.head_id}."
        )
