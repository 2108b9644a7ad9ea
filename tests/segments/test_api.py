"""The segment API: members (paginated, masked, by role) and snapshots."""

import csv
import io

import pytest

from customers.models import CampaignSnapshot
from customers.segments.services import segment_create, snapshot_take
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LONDON = {"op": "and", "rules": [{"field": "city", "value": ["London"]}]}


@pytest.fixture
def londoners(db, manager):
    CustomerFactory.create_batch(3, city="London", income_band="over_100k")
    CustomerFactory(city="Leeds")
    return segment_create(name="Londoners", rules=LONDON, actor=manager)


def members_url(segment) -> str:
    return f"/api/v1/segments/{segment.public_id}/members/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("marketing_user", 200),
        ("manager", 200),
        ("steward", 200),
        ("dpo", 200),
        ("integration_user", 200),
        ("outsider", 403),
    ],
)
def test_who_may_read_a_segments_members(api_client_for, request, persona, londoners, status):
    client = api_client_for(request.getfixturevalue(persona))

    assert client.get(members_url(londoners)).status_code == status


def test_members_are_cursor_paginated_and_only_the_segments(api_client_for, manager, londoners):
    client = api_client_for(manager)

    first = client.get(members_url(londoners), {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert second["next"] is None
    cities = {item["city"] for item in first["results"] + second["results"]}
    assert cities == {"London"}


def test_members_are_masked_for_callers_without_the_sensitive_permission(
    api_client_for, marketing_user, manager, londoners
):
    masked = api_client_for(marketing_user).get(members_url(londoners)).json()["results"][0]
    full = api_client_for(manager).get(members_url(londoners)).json()["results"][0]

    assert (masked["income_band"], "income_band" in masked["masked_fields"]) == (None, True)
    assert full["income_band"] == "over_100k"


def test_the_integration_token_lists_segments_and_reads_members(token_client, londoners):
    listed = token_client.get("/api/v1/segments/").json()["results"]

    assert [segment["name"] for segment in listed] == ["Londoners"]
    assert len(token_client.get(members_url(londoners)).json()["results"]) == 3


def test_a_snapshot_is_taken_through_the_api_by_marketing_staff(
    api_client_for, marketing_user, londoners, settings
):
    settings.CUSTOMER_POLICY_BACKEND = ""

    response = api_client_for(marketing_user).post(
        f"/api/v1/segments/{londoners.public_id}/snapshots/",
        {"purpose": "spring sale", "channel": "email"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["member_count"] == 3
    assert response.json()["consent_checked"] is False


@pytest.mark.parametrize("persona", ["steward", "dpo", "integration_user", "outsider"])
def test_other_roles_may_not_take_a_snapshot(api_client_for, request, persona, londoners):
    response = api_client_for(request.getfixturevalue(persona)).post(
        f"/api/v1/segments/{londoners.public_id}/snapshots/",
        {"purpose": "x", "channel": "y"},
        format="json",
    )

    assert response.status_code == 403
    assert not CampaignSnapshot.objects.exists()


def test_a_snapshot_request_with_a_mistake_says_which_field(api_client_for, manager, londoners):
    response = api_client_for(manager).post(
        f"/api/v1/segments/{londoners.public_id}/snapshots/",
        {"purpose": "x", "chanel": "email"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) >= {"chanel"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 200), ("dpo", 200), ("marketing_user", 403), ("integration_user", 403)],
)
def test_only_roles_that_may_export_download_a_snapshot(
    api_client_for, request, persona, status, londoners, manager, settings
):
    settings.CUSTOMER_POLICY_BACKEND = ""
    snapshot = snapshot_take(segment=londoners, purpose="x", channel="y", actor=manager)

    response = api_client_for(request.getfixturevalue(persona)).get(
        f"/api/v1/snapshots/{snapshot.public_id}/export/"
    )

    assert response.status_code == status
    if status == 200:
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(body)))
        assert {row["city"] for row in rows} == {"London"} and len(rows) == 3
