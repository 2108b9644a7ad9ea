from celery import shared_task

from integrations.models import WebhookDelivery
from integrations.services import webhook_delivery_attempt


@shared_task(acks_late=True)
def webhook_deliver_task(delivery_id: int) -> str:
    """One attempt at a delivery; a failed one queues the next attempt after
    the service's backoff. Safe to run twice: a finished delivery is left."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"
    wait = webhook_delivery_attempt(delivery=delivery)
    if wait is not None:
        webhook_deliver_task.apply_async((delivery_id,), countdown=wait)
        return "retrying"
    delivery.refresh_from_db(fields=["status"])
    return delivery.status
