"""A job whose worker died is picked up again without a person: the beat
sweep finds running jobs that have committed nothing for a while and queues
them, and a worker resumes them after their last committed batch."""

import datetime as dt
import signal
import time

import pytest
from django.utils import timezone

from customers.imports.services import import_job_start
from customers.models import ImportJob, ImportStatus
from customers.tasks import import_resume_stale_task
from tests.customers.importfiles import (
    create_job,
    customers_state,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    job_state,
)
from tests.customers.test_import_resume import BATCH, PATIENCE_SECONDS, big_file  # noqa: F401
from tests.workers import PROCESSES, celery_worker

ROUTED = ("customers.tasks.import_run_task",)


def wait_for(condition, what: str):
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {PATIENCE_SECONDS} s for {what}")
        time.sleep(0.01)
    return found


def job_of(job: ImportJob) -> ImportJob:
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_beat_resumes_a_job_whose_worker_was_killed(tmp_path, big_file, monkeypatch):  # noqa: F811
    path, rows = big_file
    job = create_job(path, source="killed")
    monkeypatch.setenv("IMPORT_BATCH_SIZE", str(BATCH))

    with celery_worker(route=ROUTED) as queue:
        import_job_start(job=job)
        wait_for(lambda: job_of(job).processed_rows > 0, "a first batch")
        PROCESSES[queue].send_signal(signal.SIGKILL)
        PROCESSES[queue].wait(timeout=PATIENCE_SECONDS)

    job = job_of(job)
    assert job.status == ImportStatus.RUNNING, "the run ended before it was killed"
    assert 0 < job.processed_rows < len(rows)

    # Nothing happens to a job that is merely slow...
    assert import_resume_stale_task.apply().get() == []

    # ... but once it has been quiet for longer than the limit, beat queues it.
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=11)
    )
    with celery_worker(route=ROUTED):
        assert import_resume_stale_task.apply().get() == [str(job.public_id)]
        wait_for(lambda: job_of(job).status != ImportStatus.RUNNING, "the resumed job")

    assert job.status == ImportStatus.SUCCEEDED
    uninterrupted = import_file(path, source="uninterrupted", batch_size=BATCH)
    assert job_state(job) == job_state(uninterrupted)
    assert customers_state("killed") == customers_state("uninterrupted")
