"""Find duplicate customer records in-process: the same sweep as the nightly
Celery task."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customers.duplicates.services.sweep import (
    SweepAlreadyRunning,
    duplicate_sweep_run,
    model_train,
)


class Command(BaseCommand):
    help = (
        "Score every live customer with the match model and store the duplicate and "
        "possible-duplicate pairs for review."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--export-pairs",
            type=Path,
            metavar="PATH",
            help="Also write the pairs found to this CSV file: "
            "external_id_a, external_id_b, score, decision.",
        )
        parser.add_argument(
            "--retrain",
            action="store_true",
            help="Train a new version of the match model from the data before the sweep.",
        )

    def handle(self, *args, export_pairs=None, retrain=False, **options):
        if export_pairs is not None:
            folder = export_pairs.resolve().parent
            if not folder.is_dir():
                raise CommandError(f"--export-pairs: the folder {folder} does not exist.")
            if export_pairs.is_dir():
                raise CommandError(f"--export-pairs: {export_pairs} is a folder, not a file.")
        if retrain:
            try:
                model = model_train()
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Trained match model v{model.version} on {model.records_used}.")
        try:
            sweep = duplicate_sweep_run(
                via="command", export_pairs=export_pairs, progress=self.stdout.write
            )
        except SweepAlreadyRunning as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {sweep.records_checked} records in {sweep.seconds:.1f} s: "
                f"{sweep.duplicate_pairs} duplicate and {sweep.possible_pairs} possible pairs "
                f"({sweep.duplicate_records} records judged duplicates)."
            )
        )
        if export_pairs is not None:
            self.stdout.write(f"Pairs written to {export_pairs}.")
