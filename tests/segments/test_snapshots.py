"""Campaign snapshots: frozen members after the contact-eligibility check,
their export, and export_customers --segment."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from customers.models import CampaignSnapshot, CustomerExport
from customers.segments.selectors import snapshot_customers
from customers.segments.services import segment_create, snapshot_take
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LONDON = {"op": "and", "rules": [{"field": "city", "value": ["London"]}]}


@pytest.fixture
def londoners(db, manager):
    CustomerFactory(first_name="Ann", city="London", lifecycle_stage="customer")
    CustomerFactory(first_name="Bob", city="London", lifecycle_stage="lapsed")
    CustomerFactory(first_name="Cat", city="Leeds")
    return segment_create(name="Londoners", rules=LONDON, actor=manager)


@pytest.fixture
def governed(settings):
    settings.CUSTOMER_POLICY_BACKEND = "tests.segments.policy_backend"


@pytest.fixture
def ungoverned(settings):
    settings.CUSTOMER_POLICY_BACKEND = ""


def member_names(snapshot) -> set[str]:
    return set(snapshot_customers(snapshot).values_list("first_name", flat=True))


def test_a_snapshot_keeps_only_who_may_be_contacted_and_says_why_others_were_left_out(
    londoners, manager, governed
):
    snapshot = snapshot_take(segment=londoners, purpose="marketing", channel="email", actor=manager)

    assert member_names(snapshot) == {"Ann"}
    assert (snapshot.matched_count, snapshot.member_count) == (2, 1)
    assert snapshot.excluded == {"no consent": 1}
    assert snapshot.consent_checked is True
    assert (snapshot.segment_version, snapshot.rules, snapshot.taken_by) == (1, LONDON, manager)


def test_without_governance_nobody_is_left_out_and_the_snapshot_says_no_check_was_applied(
    londoners, manager, ungoverned
):
    snapshot = snapshot_take(
        segment=londoners, purpose="spring sale", channel="post", actor=manager
    )

    assert member_names(snapshot) == {"Ann", "Bob"}
    assert (snapshot.consent_checked, snapshot.excluded) == (False, {})


def test_the_members_stay_frozen_when_the_data_changes(londoners, manager, ungoverned):
    snapshot = snapshot_take(segment=londoners, purpose="sale", channel="email", actor=manager)

    CustomerFactory(first_name="Dan", city="London")

    assert member_names(snapshot) == {"Ann", "Bob"}


def test_an_unknown_purpose_or_channel_is_refused_and_nothing_is_kept(londoners, manager, governed):
    with pytest.raises(ValidationError) as caught:
        snapshot_take(segment=londoners, purpose="lottery", channel="", actor=manager)

    assert caught.value.message_dict == {
        "purpose": ["“lottery” is not a known purpose. Known: marketing."],
        "channel": ["Choose the channel of the campaign."],
    }
    assert not CampaignSnapshot.objects.exists()


def test_the_page_takes_a_snapshot_and_lists_it_with_what_was_left_out(
    page_client_for, londoners, manager, governed
):
    client = page_client_for(manager)

    response = client.post(
        reverse("segments:snapshot", args=[londoners.public_id]),
        {"purpose": "marketing", "channel": "email"},
        follow=True,
    )

    html = response.content.decode()
    assert "Snapshot taken: 1 of 2 members may be contacted." in html
    assert "1 no consent" in html
    assert "Download CSV" in html


def test_the_snapshot_csv_holds_its_members_and_the_export_is_recorded(
    page_client_for, londoners, manager, ungoverned
):
    snapshot = snapshot_take(segment=londoners, purpose="sale", channel="post", actor=manager)

    response = page_client_for(manager).get(
        reverse("segments:snapshot_export", args=[snapshot.public_id])
    )

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["first_name"] for row in rows) == ["Ann", "Bob"]
    export = CustomerExport.objects.get()
    assert (export.actor, export.via, export.row_count, export.status) == (
        manager,
        "page",
        2,
        "finished",
    )
    assert export.filters == {
        "snapshot": str(snapshot.public_id),
        "segment": "Londoners",
        "purpose": "sale",
        "channel": "post",
    }


def test_marketing_staff_may_take_a_snapshot_but_not_download_it(
    page_client_for, londoners, marketing_user, ungoverned
):
    client = page_client_for(marketing_user)
    client.post(
        reverse("segments:snapshot", args=[londoners.public_id]), {"purpose": "x", "channel": "y"}
    )
    snapshot = CampaignSnapshot.objects.get()

    response = client.get(reverse("segments:snapshot_export", args=[snapshot.public_id]))

    assert response.status_code == 403
    assert not CustomerExport.objects.exists()


def test_export_customers_takes_a_segment_by_name(tmp_path, londoners):
    path = tmp_path / "londoners.csv"

    call_command(
        "export_customers",
        str(path),
        "--segment",
        "LONDONERS",
        "--fields",
        "first_name",
        stdout=io.StringIO(),
    )

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert sorted(row["first_name"] for row in rows) == ["Ann", "Bob"]
    assert CustomerExport.objects.get().filters == {"segment": "LONDONERS"}


def test_export_customers_names_the_segments_when_the_name_is_unknown(tmp_path, londoners):
    with pytest.raises(
        CommandError, match="There is no segment called “Leeds”. Segments: Londoners."
    ):
        call_command("export_customers", str(tmp_path / "x.csv"), "--segment", "Leeds")
