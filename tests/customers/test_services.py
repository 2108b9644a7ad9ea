"""The write services: partial updates, archiving and orders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from customers import services
from customers.models import Customer, Order, OrderLine
from customers.services import CUSTOMER_WRITABLE_FIELDS
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def writable_values(customer: Customer) -> dict:
    customer.refresh_from_db()
    return {field: getattr(customer, field) for field in CUSTOMER_WRITABLE_FIELDS}


# customer_update --------------------------------------------------------------


def test_an_update_changes_only_the_fields_it_is_given():
    customer = CustomerFactory(city="London", interests=["chess"])
    before = writable_values(customer)

    services.customer_update(customer=customer, data={"city": "Leeds"}, source="test")

    after = writable_values(customer)
    assert after == {**before, "city": "Leeds"}
    assert [i.name for i in customer.interests.all()] == ["chess"]


def test_an_update_can_clear_an_optional_value_with_none():
    customer = CustomerFactory(occupation="Engineer", household_size=3)

    services.customer_update(
        customer=customer, data={"occupation": None, "household_size": None}, source="test"
    )

    customer.refresh_from_db()
    assert (customer.occupation, customer.household_size) == ("", None)


def test_an_update_that_repeats_the_stored_values_writes_no_history_and_no_provenance():
    customer = CustomerFactory(email="ada@example.com", phone="+447911123456", country="GB")
    history_before = customer.history.count()

    services.customer_update(
        customer=customer,
        data={"email": "ADA@example.com", "phone": "07911 123456", "country": "gb"},
        source="crm sync",
    )

    customer.refresh_from_db()
    assert customer.history.count() == history_before
    assert customer.field_sources == {}


def test_an_update_replaces_the_interests_when_given():
    customer = CustomerFactory(interests=["chess", "golf"])

    services.customer_update(
        customer=customer, data={"interests": [" Golf ", "Sailing", "golf"]}, source="test"
    )

    assert sorted(i.name for i in customer.interests.all()) == ["golf", "sailing"]


def test_an_archived_customer_cannot_be_edited():
    customer = CustomerFactory(city="London")
    services.customer_archive(customer=customer)
    customer.refresh_from_db()

    with pytest.raises(ValidationError, match="archived; restore it before editing"):
        services.customer_update(customer=customer, data={"city": "Leeds"}, source="test")

    customer.refresh_from_db()
    assert customer.city == "London"


def test_a_user_who_may_not_see_sensitive_data_may_not_write_it(marketing_user):
    customer = CustomerFactory(income_band="under_20k")

    with pytest.raises(PermissionDenied, match="income_band"):
        services.customer_update(
            customer=customer,
            data={"income_band": "over_100k"},
            source="test",
            actor=marketing_user,
        )

    customer.refresh_from_db()
    assert customer.income_band == "under_20k"


def test_a_user_who_may_see_sensitive_data_may_write_it(manager):
    customer = CustomerFactory(income_band="under_20k")

    services.customer_update(
        customer=customer, data={"income_band": "over_100k"}, source="test", actor=manager
    )

    customer.refresh_from_db()
    assert customer.income_band == "over_100k"


# Archive and restore ----------------------------------------------------------


def test_archiving_hides_the_customer_from_active_records_and_keeps_it(steward):
    customer = CustomerFactory()

    services.customer_archive(customer=customer, actor=steward, reason="duplicate")

    customer.refresh_from_db()
    assert customer.is_archived
    assert not Customer.objects.active().filter(pk=customer.pk).exists()
    latest = customer.history.latest("history_date")
    assert (latest.history_user, latest.history_change_reason) == (steward, "archived: duplicate")


def test_archiving_twice_keeps_the_first_archive_date():
    customer = CustomerFactory()
    services.customer_archive(customer=customer)
    customer.refresh_from_db()
    first = customer.archived_at

    services.customer_archive(customer=customer)

    customer.refresh_from_db()
    assert customer.archived_at == first


def test_restoring_brings_the_customer_back(steward):
    customer = CustomerFactory()
    services.customer_archive(customer=customer)

    services.customer_restore(customer=customer, actor=steward)

    customer.refresh_from_db()
    assert not customer.is_archived
    assert Customer.objects.active().filter(pk=customer.pk).exists()
    assert customer.history.latest("history_date").history_change_reason == "restored"


# order_create -----------------------------------------------------------------


def order_data(**overrides) -> dict:
    return {
        "ordered_at": timezone.now() - dt.timedelta(days=1),
        "channel": "online",
        "currency": "GBP",
        **overrides,
    }


def test_an_order_total_is_the_sum_of_its_lines(steward):
    customer = CustomerFactory()

    order = services.order_create(
        customer=customer,
        data=order_data(external_id="W-1"),
        lines=[
            {"product_category": "books", "quantity": 2, "amount": Decimal("19.98")},
            {"product_category": "garden", "amount": "5.02"},
        ],
        source="web shop",
        actor=steward,
    )

    order.refresh_from_db()
    assert order.total_amount == Decimal("25.00")
    assert list(order.lines.order_by("pk").values_list("product_category", "quantity")) == [
        ("books", 2),
        ("garden", 1),
    ]
    assert (order.source, order.external_id, order.customer) == ("web shop", "W-1", customer)
    assert order.history.get().history_user == steward


def test_a_lower_case_currency_is_stored_in_capitals():
    order = services.order_create(
        customer=CustomerFactory(),
        data=order_data(currency="eur"),
        lines=[{"product_category": "books", "amount": "1.00"}],
        source="test",
    )

    assert order.currency == "EUR"


def test_an_order_without_lines_is_refused_and_nothing_is_written():
    with pytest.raises(ValidationError) as caught:
        services.order_create(
            customer=CustomerFactory(), data=order_data(), lines=[], source="test"
        )

    assert caught.value.message_dict == {"lines": ["An order needs at least one line."]}
    assert Order.objects.count() == 0


def test_a_bad_currency_and_bad_lines_get_one_message_each_and_nothing_is_written():
    customer = CustomerFactory()

    with pytest.raises(ValidationError) as caught:
        services.order_create(
            customer=customer,
            data=order_data(currency="£"),
            lines=[
                {"product_category": "books", "amount": "10.00"},
                {"product_category": "", "amount": "-1.00"},
                {"product_category": "toys", "quantity": 0, "amount": "3.00"},
            ],
            source="test",
        )

    errors = caught.value.message_dict
    assert set(errors) == {
        "currency",
        "lines[1].product_category",
        "lines[1].amount",
        "lines[2].quantity",
    }
    assert errors["currency"] == [
        "“£” is not an ISO 4217 currency code (three capital letters, such as GBP)."
    ]
    assert errors["lines[1].amount"] == ["Ensure this value is greater than or equal to 0."]
    assert (Order.objects.count(), OrderLine.objects.count()) == (0, 0)


def test_an_order_needs_a_date_and_a_known_channel():
    with pytest.raises(ValidationError) as caught:
        services.order_create(
            customer=CustomerFactory(),
            data={"channel": "pigeon"},
            lines=[{"product_category": "books", "amount": "1.00"}],
            source="test",
        )

    assert set(caught.value.message_dict) == {"ordered_at", "channel"}
    assert Order.objects.count() == 0
