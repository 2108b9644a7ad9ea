"""The customer table carries only the indexes the audit shows used (docs/adr
0006 and 0011): each one costs every insert and edit."""

import pytest
from django.db import connection

from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]

AUDITED = {
    "customers_customer_pkey",
    "customers_customer_public_id_key",
    "customers_customer_created_at_b0f7c38c",
    "customer_search_trgm",
    "customer_stage_created",
    "customer_country_created",
    "customer_source",
    "customer_email",
    "customer_phone",
    "customer_postcode",
    "customer_city_upper",
    "customer_region_upper",
    "customer_last_name_upper",
    "customer_external_id",
    "customer_unique_source_external_id",
    "customer_updated",
    "customer_merged_into",
}


def test_the_table_has_only_the_audited_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer'")
        assert {name for (name,) in cursor.fetchall()} == AUDITED


def test_the_merged_records_index_holds_only_merged_records_and_serves_their_lookup():
    from customers.models import Customer

    survivor = CustomerFactory()
    CustomerFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Customer.objects.filter(merged_into=survivor).query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'customer_merged_into'")
        definition = cursor.fetchone()[0]
    assert "customer_merged_into" in plan
    assert "WHERE (merged_into_id IS NOT NULL)" in definition
