"""A job works in batches, one transaction each. A worker killed mid-job leaves
no half-written batch, and running the job again ends exactly as an
uninterrupted run would."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction

from customers.imports.services import import_run
from customers.models import (
    AttributeDefinition,
    Customer,
    ImportJob,
    ImportRowError,
    ImportStatus,
    QualityIssue,
)
from tests.customers.importfiles import (
    call,
    counts,
    create_job,
    csv_file,
    customers_state,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    job_state,
)
from tests.workers import database_url

ROOT = Path(__file__).resolve().parents[2]
BATCH = 50
ROWS = 3000
# A loaded machine may take a while to start Django; the test never waits on
# a guess of how fast it is, only up to this limit.
PATIENCE_SECONDS = 180


def a_row(n: int) -> dict:
    """Row n of a file that creates, updates, rejects and flags."""
    row = {
        "external_id": f"K{n:05d}",
        "first_name": f"First{n}",
        "last_name": f"Last{n % 300}",
        "email": f"person{n}@example.com",
        "city": ("London", "Leeds", "York")[n % 3],
        "date_of_birth": f"19{50 + n % 50}-0{1 + n % 9}-1{n % 10}",
        "interests": ";".join(("chess", "golf", "sailing", "poetry")[: n % 4]),
        "attributes.loyalty_tier": ("bronze", "silver", "gold", "")[n % 4],
    }
    if n % 41 == 40:  # the same key as an earlier row: an update
        row.update(external_id=f"K{n - 7:05d}", city="Hull", interests="running")
    if n % 23 == 5:  # a bad value, kept and flagged
        row.update(email=f"person {n} at example", date_of_birth="31/02/1980")
    if n % 97 == 13:  # no identity: rejected
        row.update(external_id="", first_name="", last_name="", email="")
    return row


@pytest.fixture
def big_file(tmp_path) -> tuple[Path, list[dict]]:
    AttributeDefinition.objects.get_or_create(
        name="loyalty_tier",
        defaults={
            "label": "Loyalty tier",
            "data_type": "choice",
            "allowed_values": ["bronze", "silver", "gold"],
        },
    )
    rows = [a_row(n) for n in range(ROWS)]
    return csv_file(tmp_path / "big.csv", rows), rows


def wait_until_committed_rows(job: ImportJob, process: subprocess.Popen, output: Path) -> int:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        processed = ImportJob.objects.values_list("processed_rows", flat=True).get(pk=job.pk)
        if processed > 0:
            return processed
        if process.poll() is not None:
            pytest.fail(f"run_import ended before a batch: {output.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"run_import committed no batch in {PATIENCE_SECONDS} s")
        time.sleep(0.005)


def settle(job: ImportJob) -> None:
    """Wait until the killed worker's transaction is over on the server: a
    batch holds the job's row lock from its first statement to its commit."""
    with transaction.atomic():
        ImportJob.objects.select_for_update().get(pk=job.pk)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_whole_batches_and_a_rerun_ends_as_an_uninterrupted_run(
    tmp_path, big_file
):
    path, rows = big_file
    job = create_job(path, source="killed")
    output = tmp_path / "run_import.out"

    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_import", str(job.public_id), "--batch-size", "50"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url(), "DEBUG": "true"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_committed_rows(job, process, output)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=PATIENCE_SECONDS)
    settle(job)

    # Killed: whole batches only, and exactly what those rows make.
    job.refresh_from_db()
    committed = job.processed_rows
    assert job.status == ImportStatus.RUNNING, "the run ended before it was killed"
    assert 0 < committed < ROWS
    assert committed % BATCH == 0
    prefix = import_file(
        csv_file(tmp_path / "prefix.csv", rows[:committed]), source="prefix", batch_size=BATCH
    )
    assert customers_state("killed") == customers_state("prefix")
    assert counts(job) == counts(prefix)
    assert set(job.row_errors.values_list("row_number", flat=True)) == set(
        prefix.row_errors.values_list("row_number", flat=True)
    )

    # Run again: it resumes after the committed batches and finishes.
    printed = call("run_import", job.public_id, "--batch-size", BATCH)

    assert f"rows {committed + BATCH}/{ROWS}" in printed
    assert f"rows {BATCH}/{ROWS}" not in printed or committed == 0
    assert f"succeeded: {ROWS} rows" in printed
    uninterrupted = import_file(path, source="uninterrupted", batch_size=BATCH)
    assert job_state(job) == job_state(uninterrupted)
    assert customers_state("killed") == customers_state("uninterrupted")
    assert job.created_count > 0
    assert job.updated_count > 0
    assert job.rejected_count > 0
    assert job.flagged_count > 0
    assert set(
        QualityIssue.objects.filter(customer__source="killed").values_list("detected_by", flat=True)
    ) == {f"import {job.public_id}"}


