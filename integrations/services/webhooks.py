"""Webhooks to the Standard Webhooks specification.

``webhook_emit`` is called by the service that makes a change, inside its
transaction: the event and one delivery per interested subscription are
written with the change, and each delivery is queued for a worker only when
the transaction commits (a change rolled back sends nothing). The worker
calls ``webhook_delivery_attempt``; failures are retried with exponential
backoff, and a subscription whose deliveries keep failing is disabled and its
owner told by email."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from integrations.events import EventType
from integrations.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from integrations.services.endpoints import endpoint_check, endpoint_post
from mis.locks import lock_one


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean_event_types(event_types: Iterable[str]) -> list[str]:
    wanted = sorted(set(event_types or ()))
    unknown = [t for t in wanted if t not in EventType.values]
    if unknown:
        raise ValidationError(
            {"event_types": f"Unknown event types: {', '.join(unknown)}. "
             f"Known: {', '.join(EventType.values)}."}
        )  # fmt: skip
    if not wanted:
        raise ValidationError({"event_types": "Choose at least one event type."})
    return wanted


def _check_actor(actor) -> None:
    if actor is not None and not actor.has_perm("integrations.add_webhooksubscription"):
        raise PermissionDenied("You may not manage webhook subscriptions.")


@transaction.atomic
def webhook_subscription_create(
    *, url: str, event_types: Iterable[str], owner, description: str = "", actor=None
) -> WebhookSubscription:
    """A new subscription, with a new signing secret. Raises ValidationError
    (per field) when the endpoint or an event type is not acceptable."""
    _check_actor(actor)
    types = _clean_event_types(event_types)
    endpoint_check(url=url)
    subscription = WebhookSubscription(
        url=url, event_types=types, owner=owner, description=description, secret=_secret()
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, data: Mapping[str, Any], actor=None
) -> WebhookSubscription:
    """Change url, event types, description or is_active. Turning a disabled
    subscription back on clears its failure count."""
    _check_actor(actor)
    subscription = lock_one(subscription)
    unknown = sorted(set(data) - {"url", "event_types", "description", "is_active"})
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    if "url" in data:
        endpoint_check(url=data["url"])
        subscription.url = data["url"]
    if "event_types" in data:
        subscription.event_types = _clean_event_types(data["event_types"])
    if "description" in data:
        subscription.description = data["description"]
    if data.get("is_active") and not subscription.is_active:
        subscription.is_active = True
        subscription.consecutive_failures = 0
        subscription.disabled_at = None
        subscription.disabled_reason = ""
    elif data.get("is_active") is False:
        subscription.is_active = False
    subscription.full_clean()
    subscription.save()
    return subscription


def _queue(delivery_ids: list[int]) -> None:
    from integrations.tasks import webhook_deliver_task

    def send() -> None:
        for pk in delivery_ids:
            webhook_deliver_task.delay(pk)

    transaction.on_commit(send)


def webhook_emit(*, event_type: str, data: Mapping[str, Any]) -> WebhookEvent | None:
    """Record the event ``event_type`` with ``data`` and queue it for every
    active subscription that wants it, when the caller's transaction commits.
    Returns None (and writes nothing) when nobody subscribes.

    ``data`` must hold identifiers and facts of the change only, never
    personal values (see integrations/events.py)."""
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}.")
    # Subscriptions are few: filter in Python, the same on every database.
    subscriptions = [
        pk
        for pk, types in WebhookSubscription.objects.filter(is_active=True).values_list(
            "pk", "event_types"
        )
        if event_type in types
    ]
    if not subscriptions:
        return None
    now = timezone.now()
    message_id = f"msg_{secrets.token_hex(12)}"
    payload = json.loads(
        json.dumps(
            {"type": event_type, "timestamp": now.isoformat(), "data": dict(data)},
            cls=DjangoJSONEncoder,
        )
    )
    with transaction.atomic():
        event = WebhookEvent.objects.create(message_id=message_id, type=event_type, payload=payload)
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(subscription_id=pk, event=event) for pk in subscriptions]
        )
        _queue([d.pk for d in deliveries])
    return event


def _backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: base x 2^(n-1)."""
    return settings.WEBHOOK_RETRY_BASE_SECONDS * (2 ** (attempts - 1))


