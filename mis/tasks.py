from celery import shared_task
from django.db import connection

from customers.models import Customer
from mis.metrics import metrics_snapshot


@shared_task
def system_check() -> dict:
    """Proves a worker can reach the broker, the database and the result store:
    answers with the database vendor and the number of customer records."""
    return {"database": connection.vendor, "customers": Customer.objects.count()}


@shared_task
def metrics_snapshot_task() -> int:
    """The daily snapshot of every metric, for trends."""
    return metrics_snapshot()


@shared_task
def notifications_sweep_task() -> dict:
    """Every few minutes: queue and mail the notifications nobody got yet."""
    from mis.notifications import notifications_sweep

    return notifications_sweep()
