from django.core.management.base import BaseCommand, CommandError

from customers.quality.redundant import redundancy_sweep
from customers.quality.services import SweepRunning


class Command(BaseCommand):
    help = (
        "Propose records of no further use (inactive and unverified, hard-bounced, gone away, "
        "deceased, test records), each with its reason. Deletes and archives nothing: a data "
        "steward decides, or governance's retention takes the proposals on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=int, help="Inactive for this long (default REDUNDANT_INACTIVE_MONTHS)."
        )

    def handle(self, *args, months=None, **options):
        if months is not None and not 1 <= months <= 600:
            raise CommandError("--months must be from 1 to 600.")
        try:
            run = redundancy_sweep(triggered_by="command line", months=months)
        except SweepRunning as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Redundant-record sweep: {run.issues_opened} new proposals, "
            f"{run.issues_resolved} withdrawn. Open proposals by reason:"
        )
        for reason, count in run.figures["open_by_reason"].items():
            self.stdout.write(f"  {reason:12} {count:>9}")
