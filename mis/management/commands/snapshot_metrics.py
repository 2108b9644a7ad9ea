import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from mis.metrics import metrics_snapshot


class Command(BaseCommand):
    help = "Record every metric of the registry for a day (default today); the beat task's work."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="The day, YYYY-MM-DD (default: today). Measures of the records' current "
            "values (completeness, validity, quality) are taken as they are now.",
        )

    def handle(self, *args, as_of=None, **options):
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of: “{as_of}” is not a date (YYYY-MM-DD).") from None
        stored = metrics_snapshot(as_of=day)
        self.stdout.write(f"Recorded {stored} metric values.")
