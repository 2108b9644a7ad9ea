"""Celery tasks of duplicate detection: thin, they call the sweep service."""

from celery import shared_task

from customers.duplicates.services.sweep import SweepAlreadyRunning, duplicate_sweep_run


@shared_task
def duplicate_sweep_task(user_id: int | None = None) -> dict:
    """The nightly duplicate sweep (beat), or one a steward started from the
    page. A sweep already running is left alone: this one reports it and ends."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        sweep = duplicate_sweep_run(actor=actor, via="task")
    except SweepAlreadyRunning as exc:
        return {"started": False, "reason": str(exc)}
    return {
        "started": True,
        "sweep": sweep.pk,
        "records": sweep.records_checked,
        "duplicate_pairs": sweep.duplicate_pairs,
        "possible_pairs": sweep.possible_pairs,
    }
