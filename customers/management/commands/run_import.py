from django.core.management.base import BaseCommand, CommandError

from customers.imports.services import import_run
from customers.models import ImportJob, ImportStatus


class Command(BaseCommand):
    help = (
        "Run or resume an import job in this process (for example one a dead worker left "
        "running). Committed batches are not written again."
    )

    def add_arguments(self, parser):
        parser.add_argument("job", help="The job's public id.")
        parser.add_argument("--batch-size", type=int)

    def handle(self, *args, job: str, batch_size: int | None, **options):
        try:
            import_job = ImportJob.objects.get(public_id=job)
        except (ImportJob.DoesNotExist, ValueError):
            raise CommandError(f"No import job {job}.") from None

        def progress(current):
            self.stdout.write(f"rows {current.processed_rows}/{current.total_rows}")

        import_job = import_run(job=import_job, progress=progress, batch_size=batch_size)
        if import_job.status == ImportStatus.FAILED:
            raise CommandError(import_job.error)
        self.stdout.write(
            f"{import_job.status}: {import_job.processed_rows} rows, "
            f"{import_job.created_count} created, {import_job.updated_count} updated, "
            f"{import_job.unchanged_count} unchanged, {import_job.rejected_count} rejected"
        )
