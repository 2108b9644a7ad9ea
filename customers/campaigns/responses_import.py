"""Campaign responses from a file (CSV or XLSX), through the same pipeline as
the API (services.campaign_responses_record). The file is read with the
import readers; the customer and order imports are not involved.

Two passes: the first checks every row and, if any is wrong, refuses the file
with each row's field and reason, writing nothing; the second records the
rows in batches. A file imported twice records nothing new the second time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from customers.campaigns.services import (
    RESPONSE_FIELDS,
    ResponsesRefused,
    ResponsesResult,
    RowProblem,
    campaign_responses_check,
    campaign_responses_record,
    normalise_row,
)
from customers.imports import readers
from customers.models import Campaign, ResponseImport, ResponseImportStatus

# Problems shown when a file is refused (the count says how many in all).
MAX_PROBLEMS_SHOWN = 100


def _rows(path: Path, shape: readers.FileShape) -> Iterator[tuple[int, dict]]:
    for number, values in readers.iter_rows(path, shape):
        yield number, dict(zip(shape.header, values, strict=False))


def campaign_responses_import(
    *, campaign: Campaign, path: Path, actor=None, batch_size: int | None = None
) -> ResponsesResult:
    """Record the responses in the file at ``path``. Raises readers.FileProblem
    (the file cannot be read) or ResponsesRefused (rows are wrong: nothing written)."""
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    shape = readers.inspect(path)
    columns = set(normalise_row(dict.fromkeys(shape.header, "")))
    if not columns & {"customer", "email"} or "kind" not in columns:
        raise readers.FileProblem(
            "The file needs a column naming the member (customer or email) and one for the "
            f"response (kind). Columns understood: {', '.join(RESPONSE_FIELDS)}."
        )
    count, problems = campaign_responses_check(
        campaign=campaign, rows=_rows(path, shape), batch_size=batch_size
    )
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(RowProblem(0, "file", f"and {len(problems) - len(shown):,} more problems"))
        raise ResponsesRefused(shown)
    result = ResponsesResult()
    batch: list[tuple[int, dict]] = []
    for row in _rows(path, shape):
        batch.append(row)
        if len(batch) >= batch_size:
            result.add(_record(campaign, batch, path, actor))
            batch = []
    if batch:
        result.add(_record(campaign, batch, path, actor))
    return result


@transaction.atomic
def response_import_create(
    *, campaign: Campaign, file, original_name: str, actor=None
) -> ResponseImport:
    """Keep an uploaded file of responses and queue its import for a worker."""
    if actor is not None and not actor.has_perm("customers.add_campaignresponse"):
        raise PermissionDenied("You may not report campaign responses.")
    job = ResponseImport(campaign=campaign, original_name=original_name[:255], created_by=actor)
    job.file.save(Path(original_name).name[-100:] or "responses.csv", file, save=False)
    job.save()
    from customers.tasks import response_import_task

    transaction.on_commit(lambda: response_import_task.delay(job.pk))
    return job


def response_import_run(*, job: ResponseImport) -> ResponseImport:
    """Run a queued import to its end. Safe to call twice: only a pending job
    is claimed (a conditional UPDATE), and a re-run records nothing new."""
    claimed = ResponseImport.objects.filter(pk=job.pk, status=ResponseImportStatus.PENDING).update(
        status=ResponseImportStatus.RUNNING
    )
    job.refresh_from_db()
    if not claimed:
        return job
    try:
        result = campaign_responses_import(
            campaign=job.campaign, path=Path(job.file.path), actor=job.created_by
        )
    except readers.FileProblem as exc:
        job.status, job.problems = ResponseImportStatus.REFUSED, [str(exc)]
    except ResponsesRefused as exc:
        job.status, job.problems = ResponseImportStatus.REFUSED, [str(p) for p in exc.problems]
    else:
        job.status = ResponseImportStatus.SUCCEEDED
        job.counts = {
            name: getattr(result, name)
            for name in ("received", "recorded", "repeated", "opted_out", "bounced")
        }
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "problems", "counts", "finished_at"])
    return job


def _record(campaign, batch, path: Path, actor) -> ResponsesResult:
    return campaign_responses_record(
        campaign=campaign, rows=batch, source="import", reference=path.name, actor=actor
    )
