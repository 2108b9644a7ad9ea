"""Webhooks end to end: services emit events, a real Celery worker delivers
them to a real HTTP receiver, which verifies each signature with the
standardwebhooks library."""

import importlib
import json
import time

import pytest
from django.apps import apps
from standardwebhooks.webhooks import Webhook

from customers import services as customers
from customers.duplicates.services.merge import customers_merge, merge_undo
from customers.segments.services import segment_create, snapshot_take
from governance.services.erasure import customer_erase
from insight import services as insight
from integrations.events import EventType
from integrations.models import DeliveryStatus, Scope, WebhookDelivery
from integrations.services import api_key_create
from tests.customers.importfiles import csv_file, import_file, isolated_media  # noqa: F401
from tests.governance.consents import grant_newsletter
from tests.insight.factories import ready_for_approval
from tests.workers import celery_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(local_endpoints):
    with celery_worker(route=("integrations.tasks.webhook_deliver_task",)) as queue:
        yield queue


@pytest.fixture
def subscription(api_client_for, integration_user, receiver):
    """Every event type, subscribed through the API with a scoped key."""
    _, key = api_key_create(
        name="CRM", user=integration_user, scopes=[Scope.WEBHOOKS_MANAGE], actor=None
    )
    client = api_client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    answer = client.post(
        "/api/v1/webhooks/subscriptions/",
        {"url": receiver.url, "event_types": EventType.values, "description": "CRM"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_the_receiver_gets_a_signed_event_of_every_type_and_the_retries_after_two_500s(
    worker, subscription, receiver, steward, manager, dpo, tmp_path, settings
):
    settings.CUSTOMER_POLICY_BACKEND = ""
    importlib.import_module("governance.migrations.0002_purposes").seed(apps, None)
    receiver.failures[EventType.CUSTOMER_CREATED] = [500, 500]

    ann = customers.customer_create(
        data={"first_name": "Ann", "email": "ann@example.com", "city": "London"}, source="test"
    )
    customers.customer_update(customer=ann, data={"city": "Leeds"}, source="test")
    bob = customers.customer_create(data={"first_name": "Bob", "city": "Leeds"}, source="test")
    merge = customers_merge(survivor=ann, merged=bob, actor=steward)
    merge_undo(merge=merge, actor=steward)
    customers.customer_archive(customer=bob, reason="moved away")
    grant_newsletter(ann)
    leeds = segment_create(
        name="Leeds", rules={"op": "and", "rules": [{"field": "city", "value": ["Leeds"]}]},
        actor=manager,
    )  # fmt: skip
    snapshot_take(segment=leeds, purpose="email_marketing", channel="email", actor=manager)
    import_file(csv_file(tmp_path / "people.csv", [{"first_name": "Cy", "city": "York"}]))
    insight.strategy_approve(strategy=ready_for_approval(), actor=manager)
    cat = customers.customer_create(
        data={"first_name": "Catherine", "last_name": "Zeta", "email": "cat.zeta@example.com"},
        source="test",
    )
    customer_erase(customer=cat, action="delete", reason="request", actor=dpo)

    wanted = set(EventType.values)
    seen = receiver.wait_for(
        lambda got: (
            wanted <= {json.loads(r.body)["type"] for r in got if r.answered == 200}
            and not receiver.failures[EventType.CUSTOMER_CREATED]
            and len([r for r in got if r.headers["webhook-id"] in receiver.failing_ids.values()])
            == 3
        ),
        timeout=90,
    )

    verifier = Webhook(subscription["secret"])
    by_type: dict[str, list] = {}
    for request in seen:
        payload = verifier.verify(request.body, request.headers)
        assert request.headers["webhook-id"].startswith("msg_")
        by_type.setdefault(payload["type"], []).append((request, payload))
    assert set(by_type) == wanted
    created = [p for _, p in by_type[EventType.CUSTOMER_CREATED]]
    assert {p["data"]["id"] for p in created} >= {str(ann.public_id), str(bob.public_id)}

    # Ann's creation: answered 500 twice, then delivered, under one webhook-id.
    ann_created = [
        r for r, p in by_type[EventType.CUSTOMER_CREATED] if p["data"]["id"] == str(ann.public_id)
    ]
    assert [r.answered for r in ann_created] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in ann_created}) == 1
    # The receiver answers before the worker records the answer: wait for it.
    delivery = WebhookDelivery.objects.get(event__message_id=ann_created[0].headers["webhook-id"])
    deadline = time.monotonic() + 30
    while delivery.status != DeliveryStatus.SUCCEEDED and time.monotonic() < deadline:
        time.sleep(0.2)
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 3
    assert [t.response_status for t in delivery.tries.all()] == [500, 500, 200]
    assert all(t.duration_ms is not None for t in delivery.tries.all())

    # The erasure tells which record to erase, and nothing about the person.
    ((erased_request, erased),) = by_type[EventType.CUSTOMER_ERASED]
    assert set(erased["data"]) == {"id", "tombstone", "action", "reason"}
    for personal in (b"Catherine", b"Zeta", b"cat.zeta"):
        assert personal not in erased_request.body
    assert by_type[EventType.CUSTOMER_UPDATED][0][1]["data"]["fields"] == ["city"]
    assert by_type[EventType.CONSENT_CHANGED][0][1]["data"]["status"] == "granted"
