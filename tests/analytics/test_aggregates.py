"""The analytics figures, checked by hand on a small set, as of 30 June 2026.

Orders (GBP unless said):
- ann: 10 Jan 2026 online 100 and 20 Jan store 50, 5 Feb online 30, 3 Apr online 20;
- bob: 15 Jan 2026 phone 40, 9 Mar phone 60;
- cat: 1 Feb 2026 online 10, 2 Mar online 10 (and a EUR order of 500 on 3 Mar);
- dan: 28 Feb 2026 store 25.

Cohorts by first-order month:
- January (ann, bob): 2 customers; +1 (Feb) ann = 50%; +2 (Mar) bob = 50%;
  +3 (Apr) ann = 50%; +4, +5 nobody = 0%.
- February (cat, dan): 2 customers; +1 (Mar) cat = 50%; +2 to +4 = 0%.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.analytics import aggregates
from customers.analytics.services import metrics_refresh
from customers.models import Customer, FigureKind
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)


def buy(customer, day, amount, channel="online", category="books", currency="GBP"):
    OrderFactory(
        customer=customer,
        ordered_at=timezone.make_aware(dt.datetime.fromisoformat(f"{day}T12:00")),
        channel=channel,
        currency=currency,
        lines=[{"amount": Decimal(amount), "product_category": category}],
    )


@pytest.fixture
def orders(db):
    ann = CustomerFactory(first_name="ann", region="Greater London", lifecycle_stage="customer")
    bob = CustomerFactory(first_name="bob", region="Yorkshire", lifecycle_stage="customer")
    cat = CustomerFactory(first_name="cat", region="", lifecycle_stage="lapsed")
    dan = CustomerFactory(first_name="dan", region="Yorkshire", lifecycle_stage="customer")
    CustomerFactory(first_name="eve", lifecycle_stage="prospect")
    created = timezone.make_aware(dt.datetime(2025, 12, 1, 12))
    Customer.objects.filter(first_name__in=["ann", "bob"]).update(created_at=created)
    Customer.objects.exclude(first_name__in=["ann", "bob"]).update(
        created_at=created.replace(year=2026, month=2)
    )
    buy(ann, "2026-01-10", "100")
    buy(ann, "2026-01-20", "50", channel="store", category="garden")
    buy(ann, "2026-02-05", "30")
    buy(ann, "2026-04-03", "20")
    buy(bob, "2026-01-15", "40", channel="phone", category="garden")
    buy(bob, "2026-03-09", "60", channel="phone")
    buy(cat, "2026-02-01", "10")
    buy(cat, "2026-03-02", "10")
    buy(cat, "2026-03-03", "500", currency="EUR")
    buy(dan, "2026-02-28", "25", channel="store", category="toys")
    metrics_refresh(as_of=AS_OF)


def test_cohort_retention_is_the_share_of_each_first_order_month_who_came_back(orders):
    table = aggregates.Figures().cohort_table()

    rows = {row["cohort"]: (row["size"], row["retention"]) for row in table["rows"]}
    assert rows == {
        "2026-01": (
            2,
            [Decimal("50.0"), Decimal("50.0"), Decimal("50.0"), Decimal("0.0"), Decimal("0.0")],
        ),
        "2026-02": (2, [Decimal("50.0"), Decimal("0.0"), Decimal("0.0"), Decimal("0.0"), None]),
    }


def test_purchase_frequency_counts_customers_by_their_number_of_orders(orders):
    frequency = dict(aggregates.Figures().simple(FigureKind.FREQUENCY, aggregates.FREQUENCY_ORDER))

    # ann 4 orders, bob 2, cat 3 (the EUR order is an order), dan 1.
    assert {k: int(v) for k, v in frequency.items() if v} == {"1": 1, "2": 1, "3": 1, "4": 1}


def test_revenue_by_channel_category_and_region_counts_the_reporting_currency_only(orders):
    channel = aggregates.Figures().series(FigureKind.REVENUE_CHANNEL)
    by_channel = {
        s["name"]: dict(zip(channel["labels"], s["values"], strict=True)) for s in channel["series"]
    }
    region = aggregates.Figures().series(FigureKind.REVENUE_REGION)
    by_region = {s["name"]: sum(s["values"]) for s in region["series"]}
    category = aggregates.Figures().series(FigureKind.REVENUE_CATEGORY)
    by_category = {s["name"]: sum(s["values"]) for s in category["series"]}

    assert channel["labels"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert by_channel["online"] == {
        "2026-01": Decimal("100.00"),
        "2026-02": Decimal("40.00"),
        "2026-03": Decimal("10.00"),
        "2026-04": Decimal("20.00"),
    }
    assert by_channel["phone"]["2026-03"] == Decimal("60.00")
    assert by_region == {
        "Greater London": Decimal("200.00"),
        "Yorkshire": Decimal("125.00"),
        "(no region)": Decimal("20.00"),
    }
    assert by_category == {
        "books": Decimal("230.00"),
        "garden": Decimal("90.00"),
        "toys": Decimal("25.00"),
    }


def test_growth_lifecycle_and_rfm_figures_are_counted_over_live_customers(orders):
    lifecycle = {k: int(v) for k, v in aggregates.Figures().simple(FigureKind.LIFECYCLE)}
    growth = aggregates.Figures().growth()
    grid = aggregates.Figures().rfm_grid()

    assert lifecycle == {"customer": 3, "lapsed": 1, "prospect": 1}
    assert growth["labels"][:3] == ["2025-12", "2026-01", "2026-02"]
    assert (growth["new"][:3], growth["total"][:3]) == ([2, 0, 3], [2, 2, 5])
    assert growth["labels"][-1] == "2026-06" and growth["total"][-1] == 5
    assert sum(sum(row) for row in grid) == 4  # the four buyers


def test_a_second_refresh_replaces_the_figures(orders):
    metrics_refresh(as_of=dt.date(2026, 7, 31))

    assert aggregates.Figures().as_of == dt.date(2026, 7, 31)
    rows = {row["cohort"]: row["retention"] for row in aggregates.Figures().cohort_table()["rows"]}
    assert len(rows["2026-01"]) == 6  # one more month has passed
