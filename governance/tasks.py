"""Celery tasks of governance: thin, they call a service."""

from celery import shared_task

from governance.models import RetentionRun
from governance.services.retention import retention_prepare_due, retention_run_execute


@shared_task
def retention_prepare_task() -> list[int]:
    return [run.pk for run in retention_prepare_due()]


@shared_task
def retention_run_execute_task(run_id: int) -> int:
    run = retention_run_execute(run=RetentionRun.objects.get(pk=run_id))
    return run.erased_count
