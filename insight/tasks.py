from celery import shared_task

from insight import services


@shared_task
def review_sweep_task() -> dict:
    """The daily review check: opens scheduled reviews that are due and
    unscheduled ones for breached criteria and low quality."""
    return services.review_sweep()
