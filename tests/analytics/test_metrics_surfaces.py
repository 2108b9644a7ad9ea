"""The buying-pattern metrics where people and systems read them: the customer
API, the customer page and the export."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.analytics.services import metrics_refresh
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    customer = CustomerFactory(first_name="Ada")
    OrderFactory(
        customer=customer,
        ordered_at=timezone.now() - dt.timedelta(days=10),
        lines=[{"amount": Decimal("40.00")}],
    )
    OrderFactory(
        customer=customer,
        ordered_at=timezone.now() - dt.timedelta(days=3),
        lines=[{"amount": Decimal("20.00")}],
    )
    metrics_refresh()
    return customer


def test_the_customer_api_gives_the_buying_pattern_read_only(api_client_for, marketing_user, buyer):
    client = api_client_for(marketing_user)

    data = client.get(f"/api/v1/customers/{buyer.public_id}/").json()

    assert data["buying_pattern"] == {
        "order_count": 2,
        "total_spent": "60.00",
        "first_order_at": data["buying_pattern"]["first_order_at"],
        "last_order_at": data["buying_pattern"]["last_order_at"],
        "recency_days": 3,
        "avg_order_value": "30.00",
        "rfm_r": 1,
        "rfm_f": 1,
        "rfm_m": 1,
        "rfm_segment": "lost",
        "as_of": timezone.localdate().isoformat(),
    }
    refused = client.patch(
        f"/api/v1/customers/{buyer.public_id}/",
        {"buying_pattern": {"order_count": 9}},
        format="json",
    )
    assert refused.status_code == 400
    assert "buying_pattern" in refused.json()


def test_a_customer_not_yet_measured_has_no_buying_pattern(api_client_for, marketing_user):
    customer = CustomerFactory()

    data = api_client_for(marketing_user).get(f"/api/v1/customers/{customer.public_id}/").json()

    assert data["buying_pattern"] is None


def test_the_customer_list_reads_the_buying_pattern_without_a_query_per_customer(
    api_client_for, marketing_user, django_assert_max_num_queries
):
    for customer in CustomerFactory.create_batch(6):
        OrderFactory(customer=customer, lines=[{}])
    metrics_refresh()
    client = api_client_for(marketing_user)

    # A fixed number whatever the page holds: a query per customer would make
    # it 14 or more. (The access log's chained append is three of them.)
    with django_assert_max_num_queries(10):
        items = client.get("/api/v1/customers/").json()["results"]

    assert [item["buying_pattern"]["order_count"] for item in items] == [1] * 6


def test_the_customer_page_shows_the_buying_pattern(page_client_for, marketing_user, buyer):
    html = page_client_for(marketing_user).get(buyer.get_absolute_url()).content.decode()

    assert "Buying pattern" in html
    assert "60.00 GBP" in html
    assert "(3 days before)" in html
    assert "R 1 · F 1 · M 1 — Lost" in html


def test_the_export_has_the_rfm_columns(tmp_path, buyer):
    path = tmp_path / "customers.csv"
    call_command(
        "export_customers",
        str(path),
        "--fields",
        "id,order_count,recency_days,rfm_r,rfm_f,rfm_m,rfm_segment,metrics_as_of",
        stdout=io.StringIO(),
    )

    [row] = list(csv.DictReader(path.open(encoding="utf-8")))
    assert row == {
        "id": str(buyer.public_id),
        "order_count": "2",
        "recency_days": "3",
        "rfm_r": "1",
        "rfm_f": "1",
        "rfm_m": "1",
        "rfm_segment": "lost",
        "metrics_as_of": timezone.localdate().isoformat(),
    }