def _signed_request(delivery: WebhookDelivery) -> tuple[bytes, dict[str, str]]:
    event = delivery.event
    body = json.dumps(event.payload, separators=(",", ":")).encode()
    now = timezone.now()
    signature = Webhook(delivery.subscription.secret).sign(event.message_id, now, body)
    return body, {
        "Content-Type": "application/json",
        "User-Agent": "MIS-Webhooks/1",
        "webhook-id": event.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def webhook_delivery_attempt(*, delivery: WebhookDelivery) -> float | None:
    """Make one attempt at ``delivery`` and record it. Returns the seconds to
    wait before the next attempt, or None when there is none to make
    (delivered, given up, or nothing to do). Safe to call twice: a delivery
    that is no longer pending or retrying is left alone."""
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery.pk)
    subscription = delivery.subscription
    if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
        return None
    if not subscription.is_active:
        _finish(delivery, DeliveryStatus.FAILED, error="The subscription is disabled.")
        return None
    number = delivery.attempts + 1
    started = time.monotonic()
    status_code, error = None, ""
    try:
        endpoint = endpoint_check(url=subscription.url)
        body, headers = _signed_request(delivery)
        status_code = endpoint_post(endpoint=endpoint, body=body, headers=headers)
        if not 200 <= status_code < 300:
            error = f"The endpoint answered {status_code}."
    except ValidationError as exc:
        error = " ".join(exc.message_dict.get("url", exc.messages))
    except OSError as exc:
        error = f"No answer: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            response_status=status_code,
            duration_ms=duration,
            error=error[:500],
        )
        delivery.attempts = number
        delivery.response_status = status_code
        delivery.duration_ms = duration
        delivery.last_error = error[:500]
        if not error:
            _finish(delivery, DeliveryStatus.SUCCEEDED)
            WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
            return None
        if number < settings.WEBHOOK_MAX_ATTEMPTS:
            wait = _backoff(number)
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
            delivery.save()
            return wait
        _finish(delivery, DeliveryStatus.FAILED)
        _count_failure(subscription)
    return None


def _finish(delivery: WebhookDelivery, status: str, *, error: str = "") -> None:
    delivery.status = status
    delivery.next_attempt_at = None
    delivery.finished_at = timezone.now()
    if error:
        delivery.last_error = error
    delivery.save()


def _count_failure(subscription: WebhookSubscription) -> None:
    """One more delivery failed for good; past the limit the subscription is
    disabled (once: the conditional UPDATE claims it) and its owner told."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    reason = f"{limit} deliveries in a row failed after every retry."
    disabled = WebhookSubscription.objects.filter(
        pk=subscription.pk, is_active=True, consecutive_failures__gte=limit
    ).update(is_active=False, disabled_at=timezone.now(), disabled_reason=reason)
    if disabled:
        owner = subscription.owner
        if owner.email:
            transaction.on_commit(
                lambda: send_mail(
                    subject=f"MIS webhook disabled: {subscription}",
                    message=(
                        f"The webhook subscription to {subscription.url} was disabled: {reason}\n"
                        "Its deliveries are kept and can be replayed once the endpoint answers; "
                        "turn the subscription on again in MIS when it is fixed."
                    ),
                    from_email=None,
                    recipient_list=[owner.email],
                )
            )


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, actor=None) -> WebhookDelivery:
    """Send an event again to the same subscription, as a new delivery with
    the same ``webhook-id`` (a receiver that has it already can tell)."""
    _check_actor(actor)
    if not delivery.subscription.is_active:
        raise ValidationError(
            {"subscription": "The subscription is disabled: turn it on before replaying."}
        )
    replay = WebhookDelivery.objects.create(
        subscription=delivery.subscription, event=delivery.event, replay_of=delivery
    )
    _queue([replay.pk])
    return replay
