"""Importing orders: one row per order line, upserted on (source, order_id),
whole orders or nothing, unknown customers in the error report."""

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import Customer, ImportStatus, Order, OrderLine
from tests.customers.importfiles import (
    call,
    counts,
    csv_file,
    import_file,
    isolated_media,  # noqa: F401
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SOURCE = "shop"


def line(order_id, customer="C1", amount="10.00", category="books", **extra):
    return {
        "order_id": order_id,
        "customer_external_id": customer,
        "ordered_at": "2026-03-01",
        "amount": amount,
        "currency": "GBP",
        "channel": "online",
        "category": category,
        "quantity": "1",
        **extra,
    }


@pytest.fixture
def customer():
    return CustomerFactory(source=SOURCE, external_id="C1")


def import_orders(tmp_path, rows, name="orders.csv", **kwargs):
    path = csv_file(tmp_path / name, rows)
    return import_file(path, source=SOURCE, kind="orders", **kwargs)


def test_lines_that_share_an_order_id_make_one_order_with_their_total(tmp_path, customer):
    job = import_orders(
        tmp_path,
        [line("O1", amount="10.00"), line("O1", amount="5.50", category="garden"), line("O2")],
    )

    assert job.status == ImportStatus.SUCCEEDED
    assert counts(job)["created"] == 3
    first = Order.objects.get(source=SOURCE, external_id="O1")
    assert first.customer == customer
    assert first.total_amount == Decimal("15.50")
    assert first.ordered_at.date() == dt.date(2026, 3, 1)
    assert sorted(first.lines.values_list("product_category", flat=True)) == ["books", "garden"]
    assert Order.objects.count() == 2


def test_importing_the_same_file_again_changes_nothing(tmp_path, customer):
    rows = [line("O1"), line("O1", category="garden"), line("O2")]
    import_orders(tmp_path, rows)

    again = import_orders(tmp_path, rows, name="again.csv")

    assert counts(again) | {"read": 3} == {
        "read": 3,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "rejected": 0,
        "flagged": 0,
    }
    assert OrderLine.objects.count() == 3


def test_a_changed_line_replaces_the_orders_lines_and_leaves_history(tmp_path, customer):
    import_orders(tmp_path, [line("O1", amount="10.00")])

    job = import_orders(tmp_path, [line("O1", amount="12.00")], name="fixed.csv")

    order = Order.objects.get(external_id="O1")
    assert counts(job)["updated"] == 1
    assert order.total_amount == Decimal("12.00")
    assert list(order.lines.values_list("amount", flat=True)) == [Decimal("12.00")]
    assert order.history.count() == 2


def test_an_order_for_an_unknown_customer_goes_to_the_error_report(tmp_path, customer):
    job = import_orders(tmp_path, [line("O1", customer="NOBODY"), line("O2")])

    assert counts(job)["rejected"] == 1
    error = job.row_errors.get()
    assert error.row_number == 2
    assert "No customer has the external id “NOBODY”" in error.reasons
    assert list(Order.objects.values_list("external_id", flat=True)) == ["O2"]


def test_a_bad_line_rejects_its_whole_order(tmp_path, customer):
    job = import_orders(
        tmp_path, [line("O1"), line("O1", amount="ten pounds"), line("O2", channel="pigeon")]
    )

    assert counts(job)["rejected"] == 3
    reasons = dict(job.row_errors.values_list("row_number", "reasons"))
    assert "Another line of order O1 was rejected." in reasons[2]
    assert "amount: “ten pounds” is not an amount of money" in reasons[3]
    assert "channel: “pigeon” is not one of" in reasons[4]
    assert not Order.objects.exists()


def test_a_batch_never_splits_an_order(tmp_path, customer):
    rows = [line("O1", amount="1.00"), line("O1", amount="2.00"), line("O1", amount="3.00")]
    rows += [line("O2")]

    job = import_orders(tmp_path, rows, batch_size=2)

    assert job.status == ImportStatus.SUCCEEDED
    assert Order.objects.get(external_id="O1").total_amount == Decimal("6.00")
    again = import_orders(tmp_path, rows, name="again.csv", batch_size=2)
    assert counts(again)["unchanged"] == 4


def test_a_customer_of_another_source_is_found_when_only_one_has_the_id(tmp_path):
    elsewhere = CustomerFactory(source="crm", external_id="X9")

    import_orders(tmp_path, [line("O1", customer="X9")])

    assert Order.objects.get(external_id="O1").customer == elsewhere


def test_a_file_without_the_order_columns_fails_and_says_which(tmp_path, customer):
    job = import_orders(tmp_path, [{"order_id": "O1", "amount": "3"}])

    assert job.status == ImportStatus.FAILED
    assert "Orders need these columns mapped: customer_external_id, ordered_at" in job.error
    assert not Order.objects.exists()


def test_a_dry_run_counts_but_writes_nothing(tmp_path, customer):
    job = import_orders(tmp_path, [line("O1"), line("O2", customer="NOBODY")], dry_run=True)

    assert counts(job)["created"] == 1
    assert counts(job)["rejected"] == 1
    assert not Order.objects.exists()
    assert not job.row_errors.exists()


def test_the_command_prints_the_summary_and_the_error_report(tmp_path, customer):
    path = csv_file(tmp_path / "orders.csv", [line("O1"), line("O2", customer="NOBODY")])

    out = call("import_orders", path, "--source", SOURCE)

    assert "created     1" in out
    assert "rejected    1" in out
    assert "error report:" in out
    report = (tmp_path / "orders.errors.csv").read_text()
    assert "NOBODY" in report


def test_lines_of_an_order_split_across_batches_are_reported_not_lost(tmp_path, customer):
    rows = [line("O1", amount="1.00"), line("O2"), line("O3"), line("O1", amount="9.00")]

    job = import_orders(tmp_path, rows, batch_size=2)

    assert Order.objects.get(external_id="O1").total_amount == Decimal("1.00")
    error = job.row_errors.get()
    assert error.row_number == 5
    assert "the lines of an order must be together in the file" in error.reasons


def test_orders_of_a_merged_customer_go_to_its_survivor(tmp_path, customer):
    survivor = CustomerFactory(source=SOURCE, external_id="C2")
    Customer.objects.filter(pk=customer.pk).update(merged_into=survivor)

    import_orders(tmp_path, [line("O1", customer="C1")])

    assert Order.objects.get(external_id="O1").customer == survivor
