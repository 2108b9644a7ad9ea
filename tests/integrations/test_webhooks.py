"""Webhook subscriptions, the endpoint check, failures and replays, without a
worker: the delivery service is called as the task calls it, against a real
HTTP receiver."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from customers import services as customers
from integrations.events import EventType
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from integrations.services import (
    endpoint_check,
    webhook_delivery_attempt,
    webhook_emit,
    webhook_subscription_create,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1:6379/", "internal address"),
        ("https://localhost/hooks", "internal address"),
        ("https://169.254.169.254/latest/meta-data", "internal address"),
        ("https://10.1.2.3/hooks", "internal address"),
        ("https://[::1]/hooks", "internal address"),
        ("ftp://example.com/hooks", "scheme “ftp” is not allowed"),
        ("http://93.184.215.14/hooks", "scheme “http” is not allowed"),
        ("https://user:secret@93.184.215.14/", "Credentials"),
    ],
)
def test_it_refuses_endpoints_that_would_reach_internals_or_use_a_wrong_scheme(url, reason):
    with pytest.raises(ValidationError) as refused:
        endpoint_check(url=url)
    assert reason in refused.value.message_dict["url"][0]


def test_an_allow_listed_host_may_be_internal(settings):
    settings.WEBHOOK_ALLOWED_SCHEMES = ["http"]
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    endpoint = endpoint_check(url="http://127.0.0.1:8080/hooks?x=1")
    assert (endpoint.address, endpoint.port, endpoint.path) == ("127.0.0.1", 8080, "/hooks?x=1")
    with pytest.raises(ValidationError):
        endpoint_check(url="http://localhost:8080/hooks")


def test_a_subscription_to_an_internal_endpoint_is_refused_and_nothing_is_saved(manager):
    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(
            url="https://127.0.0.1/", event_types=["customer.created"], owner=manager
        )
    assert "url" in refused.value.message_dict
    assert not WebhookSubscription.objects.exists()


def test_an_unknown_event_type_is_refused(local_endpoints, manager, receiver):
    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(url=receiver.url, event_types=["customer.eaten"], owner=manager)
    assert "customer.eaten" in refused.value.message_dict["event_types"][0]


def test_nothing_is_recorded_when_nobody_subscribes():
    customers.customer_create(data={"first_name": "Ann"}, source="test")
    assert webhook_emit(event_type=EventType.CUSTOMER_CREATED, data={"id": "x"}) is None
    assert not WebhookDelivery.objects.exists()


def test_only_subscribers_of_the_type_get_a_delivery(local_endpoints, manager, receiver):
    wants = webhook_subscription_create(
        url=receiver.url, event_types=["customer.created"], owner=manager
    )
    webhook_subscription_create(url=receiver.url, event_types=["consent.changed"], owner=manager)
    customers.customer_create(data={"first_name": "Ann"}, source="test")
    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [wants.pk]


def _failing_delivery(subscription) -> WebhookDelivery:
    webhook_emit(event_type=EventType.CUSTOMER_CREATED, data={"id": "x"})
    return WebhookDelivery.objects.filter(subscription=subscription).latest("id")


def test_a_subscription_that_keeps_failing_is_disabled_and_its_owner_told(
    local_endpoints, settings, manager, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    receiver.always = 503
    subscription = webhook_subscription_create(
        url=receiver.url, event_types=["customer.created"], owner=manager
    )

    for _ in range(2):
        delivery = _failing_delivery(subscription)
        assert webhook_delivery_attempt(delivery=delivery) == pytest.approx(0.2)
        with django_capture_on_commit_callbacks(execute=True):
            assert webhook_delivery_attempt(delivery=delivery) is None
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
        assert delivery.response_status == 503

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "2 deliveries in a row failed" in subscription.disabled_reason
    assert len(receiver.requests) == 4
    (told,) = mail.outbox
    assert told.to == [manager.email]
    assert receiver.url in told.body
    # A disabled subscription gets nothing more.
    assert webhook_emit(event_type=EventType.CUSTOMER_CREATED, data={"id": "y"}) is None


def test_a_failed_delivery_is_replayed_through_the_api_with_the_same_webhook_id(
    local_endpoints, settings, integration_user, token_client, receiver
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.failures[EventType.CUSTOMER_CREATED] = [500]
    subscription = webhook_subscription_create(
        url=receiver.url, event_types=["customer.created"], owner=integration_user
    )
    delivery = _failing_delivery(subscription)
    webhook_delivery_attempt(delivery=delivery)

    answer = token_client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/replay/")

    assert answer.status_code == 201, answer.content
    replay = WebhookDelivery.objects.get(pk=answer.json()["id"])
    assert replay.replay_of == delivery
    webhook_delivery_attempt(delivery=replay)
    replay.refresh_from_db()
    assert replay.status == DeliveryStatus.SUCCEEDED
    first, again = receiver.requests
    assert (first.answered, again.answered) == (500, 200)
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    listed = token_client.get("/api/v1/webhooks/deliveries/?status=failed").json()["results"]
    assert [d["id"] for d in listed] == [delivery.pk]
    assert listed[0]["tries"][0]["response_status"] == 500


def test_the_secret_is_shown_only_when_the_subscription_is_made(
    local_endpoints, token_client, receiver
):
    made = token_client.post(
        "/api/v1/webhooks/subscriptions/",
        {"url": receiver.url, "event_types": ["customer.erased"]},
        format="json",
    )
    assert made.status_code == 201
    assert made.json()["secret"].startswith("whsec_")
    shown = token_client.get(f"/api/v1/webhooks/subscriptions/{made.json()['id']}/").json()
    assert "secret" not in shown


def test_marketing_staff_may_not_subscribe(
    local_endpoints, api_client_for, marketing_user, receiver
):
    answer = api_client_for(marketing_user).post(
        "/api/v1/webhooks/subscriptions/",
        {"url": receiver.url, "event_types": ["customer.erased"]},
        format="json",
    )
    assert answer.status_code == 403
    assert not WebhookSubscription.objects.exists()


def test_a_rolled_back_change_sends_nothing(
    local_endpoints, manager, receiver, django_capture_on_commit_callbacks
):
    webhook_subscription_create(url=receiver.url, event_types=["customer.created"], owner=manager)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(ValidationError):
        customers.customer_create(data={"email": "not-an-email"}, source="test")
    assert queued == []
    assert not WebhookDelivery.objects.exists()


def test_admin_makes_a_subscription_through_the_service_and_refuses_internal_endpoints(
    local_endpoints, page_client_for, receiver
):
    from django.urls import reverse

    from tests.factories import UserFactory

    client = page_client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    form = {"url": "https://10.0.0.5/hooks", "event_types": ["customer.erased"], "is_active": "on"}

    refused = client.post(reverse("admin:integrations_webhooksubscription_add"), form)
    assert "internal address" in refused.text
    assert not WebhookSubscription.objects.exists()

    client.post(
        reverse("admin:integrations_webhooksubscription_add"), {**form, "url": receiver.url}
    )
    made = WebhookSubscription.objects.get()
    assert made.secret.startswith("whsec_")
    assert made.event_types == ["customer.erased"]


def test_a_disabled_subscription_is_turned_on_again_through_the_api(
    local_endpoints, integration_user, token_client, receiver
):
    subscription = webhook_subscription_create(
        url=receiver.url, event_types=["customer.created"], owner=integration_user
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, consecutive_failures=5, disabled_reason="5 deliveries in a row failed"
    )
    url = f"/api/v1/webhooks/subscriptions/{subscription.public_id}/"

    moved = token_client.patch(url, {"url": "https://192.168.1.10/hooks"}, format="json")
    assert moved.status_code == 400
    assert "internal address" in moved.json()["url"][0]

    answer = token_client.patch(url, {"is_active": True}, format="json")

    assert answer.status_code == 200, answer.content
    assert (answer.json()["is_active"], answer.json()["consecutive_failures"]) == (True, 0)
    assert answer.json()["disabled_reason"] == ""
    assert answer.json()["url"] == receiver.url


def test_an_objection_tells_subscribers_of_every_withdrawal(local_endpoints, manager, receiver):
    import importlib

    from django.apps import apps

    from governance.services import objection_register
    from integrations.models import WebhookEvent

    importlib.import_module("governance.migrations.0002_purposes").seed(apps, None)
    webhook_subscription_create(url=receiver.url, event_types=["consent.changed"], owner=manager)
    ann = customers.customer_create(data={"first_name": "Ann"}, source="test")

    events = objection_register(customer=ann)

    sent = WebhookEvent.objects.filter(type=EventType.CONSENT_CHANGED)
    assert sent.count() == len(events) > 1
    assert {e.payload["data"]["status"] for e in sent} == {"withdrawn"}
    assert {e.payload["data"]["customer"] for e in sent} == {str(ann.public_id)}
