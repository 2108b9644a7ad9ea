from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.services.consent_import import consent_import


class Command(BaseCommand):
    help = (
        "Import consent events from a CSV file (customer_external_id or email, purpose, "
        "channel, status, occurred_at, method, wording_version; optional source, wording_text, "
        "evidence, expires_at). Bad rows are reported by line; a broken file writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", default="", help="Where the events came from.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, write nothing."
        )

    def handle(self, *args, path, source, dry_run, **options):
        try:
            result = consent_import(path=path, source=source, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for error in result.errors:
            self.stderr.write(str(error))
        verb = "would be recorded" if dry_run else "recorded"
        self.stdout.write(
            f"{result.rows} rows: {result.created} events {verb}, "
            f"{result.already_recorded} already recorded, {result.rejected} rejected."
        )
        if result.errors:
            raise CommandError(f"{result.rejected} rows were rejected; see the messages above.")
