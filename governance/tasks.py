"""Celery tasks of governance: thin, they call a service."""

from celery import shared_task

from governance.models import RetentionRun
from governance.services.access import access_log_verify
from governance.services.retention import retention_prepare_due, retention_run_execute


@shared_task
def retention_prepare_task() -> list[int]:
    return [run.pk for run in retention_prepare_due()]


@shared_task
def retention_run_execute_task(run_id: int) -> int:
    run = retention_run_execute(run=RetentionRun.objects.get(pk=run_id))
    return run.erased_count


@shared_task
def access_log_verify_task() -> dict:
    """The daily check of the access log's chain; a broken chain fails the
    task (and is named in its error) so that monitoring sees it."""
    check = access_log_verify(record=True)
    if not check.intact:
        raise RuntimeError(f"Access log broken: {check.reason}.")
    return {"rows": check.checked, "head_id": check.head_id}
