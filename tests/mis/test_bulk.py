"""Bulk writes with history: the rows, their primary keys, and one history
row each that holds what the table holds (COPY on PostgreSQL, simple-history's
own functions elsewhere)."""

import pytest

from customers.models import Customer
from mis.bulk import insert_with_history, update_with_history
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def people(*names):
    return [
        Customer(
            first_name=name,
            last_name="Tab\tand\\slash\nnewline",
            email=f"{name.lower()}@example.com",
            source="bulk",
            attributes={"tier": "gold", "note": "a\tb"},
            field_sources={"first_name": {"source": "bulk"}},
        )
        for name in names
    ]


def test_inserted_rows_get_their_keys_and_a_created_history_row_each():
    user = UserFactory()

    made = insert_with_history(people("Ada", "Bob", "Cy"), Customer, user=user, reason="import 1")

    assert all(customer.pk for customer in made)
    stored = Customer.objects.get(pk=made[0].pk)
    assert stored.last_name == "Tab\tand\\slash\nnewline"
    assert stored.attributes == {"tier": "gold", "note": "a\tb"}
    assert stored.created_at is not None
    history = list(Customer.history.filter(id__in=[c.pk for c in made]).order_by("id"))
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", user, "import 1")
    ] * 3
    assert [h.first_name for h in history] == ["Ada", "Bob", "Cy"]
    assert history[0].public_id == stored.public_id


def test_updated_rows_get_a_changed_history_row_with_the_new_values():
    made = insert_with_history(people("Ada", "Bob"), Customer)
    for customer in made:
        customer.city = "Leeds"

    update_with_history(made, Customer, ["city"], reason="import 2")

    assert set(Customer.objects.values_list("city", flat=True)) == {"Leeds"}
    changed = Customer.history.filter(history_type="~")
    assert changed.count() == 2
    assert set(changed.values_list("city", "history_change_reason")) == {("Leeds", "import 2")}


def test_nothing_to_write_writes_nothing():
    assert insert_with_history([], Customer) == []
    update_with_history([], Customer, ["city"])
    assert not Customer.history.exists()
