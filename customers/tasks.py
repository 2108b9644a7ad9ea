from celery import shared_task

from customers.analytics.metrics import metrics_refresh
from customers.imports.service import import_run
from customers.models import ImportJob


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_run_task(job_id: int) -> str:
    """Run or resume an import. Safe to deliver twice: a finished job is left
    as it is, and batches already committed are not written again."""
    job = import_run(job=ImportJob.objects.get(pk=job_id))
    return job.status


@shared_task
def metrics_refresh_task() -> dict:
    """The nightly refresh of every customer's buying pattern and RFM scores.
    Safe to run twice: it recomputes the same figures."""
    result = metrics_refresh()
    return {"as_of": result.as_of.isoformat(), "customers": result.customers}
