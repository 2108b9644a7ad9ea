import datetime as dt

from celery import group, shared_task

from customers.analytics.services import metrics_refresh
from customers.imports.services import import_jobs_resume_stale, import_run
from customers.models import Customer, ImportJob, QualityRunChunk
from customers.quality import services as quality
from customers.quality.redundant import redundancy_sweep
from customers.segments.facts import facts_vacuum


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_run_task(job_id: int) -> str:
    """Run or resume an import. Safe to deliver twice: a finished job is left
    as it is, and batches already committed are not written again."""
    job = import_run(job=ImportJob.objects.get(pk=job_id))
    return job.status


@shared_task(acks_late=True)
def response_import_task(job_id: int) -> str:
    """Import a file of campaign responses. Safe to deliver twice."""
    from customers.campaigns.responses_import import response_import_run
    from customers.models import ResponseImport

    return response_import_run(job=ResponseImport.objects.get(pk=job_id)).status


@shared_task
def import_resume_stale_task() -> list[str]:
    """Queue again the imports whose worker died mid-job (beat, every few
    minutes); each resumes after its last committed batch."""
    return [str(job.public_id) for job in import_jobs_resume_stale()]


@shared_task
def metrics_refresh_task() -> dict:
    """The nightly refresh of every customer's buying pattern and RFM scores.
    Safe to run twice: it recomputes the same figures."""
    result = metrics_refresh()
    return {
        "as_of": result.as_of.isoformat(),
        "customers": result.customers,
        "written": result.written,
    }


@shared_task
def facts_vacuum_task() -> None:
    """Keep the segment facts' visibility map current (beat, every few
    minutes), so live counts stay index-only scans."""
    facts_vacuum()


@shared_task
def quality_sweep_task(triggered_by: str = "beat") -> dict:
    """Start (or resume) the quality sweep and hand its chunks to the
    workers as a group: each chunk is one task, and the last to finish
    closes the run. A sweep already running is left alone."""
    try:
        run = quality.sweep_start(triggered_by=triggered_by)
    except quality.SweepRunning as exc:
        return {"started": False, "reason": str(exc)}
    chunks = list(run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True))
    if not chunks:
        quality.sweep_finish(run=run)
    else:
        group(quality_chunk_task.s(chunk_id) for chunk_id in chunks).apply_async()
    return {"started": True, "run": run.pk, "chunks": len(chunks)}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def quality_chunk_task(chunk_id: int) -> bool:
    """Check one chunk of a sweep; safe to deliver twice (a done chunk is
    skipped)."""
    run = QualityRunChunk.objects.select_related("run").get(pk=chunk_id).run
    try:
        done = quality.sweep_chunk(chunk_id=chunk_id)
    except Exception as exc:
        # The run says which chunk failed and why; the next sweep starts anew
        # instead of retrying the same chunk for ever.
        quality.sweep_fail(run=run, error=f"chunk {chunk_id}: {exc.__class__.__name__}: {exc}")
        raise
    quality.sweep_finish(run=run)
    return done


@shared_task
def quality_check_since_task(since: str) -> dict:
    """Check the live records changed since a moment (those an import wrote)."""
    changed = Customer.objects.active().filter(updated_at__gte=dt.datetime.fromisoformat(since))
    result = quality.quality_check_queryset(queryset=changed)
    return {"checked": result.checked, "opened": result.opened, "resolved": result.resolved}


@shared_task
def redundancy_sweep_task() -> dict:
    """Propose records of no further use; deletes nothing."""
    try:
        run = redundancy_sweep(triggered_by="beat")
    except quality.SweepRunning as exc:
        return {"started": False, "reason": str(exc)}
    return {"started": True, "proposed": run.issues_opened, "withdrawn": run.issues_resolved}
