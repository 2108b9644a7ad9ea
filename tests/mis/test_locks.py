"""Rows are locked one way: in primary-key order, only the model's own rows."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from customers.duplicates.services.merge import customers_merge
from customers.models import Customer
from mis.locks import lock_many
from tests.factories import CustomerFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]


def _locks(queries) -> list[str]:
    return [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]


def test_rows_are_locked_in_primary_key_order_whatever_the_model_ordering():
    newer, older = CustomerFactory(), CustomerFactory()  # customers sort by -created_at
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = lock_many(Customer, [older.pk, newer.pk])

    assert list(locked) == sorted([older.pk, newer.pk])
    (sql,) = _locks(queries.captured_queries)
    assert 'ORDER BY "customers_customer"."id" ASC' in sql
    assert 'FOR UPDATE OF "customers_customer"' in sql


def test_a_merge_locks_its_pair_in_primary_key_order():
    steward = UserFactory(is_superuser=True)
    a, b = CustomerFactory(), CustomerFactory()

    with CaptureQueriesContext(connection) as queries:
        customers_merge(survivor=b, merged=a, actor=steward)

    customer_locks = [
        sql for sql in _locks(queries.captured_queries) if "customers_customer" in sql
    ]
    assert customer_locks
    assert all('ORDER BY "customers_customer"."id" ASC' in sql for sql in customer_locks)
    assert all("created_at" not in sql.split("ORDER BY")[1] for sql in customer_locks)
