"""The export written by PostgreSQL's COPY (customers/export_copy.py) is,
byte for byte, the file the Python path writes for the same customers: the
same text for every type, the same formula escaping, quoting and line ends,
the same masked and left-out columns for a marketing user."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from customers import export_copy, exports, selectors
from customers.analytics.services import metrics_refresh
from customers.masking import MASK
from customers.models import AttributeType, Customer, CustomerExport
from customers.segments.selectors import snapshot_customers
from customers.segments.services import segment_create, snapshot_take
from mis.csvfiles import csv_text
from tests.factories import AttributeDefinitionFactory, CustomerFactory, OrderFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

# Cells a spreadsheet would run, CSV's own special characters, and text that
# is neither ASCII nor one line.
AWKWARD = {
    "first_name": '=HYPERLINK("http://x","Click")',
    "last_name": '+O\'Brien, "Jr"',
    "organisation_name": "-2+3",
    "address_line1": "@SUM(A1)\nFlat 2",
    "address_line2": "\tTabbed\r\nline",
    "city": "Zürich 東京 🙂",
    "region": "\rCarriage",
    "occupation": 'He said "no"',
    "external_id": "\\.",
}


def python_csv(queryset, fields, masked=()) -> str:
    chunks = exports.customer_export_chunks(
        queryset=queryset, fields=fields, chunk_size=3, masked=masked
    )
    return "".join(csv_text(chunk) for chunk in chunks)


def copy_csv(queryset, fields, masked=()) -> str:
    assert export_copy.usable(fields)
    blocks = export_copy.export_blocks(queryset=queryset, fields=fields, masked=masked, size=3)
    return "".join(text for text, _rows in blocks)


@pytest.fixture
def awkward_customers(db) -> None:
    AttributeDefinitionFactory(name="note", data_type=AttributeType.TEXT)
    AttributeDefinitionFactory(name="visits", data_type=AttributeType.INTEGER)
    AttributeDefinitionFactory(name="vip", data_type=AttributeType.BOOLEAN)
    AttributeDefinitionFactory(name="joined", data_type=AttributeType.DATE)
    AttributeDefinitionFactory(name="ratio", data_type=AttributeType.DECIMAL)
    full = CustomerFactory(
        interests=["sailing", "chess", "Économie"],
        attributes={"note": "=1+1", "visits": 12, "vip": True, "joined": "2024-02-29"},
        last_verified_at=dt.datetime(2025, 7, 1, 23, 30, 15, 123456, tzinfo=dt.UTC),
    )
    Customer.objects.filter(pk=full.pk).update(**AWKWARD)
    OrderFactory(
        customer=full,
        currency="GBP",
        ordered_at=dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.UTC),
        lines=[{"amount": Decimal("20.00")}, {"amount": Decimal("5.55")}],
    )
    OrderFactory(
        customer=full,
        currency="GBP",
        ordered_at=dt.datetime(2024, 6, 30, 23, 59, 59, 1, tzinfo=dt.UTC),
        lines=[{"amount": Decimal("0.01")}],
    )
    OrderFactory(customer=full, currency="EUR", lines=[{"amount": Decimal("3.33")}])
    # Nothing but what a record needs: nulls and empty strings everywhere.
    bare = CustomerFactory(
        attributes={"vip": False, "ratio": "0.50", "visits": 0},
        date_of_birth=None,
        household_size=None,
        occupation="",
        postcode="",
        phone="",
        address_line1="",
    )
    Customer.objects.filter(pk=bare.pk).update(created_at=dt.datetime(1999, 12, 31, tzinfo=dt.UTC))
    CustomerFactory.create_batch(4, interests=["chess"])
    CustomerFactory(first_name="Gone", archived_at=timezone.now())
    # Metrics for every customer, so the metrics columns hold dates and scores.
    metrics_refresh()


def test_every_column_is_written_as_the_python_path_writes_it(awkward_customers):
    queryset = selectors.customer_export_queryset()
    fields = exports.export_columns()

    expected = python_csv(queryset, fields)

    assert copy_csv(queryset, fields) == expected
    # The data is as awkward as meant: read back, the cells are intact.
    rows = list(csv.reader(io.StringIO(expected)))
    assert len(rows) == Customer.objects.count()
    row = dict(zip(fields, rows[0], strict=True))
    assert row["first_name"] == "'" + AWKWARD["first_name"]
    assert row["address_line2"] == "'" + AWKWARD["address_line2"]
    assert row["city"] == AWKWARD["city"]
    assert row["interests"] == "chess;sailing;Économie"
    assert row["attributes.note"] == "'=1+1"
    assert row["order_currency"] == "EUR;GBP"
    assert row["last_verified_at"] == "2025-07-02T00:30:15.123456+01:00"


def test_a_marketing_user_gets_the_same_columns_and_cells_either_way(
    awkward_customers, marketing_user
):
    fields = exports.customer_export_fields(requested=None, actor=marketing_user)
    queryset = selectors.customer_export_queryset()

    expected = python_csv(queryset, fields)

    assert copy_csv(queryset, fields) == expected
    assert "date_of_birth" not in fields and "interests" not in fields


def test_a_sensitive_column_that_got_through_is_masked_either_way(
    awkward_customers, marketing_user
):
    fields = ["id", "date_of_birth", "income_band", "interests", "city"]
    masked = exports._masked(CustomerExport(actor=marketing_user))
    queryset = selectors.customer_export_queryset()

    expected = python_csv(queryset, fields, masked)

    assert copy_csv(queryset, fields, masked) == expected
    rows = list(csv.reader(io.StringIO(expected)))
    assert {cell for row in rows for cell in row[1:4]} == {MASK}


def test_in_another_time_zone_the_times_are_that_zone_s_either_way(awkward_customers):
    queryset = selectors.customer_export_queryset()
    fields = ["id", "last_verified_at", "created_at", "first_order_at", "last_order_at"]

    with timezone.override("America/St_Johns"):  # a half-hour offset, west of UTC
        expected = python_csv(queryset, fields)
        assert copy_csv(queryset, fields) == expected
    assert "-02:30" in expected


def test_a_snapshot_export_is_the_same_file_either_way(
    awkward_customers, manager, purposes_and_procedures
):
    queryset = snapshot_customers(_snapshot(manager))
    fields = exports.export_columns()

    assert copy_csv(queryset, fields) == python_csv(queryset, fields)


def _snapshot(actor):
    segment = segment_create(
        name="Londoners",
        rules={"op": "and", "rules": [{"field": "city", "value": ["London"]}]},
        actor=actor,
    )
    snapshot = snapshot_take(segment=segment, purpose="post_marketing", channel="post", actor=actor)
    assert snapshot.member_count >= 1
    return snapshot


def test_a_streamed_export_counts_the_rows_of_each_block_and_records_them(awkward_customers):
    record = exports.customer_export_start(
        actor=None, via="api", fields=["id", "email"], filters={}, file_format="csv"
    )
    stream = exports.customer_export_csv_stream(
        export=record, queryset=selectors.customer_export_queryset(), chunk_size=4
    )

    header, first, second = next(stream), next(stream), next(stream)
    stream.close()

    assert header == "id,email\r\n"
    assert Customer.objects.count() == 7  # the archived one too: no filter
    assert (first.count("\r\n"), second.count("\r\n")) == (4, 3)
    record.refresh_from_db()
    assert (record.status, record.row_count) == ("failed", 7)
