"""Builders of import files, and ways to run an import and look at what it left,
shared by the import tests (tests/customers/test_import_*.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from django.core.management import call_command

from customers.imports.services import import_job_create, import_run
from customers.models import Customer, ImportJob, ImportRowError, QualityIssue

SOURCE = "crm export"


@pytest.fixture(autouse=True)
def isolated_media(tmp_path_factory, settings, monkeypatch) -> Path:
    """Stored import files go to a folder of the test's own, for this process and
    for any worker or command it starts (they read MEDIA_ROOT from the environment).
    Import it into a test module to make it apply there."""
    media = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = str(media)
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    return media


def header_of(rows: Sequence[dict]) -> list[str]:
    """Every key of the rows, in the order they first appear."""
    header: list[str] = []
    for row in rows:
        header.extend(key for key in row if key not in header)
    return header


def csv_file(
    path: Path,
    rows: Sequence[dict] | None = None,
    *,
    header: Sequence[str] | None = None,
    values: Iterable[Sequence] = (),
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """A CSV file of ``rows`` (dicts: column -> value), or of a ``header`` and
    lists of ``values``."""
    if rows is not None:
        header = header_of(rows)
        values = [[row.get(column, "") for column in header] for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(values)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def xlsx_file(path: Path, rows: Sequence[dict]) -> Path:
    """An XLSX workbook whose first sheet holds ``rows``; values keep their
    Python type (numbers and dates are cells of that type)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    header = header_of(rows)
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column) for column in header])
    book.save(path)
    return path


def create_job(
    path: Path,
    *,
    source: str = SOURCE,
    mapping: dict | None = None,
    kind: str = "customers",
    **options,
) -> ImportJob:
    return import_job_create(
        kind=kind,
        file=path,
        original_name=path.name,
        source=source,
        mapping=mapping,
        options=options,
    )


def import_file(
    path: Path,
    *,
    source: str = SOURCE,
    mapping: dict | None = None,
    batch_size: int | None = None,
    kind: str = "customers",
    **options,
) -> ImportJob:
    """Create a job for the file and run it to its end, as the command does."""
    job = create_job(path, source=source, mapping=mapping, kind=kind, **options)
    return import_run(job=job, batch_size=batch_size)


def call(command: str, *args) -> str:
    """Run a management command; what it printed."""
    out = io.StringIO()
    call_command(command, *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def counts(job: ImportJob) -> dict:
    job.refresh_from_db()
    return {
        "read": job.processed_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "flagged": job.flagged_count,
    }


def written() -> tuple[int, int, int]:
    """(customers, rejected rows, quality issues) in the database."""
    return (
        Customer.objects.count(),
        ImportRowError.objects.count(),
        QualityIssue.objects.count(),
    )


def issues_of(customer: Customer) -> list[tuple[str, str, str]]:
    """The customer's quality issues as (field, code, raw value)."""
    return sorted(customer.quality_issues.values_list("field", "code", "raw_value"))


# Everything a customer is, apart from what differs between two imports of the
# same file: identifiers, the source's name and the times, and the quality
# score, which a task queued as the job ends computes (its issues are compared).
_NOT_COMPARED = {
    "id",
    "public_id",
    "source",
    "created_at",
    "updated_at",
    "search_text",
    "quality_score",
}


def customers_state(source: str) -> dict[str, dict]:
    """Every customer of a source by external id: all its field values, where
    each field came from (by name), its interests, its quality issues and the
    kinds of its history rows."""
    state = {}
    for customer in Customer.objects.filter(source=source).prefetch_related("interests"):
        values = {
            field.attname: getattr(customer, field.attname)
            for field in Customer._meta.concrete_fields
            if field.attname not in _NOT_COMPARED
        }
        values["field_sources"] = sorted(customer.field_sources)
        values["interests"] = sorted(interest.name for interest in customer.interests.all())
        values["issues"] = sorted(
            customer.quality_issues.values_list("field", "code", "message", "raw_value", "status")
        )
        values["history"] = list(
            customer.history.order_by("history_id").values_list("history_type", flat=True)
        )
        state[customer.external_id] = values
    return state


def job_state(job: ImportJob) -> dict:
    """A job's figures and its error report."""
    job.refresh_from_db()
    return {
        "status": job.status,
        "total_rows": job.total_rows,
        **counts(job),
        "errors": list(job.row_errors.order_by("row_number").values_list("row_number", "raw")),
        "reasons": list(job.row_errors.order_by("row_number").values_list("reasons", flat=True)),
    }
