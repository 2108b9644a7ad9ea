"""The facts every segment rule reads are current: a change to a customer, an
interest or an order shows in the next count (the freshness bound is zero on
PostgreSQL, where triggers keep them; elsewhere they are rebuilt before each
count), and the one-pass rebuild gives exactly what the triggers keep."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import CustomerFacts, Interest, Order, OrderLine
from customers.segments.compiler import compile_rules
from customers.segments.facts import facts_rebuild
from customers.segments.selectors import live_count
from customers.services import customer_archive, customer_update, order_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def count(*rules, op="and") -> int:
    compiled = compile_rules({"op": op, "rules": list(rules)}, allow_empty=True)
    return live_count(compiled.condition).value


def rows() -> list[tuple]:
    fields = [f.attname for f in CustomerFacts._meta.concrete_fields]
    return sorted(CustomerFacts.objects.values_list(*fields))


def buy(customer, category: str, amount: str, *, channel="online", days_ago=1):
    return order_create(
        customer=customer,
        data={"ordered_at": timezone.now() - dt.timedelta(days=days_ago), "channel": channel},
        lines=[{"product_category": category, "amount": Decimal(amount)}],
        source="shop",
    )


def test_a_change_to_a_customer_shows_in_the_next_count():
    leeds = {"field": "city", "value": ["Leeds"]}
    ada = CustomerFactory(city="Leeds")
    CustomerFactory(city="York")
    assert count(leeds) == 1

    customer_update(customer=ada, data={"city": "York"}, source="crm")
    assert count(leeds) == 0
    assert count({"field": "city", "value": ["york"]}) == 2

    customer_archive(customer=ada)
    assert count({"field": "city", "value": ["York"]}) == 1


def test_an_order_shows_in_the_next_count_and_leaves_with_its_deletion():
    ada, bob = CustomerFactory(), CustomerFactory()
    garden = {"field": "category_bought", "value": ["Garden"]}
    big = {"field": "total_spent", "value": {"min": "100"}}
    assert count(garden) == 0

    order = buy(ada, "Garden", "60.00")
    buy(ada, "Books", "50.00", channel="store")
    buy(bob, "books", "10.00")

    assert count(garden) == 1
    assert count(big) == 1
    assert count({"field": "order_count", "value": {"min": 2}}) == 1
    assert count({"field": "channel", "value": ["store"]}) == 1
    assert count({"field": "last_order_within_days", "value": 7}) == 2
    assert count({"field": "category_bought", "value": ["BOOKS"]}) == 2

    OrderLine.objects.filter(order=order).delete()
    Order.objects.filter(pk=order.pk).delete()
    assert count(garden) == 0
    assert count(big) == 0


def test_interests_follow_their_links():
    ada = CustomerFactory()
    chess = Interest.objects.create(name="Chess")
    rule = {"field": "interests", "value": ["chess"]}
    assert count(rule) == 0
    ada.interests.add(chess)
    assert count(rule) == 1
    ada.interests.remove(chess)
    assert count(rule) == 0


def test_every_rule_set_is_exact_with_no_cap():
    CustomerFactory.create_batch(7, city="Leeds")
    assert count() == 7  # the empty top group: every live customer
    assert count({"field": "city", "value": ["Leeds"]}) == 7


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_the_rebuild_gives_what_the_triggers_keep():
    ada, bob, cat = CustomerFactory(), CustomerFactory(city="Leeds"), CustomerFactory()
    ada.interests.add(Interest.objects.create(name="Golf"))
    buy(ada, "Garden", "12.50")
    buy(bob, "Toys", "99.99", channel="marketplace", days_ago=30)
    customer_update(customer=cat, data={"occupation": "Nurse"}, source="crm")
    customer_archive(customer=bob)
    kept = rows()

    assert facts_rebuild() == 2
    assert rows() == kept


def test_every_field_a_segment_rule_reads_is_copied_into_the_facts():
    """A registry field with a segment rule is filtered in the facts table: a
    new one needs its column there (model and migration) and in the copy."""
    from customers import fields as registry
    from customers.models import CustomerFacts
    from customers.segments.facts import CUSTOMER_COLUMNS

    facts_columns = {field.name for field in CustomerFacts._meta.get_fields()}
    for spec in registry.FIELDS:
        if spec.segment is None:
            continue
        assert spec.name in facts_columns, spec.name
        if spec.type != registry.Type.TAGS:  # interests are gathered by their own query
            assert spec.name in CUSTOMER_COLUMNS, spec.name


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_statements_over_many_rows_keep_the_facts_exact():
    """The triggers run once a statement, over the rows it wrote: a bulk
    insert, an update of many rows that changes a copied field, one that
    changes none, archiving and restoring many leave exactly what a rebuild
    gives."""
    from customers.models import Customer

    Customer.objects.bulk_create(
        [
            Customer(first_name=f"P{n}", city="Leeds" if n % 2 else "York", source="shop")
            for n in range(40)
        ]
        + [Customer(first_name="Gone", city="Leeds", source="shop", archived_at=timezone.now())]
    )
    leeds = {"field": "city", "value": ["Leeds"]}
    assert count(leeds) == 20
    assert count() == 40
    ada = Customer.objects.get(first_name="P1")
    ada.interests.add(Interest.objects.create(name="Golf"))
    buy(ada, "Garden", "40.00")

    Customer.objects.filter(city="York").update(city="Leeds")
    assert count(leeds) == 40
    Customer.objects.update(updated_at=timezone.now(), address_line1="1 High Street")
    assert count(leeds) == 40

    Customer.objects.filter(first_name__in=["P1", "P2", "P3"]).update(archived_at=timezone.now())
    assert count(leeds) == 37
    assert count({"field": "category_bought", "value": ["garden"]}) == 0
    Customer.objects.filter(first_name__in=["P1", "Gone"]).update(archived_at=None)
    assert count(leeds) == 39
    assert count({"field": "category_bought", "value": ["garden"]}) == 1
    assert count({"field": "interests", "value": ["golf"]}) == 1
    kept = rows()

    facts_rebuild()
    assert rows() == kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_an_update_that_changes_no_copied_field_leaves_the_facts_rows_alone():
    """An import re-run or an edit of a name touches no facts row: the
    trigger compares the old and new rows and writes nothing."""
    from customers.models import Customer

    CustomerFactory.create_batch(5, city="Leeds")

    def versions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT customer_id, ctid::text FROM customers_customerfacts")
            return sorted(cursor.fetchall())

    before = versions()
    Customer.objects.update(first_name="Renamed", updated_at=timezone.now())
    assert versions() == before
    Customer.objects.update(city="York")
    assert all(after[1] != old[1] for after, old in zip(versions(), before, strict=True))
