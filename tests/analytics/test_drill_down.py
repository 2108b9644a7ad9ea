"""From a figure to the customers behind it: each RFM cell, cohort cell,
lifecycle and RFM segment row (and chart slice) leads to the customer list
filtered to exactly those customers."""

import datetime as dt
import html
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.analytics.services import metrics_refresh
from customers.models import CustomerMetrics
from tests.customers.test_pages import shown_names
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def month(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


@pytest.fixture
def measured(db):
    now = timezone.now()
    # Ann and Bob first ordered 3 months ago; only Ann came back a month later.
    for name, returns in (("Ann", True), ("Bob", False)):
        customer = CustomerFactory(first_name=name, last_name="Shopper", lifecycle_stage="lead")
        OrderFactory(customer=customer, ordered_at=now - dt.timedelta(days=92))
        if returns:
            OrderFactory(
                customer=customer,
                ordered_at=now - dt.timedelta(days=60),
                lines=[{"amount": Decimal("40.00"), "product_category": "books"}],
            )
    CustomerFactory(first_name="Cat", last_name="Browser", lifecycle_stage="prospect")
    metrics_refresh()


def links(page: str, css_class: str = "drill") -> list[tuple[str, str]]:
    return [
        (html.unescape(url), text)
        for url, text in re.findall(
            rf'<a href="([^"]+)" class="{css_class}"[^>]*>([^<]+)</a>', page
        )
    ]


def test_an_rfm_cell_leads_to_the_customers_with_those_scores(
    page_client_for, marketing_user, measured
):
    client = page_client_for(marketing_user)
    page = client.get(reverse("analytics:index")).content.decode()
    rfm = page.split('data-testid="rfm-grid"')[1]

    cells = [(url, text) for url, text in links(rfm) if "rfm_r" in url]

    assert cells, "the grid has links for the cells with customers"
    for url, count in cells:
        names = shown_names(client.get(url))
        r, f = re.search(r"rfm_r=(\d)&rfm_f=(\d)", url).groups()
        expected = CustomerMetrics.objects.filter(rfm_r=r, rfm_f=f).count()
        assert len(names) == int(count) == expected


def test_a_cohort_cell_leads_to_the_cohort_members_who_ordered_that_month(
    page_client_for, marketing_user, measured
):
    client = page_client_for(marketing_user)
    page = client.get(reverse("analytics:index")).content.decode()
    first = month(timezone.now() - dt.timedelta(days=92))
    again = month(timezone.now() - dt.timedelta(days=60))

    cell = [
        url for url, _ in links(page) if f"first_order_month={first}&ordered_month={again}" in url
    ]
    cohort = shown_names(client.get(f"{reverse('customers:list')}?first_order_month={first}"))

    assert len(cell) == 1
    assert shown_names(client.get(cell[0])) == ["Ann Shopper"]
    assert sorted(cohort) == ["Ann Shopper", "Bob Shopper"]


def test_lifecycle_rows_and_chart_slices_lead_to_their_stage(
    page_client_for, marketing_user, measured
):
    client = page_client_for(marketing_user)
    page = client.get(reverse("analytics:index")).content.decode()
    chart = json.loads(re.search(r'id="chart-lifecycle"[^>]*>(.*?)</script>', page).group(1))

    lead = chart["links"][chart["data"]["labels"].index("Lead")]

    assert f'<a href="{html.escape(lead)}">Lead</a>' in page
    assert sorted(shown_names(client.get(lead))) == ["Ann Shopper", "Bob Shopper"]


def test_a_month_that_is_not_a_month_is_refused_on_its_field(page_client_for, marketing_user):
    response = page_client_for(marketing_user).get(
        reverse("customers:list"), {"ordered_month": "2026-13"}
    )

    assert "Give a month as YYYY-MM" in response.content.decode()
    assert shown_names(response) == []
