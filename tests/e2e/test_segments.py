"""The segment journey: from the overview, build a segment with two rules
while the count follows, save it, take a campaign snapshot and download it."""

import csv
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.analytics.services import metrics_refresh
from customers.models import CampaignSnapshot, CustomerExport, Segment
from mis.models import MetricSnapshot
from mis.roles import MARKETING_MANAGER
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customers(roles):
    buyers = [
        CustomerFactory(first_name="Ann", city="London", lifecycle_stage="customer"),
        CustomerFactory(first_name="Bob", city="London", lifecycle_stage="lapsed"),
        CustomerFactory(first_name="Leeds", city="Leeds", lifecycle_stage="customer"),
    ]
    CustomerFactory(first_name="Cat", city="London", lifecycle_stage="prospect")
    for customer in buyers:
        OrderFactory(
            customer=customer,
            ordered_at=timezone.now() - dt.timedelta(days=20),
            lines=[{"amount": Decimal("25.00")}],
        )
    metrics_refresh()
    today = timezone.localdate()
    for days_ago, value in ((2, 2), (1, 3), (0, 4)):
        MetricSnapshot.objects.create(
            metric="customers", taken_on=today - dt.timedelta(days=days_ago), value=value
        )


def settled(page) -> None:
    """Wait until the builder's redraw has come back and been swapped in: a
    person types into the form they see, and so should the test, not into
    the one about to be replaced."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


def test_a_manager_builds_a_segment_watches_the_count_and_exports_a_snapshot(
    page, make_user, log_in, screenshot, customers, settings
):
    # Governance's interface, with purposes and a rule that lapsed customers
    # gave no consent (tests/segments/policy_backend.py).
    settings.CUSTOMER_POLICY_BACKEND = "tests.segments.policy_backend"
    manager = make_user(MARKETING_MANAGER)

    log_in(manager.username)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    customers_figure = page.get_by_test_id("key-figure-customers")
    expect(customers_figure).to_contain_text("4")
    expect(customers_figure.locator("canvas")).to_be_visible()
    screenshot("overview")

    page.get_by_role("navigation").get_by_role("link", name="Segments").click()
    page.get_by_role("button", name="New segment").click()
    count = page.get_by_test_id("live-count")
    expect(count).to_have_text("4")
    screenshot("new-segment")

    page.get_by_role("button", name="Add rule").click()
    page.get_by_label("Rule 1 type").select_option("city")
    settled(page)
    page.get_by_label("Rule 1 value", exact=True).fill("London")
    expect(count).to_have_text("3")
    screenshot("first-rule")

    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_text("Fix the rules to see the count")).to_be_visible()
    page.get_by_label("Rule 2 type").select_option("order_count")
    settled(page)
    page.get_by_label("Rule 2 from", exact=True).fill("1")
    expect(count).to_have_text("2")
    screenshot("second-rule")

    page.get_by_label("Name").fill("London buyers")
    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_text("Segment “London buyers” saved (version 1).")).to_be_visible()
    expect(page.get_by_role("heading", name="London buyers", level=1)).to_be_visible()
    assert Segment.objects.get().rules == {
        "op": "and",
        "rules": [
            {"field": "city", "value": ["London"]},
            {"field": "order_count", "value": {"min": 1}},
        ],
    }
    screenshot("saved")

    page.get_by_label("Purpose").select_option("marketing")
    page.get_by_label("Channel").select_option("email")
    page.get_by_role("button", name="Take snapshot").click()
    expect(page.get_by_text("Snapshot taken: 1 of 2 members may be contacted.")).to_be_visible()
    snapshots = page.locator("#snapshots")
    expect(snapshots).to_contain_text("1 no consent")
    screenshot("snapshot")

    with page.expect_download() as download:
        snapshots.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["first_name"] for row in rows] == ["Ann"]
    assert re.fullmatch(r"customers-\d{8}-\d{6}\.csv", download.value.suggested_filename)
    export = CustomerExport.objects.get()
    assert (export.actor, export.row_count) == (manager, 1)
    assert export.filters["snapshot"] == str(CampaignSnapshot.objects.get().public_id)
