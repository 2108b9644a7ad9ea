import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from insight import services


class Command(BaseCommand):
    help = (
        "Open the strategy reviews that are due (scheduled) and those called for by a "
        "breached success criterion, a quality measure below its threshold or a code of "
        "practice due its review. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Check as of this day (YYYY-MM-DD); default today.")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date: “{date}” is not a date in the form YYYY-MM-DD.") from None
        opened = services.review_sweep(today=today)
        for name, count in opened.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {count} review trigger(s) recorded")
