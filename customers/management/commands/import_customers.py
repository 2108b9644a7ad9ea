import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from customers.duplicates.services.held import held_rows_url
from customers.duplicates.services.incoming import import_pairs_url
from customers.imports.services import import_error_report_rows, import_job_create, import_run
from customers.models import ImportKind, ImportStatus
from mis.csvfiles import write_csv


class Command(BaseCommand):
    help = (
        "Import customers from a CSV or XLSX file: validated, upserted on (source, external_id) "
        "or email, with a row-level error report. Exits non-zero only when the file itself "
        "cannot be read."
    )
    kind = ImportKind.CUSTOMERS

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--mapping", type=Path, help="JSON file: field -> column.")
        parser.add_argument("--source", help="Provenance of the data (default: the file name).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )
        parser.add_argument("--encoding", help="Text encoding (default: UTF-8, else Latin-1).")
        parser.add_argument("--delimiter", help="Column separator (default: detected).")
        parser.add_argument("--strict", action="store_true", help="Reject rows with any bad value.")
        parser.add_argument("--date-format", help="strptime format of dates, e.g. %%m/%%d/%%Y.")
        parser.add_argument("--batch-size", type=int, help="Rows per transaction.")
        parser.add_argument(
            "--hold-duplicates",
            action="store_true",
            help="Hold rows the match model scores certain duplicates of an existing customer "
            "for review, instead of creating them.",
        )
        parser.add_argument(
            "--errors",
            type=Path,
            help="Where to write the error report (default: beside the file).",
        )

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        mapping = None
        if options["mapping"]:
            try:
                mapping = json.loads(options["mapping"].read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"The mapping file cannot be read: {exc}") from None
        delimiter = options["delimiter"]
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        try:
            job = import_job_create(
                kind=self.kind,
                file=path,
                original_name=path.name,
                source=options["source"] or path.stem,
                mapping=mapping,
                options={
                    "encoding": options["encoding"],
                    "delimiter": delimiter,
                    "strict": options["strict"],
                    "dry_run": options["dry_run"],
                    "date_format": options["date_format"],
                    "hold_duplicates": options.get("hold_duplicates", False),
                },
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None

        def progress(job):
            self.stdout.write(f"rows {job.processed_rows}/{job.total_rows}")

        job = import_run(job=job, progress=progress, batch_size=options["batch_size"])
        if job.status == ImportStatus.FAILED:
            raise CommandError(f"{path}: {job.error}")
        self.stdout.write(
            f"{'Dry run of' if options['dry_run'] else 'Imported'} {path} (job {job.public_id}):\n"
            f"  rows read   {job.processed_rows}\n"
            f"  created     {job.created_count}\n"
            f"  updated     {job.updated_count}\n"
            f"  unchanged   {job.unchanged_count}\n"
            f"  rejected    {job.rejected_count}\n"
            f"  suppressed  {job.suppressed_count} (on the suppression list; not added)\n"
            f"  flagged     {job.flagged_count} (imported with a bad value kept and flagged)"
        )
        if job.likely_duplicates is not None:
            where = f" (review: {import_pairs_url(job)})" if job.likely_duplicates else ""
            self.stdout.write(
                f"  likely duplicates {job.likely_duplicates} pairs in the review queue{where}"
            )
        if job.held_duplicates is not None:
            where = f" (review: {held_rows_url(job)})" if job.held_duplicates else ""
            self.stdout.write(
                f"  held        {job.held_duplicates} (certain duplicates of existing customers; "
                f"not created){where}"
            )
        if job.unmapped_columns:
            self.stdout.write(f"  unmapped columns: {', '.join(job.unmapped_columns)}")
        if job.has_error_report and not options["dry_run"]:
            report = options["errors"] or path.with_name(f"{path.stem}.errors.csv")
            write_csv(report, import_error_report_rows(job=job))
            self.stdout.write(f"  error report: {report}")
