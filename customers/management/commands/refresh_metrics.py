import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from customers.analytics.services import metrics_refresh


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of takes a date as YYYY-MM-DD, not “{value}”.") from None


class Command(BaseCommand):
    help = (
        "Recompute every customer's buying pattern (order count, spend, first and last order, "
        "recency, average order value, RFM scores and segment) from the orders placed on or "
        "before the reference day. The nightly task runs the same service."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", dest="as_of", help="The reference day, YYYY-MM-DD (default: today)."
        )

    def handle(self, *args, as_of=None, **options):
        day = _day(as_of) if as_of else None
        try:
            result = metrics_refresh(as_of=day)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Buying-pattern metrics as of {result.as_of}: {result.customers} customers, "
            f"{result.buyers} of them with orders; {result.written} rows changed."
        )
