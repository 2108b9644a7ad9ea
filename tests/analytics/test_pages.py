"""The analytics page, its CSV downloads and the overview's key figures."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.analytics.services import metrics_refresh
from mis.models import MetricSnapshot
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(db):
    for days_ago, amount in ((40, "30.00"), (5, "12.50")):
        OrderFactory(
            customer=CustomerFactory(first_name="Ann", region="Kent"),
            ordered_at=timezone.now() - dt.timedelta(days=days_ago),
            lines=[{"amount": Decimal(amount), "product_category": "books"}],
        )
    metrics_refresh()


def test_the_analytics_page_draws_every_chart_from_local_files(
    page_client_for, marketing_user, measured
):
    html = page_client_for(marketing_user).get(reverse("analytics:index")).content.decode()

    for section in ("Cohort retention", "Purchase frequency", "Revenue over time", "RFM"):
        assert section in html
    for chart in (
        "chart-frequency",
        "chart-revenue-channel",
        "chart-revenue-category",
        "chart-revenue-region",
        "chart-growth",
        "chart-lifecycle",
        "chart-segments",
    ):
        assert f'data-chart="{chart}"' in html and f'id="{chart}"' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert "/static/vendor/chart-4.6.1.umd.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
    assert 'data-testid="cohort-heatmap"' in html and "Kent" in html


def test_the_analytics_page_reads_the_figures_not_the_orders(
    page_client_for, marketing_user, measured, django_assert_max_num_queries
):
    client = page_client_for(marketing_user)

    with django_assert_max_num_queries(6):
        assert client.get(reverse("analytics:index")).status_code == 200


def test_each_figure_downloads_as_csv_with_named_columns(page_client_for, marketing_user, measured):
    response = page_client_for(marketing_user).get(
        reverse("analytics:csv", args=["revenue_region"])
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == 'attachment; filename="revenue_region.csv"'
    assert {row["region"] for row in rows} == {"Kent"}
    assert sum(Decimal(row["revenue"]) for row in rows) == Decimal("42.50")
    assert page_client_for(marketing_user).get("/analytics/nothing.csv").status_code == 404


def test_people_without_a_role_see_no_analytics(page_client_for, outsider):
    assert page_client_for(outsider).get(reverse("analytics:index")).status_code == 403
    assert (
        page_client_for(outsider).get(reverse("analytics:csv", args=["frequency"])).status_code
        == 403
    )


def test_the_overview_shows_the_key_figures_with_their_trend_from_the_snapshots(
    page_client_for, marketing_user
):
    today = timezone.localdate()
    for days_ago, value in ((2, 1000), (1, 1100), (0, 1234)):
        MetricSnapshot.objects.create(
            metric="customers", taken_on=today - dt.timedelta(days=days_ago), value=Decimal(value)
        )

    html = page_client_for(marketing_user).get(reverse("home")).content.decode()

    customers = re.search(
        r'data-testid="key-figure-customers"[^>]*>(.*?)</article>', html, re.S
    ).group(1)
    assert re.search(r"<strong[^>]*>1,234</strong>Customers", customers)
    assert "<canvas" in customers
    revenue = re.search(
        r'data-testid="key-figure-revenue_12m"[^>]*>(.*?)</article>', html, re.S
    ).group(1)
    assert "no snapshot yet" in revenue


def test_the_overview_counts_come_from_the_last_refresh_once_there_is_one(
    page_client_for, marketing_user
):
    OrderFactory(customer=CustomerFactory(lifecycle_stage="customer"))
    client = page_client_for(marketing_user)
    live = client.get(reverse("home")).content.decode()
    metrics_refresh()
    CustomerFactory(lifecycle_stage="lead")  # added after the refresh

    refreshed = client.get(reverse("home")).content.decode()

    assert re.search(r"<strong>1</strong>customers and prospects", live)
    assert "Counts as of" not in live
    assert re.search(r"<strong>1</strong>customers and prospects", refreshed)
    assert re.search(r"<strong>1</strong>orders?</article>", refreshed)
    assert "Counts as of" in refreshed
