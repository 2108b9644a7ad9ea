from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.quality.services import SweepRunning, quality_sweep


class Command(BaseCommand):
    help = (
        "Check live customers against the active quality rules, in this process: "
        "issues are opened and closed and scores stored. The first sweep (or the first after "
        "the rules changed) judges every record; later ones the records changed since the "
        "last completed sweep, and every record against the time-based rules. Resumes a "
        "sweep that stopped midway; refuses to run while another sweep is running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, help="Records per chunk (transaction).")

    def handle(self, *args, chunk_size=None, **options):
        if chunk_size is not None and chunk_size < 1:
            raise CommandError("--chunk-size must be 1 or more.")

        def progress(run):
            self.stdout.write(f"chunks {run.chunks_done}/{run.chunks_total}")

        try:
            run = quality_sweep(
                triggered_by="command line", chunk_size=chunk_size, progress=progress
            )
        except SweepRunning as exc:
            raise CommandError(str(exc)) from None
        figures = run.figures
        judged = (
            "every record judged"
            if run.changed_since is None
            else f"records changed since {timezone.localtime(run.changed_since):%Y-%m-%d %H:%M} "
            "judged, every record against the time-based rules"
        )
        self.stdout.write(
            f"Quality sweep {run.pk}: {run.records_checked} records checked in "
            f"{run.duration_seconds:.1f} s; {run.issues_opened} issues opened, "
            f"{run.issues_resolved} resolved ({judged}).\n"
            f"  overall score {figures.get('overall')}; "
            f"{figures.get('with_issues')} records with open issues."
        )
        for code, row in sorted(figures.get("by_rule", {}).items()):
            self.stdout.write(f"  {code:32} {row['open']:>9} open")