@pytest.mark.django_db
def test_a_job_records_its_progress_after_each_batch(tmp_path):
    rows = [{"external_id": f"A{n}", "last_name": "Person"} for n in range(7)]
    job = create_job(csv_file(tmp_path / "people.csv", rows))
    seen = []

    import_run(job=job, batch_size=3, progress=lambda current: seen.append(current.processed_rows))

    assert seen == [3, 6, 7]
    assert (job.total_rows, job.processed_rows, job.progress_percent) == (7, 7, 100)


class WorkerDied(BaseException):
    """Stands for the end of a worker (a kill): nothing after it runs, not
    even the job's own error handling."""


class Broken(Exception):
    """An error the import did not foresee."""


def die(job):
    raise WorkerDied


@pytest.mark.django_db
def test_a_job_left_running_resumes_after_its_committed_rows(tmp_path):
    rows = [{"external_id": f"A{n}", "last_name": "Person"} for n in range(6)]
    job = create_job(csv_file(tmp_path / "people.csv", rows))
    with pytest.raises(WorkerDied):
        import_run(job=job, batch_size=2, progress=die)  # dies after its first batch
    job.refresh_from_db()
    assert (job.status, job.processed_rows, Customer.objects.count()) == ("running", 2, 2)

    import_run(job=job, batch_size=2)

    assert (job.status, job.processed_rows, job.created_count) == (ImportStatus.SUCCEEDED, 6, 6)
    assert Customer.objects.count() == 6
    assert Customer.history.count() == 6


@pytest.mark.django_db
def test_running_a_finished_job_again_changes_nothing(tmp_path):
    job = import_file(csv_file(tmp_path / "people.csv", [{"external_id": "A1"}]))
    before = job_state(job)

    import_run(job=job)

    assert job_state(job) == before
    assert (Customer.objects.count(), ImportRowError.objects.count()) == (1, 0)


@pytest.mark.django_db
def test_a_failed_job_stays_failed_when_run_again(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"")
    job = import_file(path)
    failed_at = job.finished_at

    import_run(job=job)

    assert (job.status, job.error, job.finished_at) == ("failed", "The file is empty.", failed_at)


def break_on_second_batch(job):
    if job.processed_rows >= 4:
        raise Broken("the disk is full")


@pytest.mark.django_db
def test_an_unforeseen_error_fails_the_job_with_where_and_why_and_a_rerun_resumes(tmp_path):
    rows = [{"external_id": f"A{n}", "last_name": "Person"} for n in range(6)]
    job = create_job(csv_file(tmp_path / "people.csv", rows))

    with pytest.raises(Broken):
        import_run(job=job, batch_size=2, progress=break_on_second_batch)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("Stopped after 4 of 6 rows: Broken: the disk is full")
    assert "run the job again to resume" in job.error
    first_start = job.started_at

    import_run(job=job, batch_size=2)

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count, job.error) == (
        ImportStatus.SUCCEEDED,
        6,
        6,
        "",
    )
    assert job.started_at == first_start  # the check after the job covers every row
    assert Customer.objects.count() == 6
