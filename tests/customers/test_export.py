"""Customer export from the command line, and what every face of it shares
(customers/exports.py): the columns, the escaping of formulas, the buying
pattern, reading in chunks, and the record of every export."""

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from customers import exports, selectors
from customers.models import AttributeType, Customer, CustomerExport
from tests.factories import AttributeDefinitionFactory, CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

EVERY_COLUMN = [
    "id",
    "external_id",
    "first_name",
    "last_name",
    "organisation",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
    "date_of_birth",
    "occupation",
    "income_band",
    "household_size",
    "interests",
    "lifecycle_stage",
    "last_verified_at",
    "kind",
    "lifestyle",
    "values",
    "source",
    "created_at",
    "order_count",
    "total_spent",
    "first_order_at",
    "last_order_at",
    "avg_order_value",
    "order_currency",
    "recency_days",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_segment",
    "metrics_as_of",
]


def export(tmp_path: Path, *options: str, name: str = "customers.csv") -> Path:
    """Run the command; the path of the file it wrote."""
    path = tmp_path / name
    call_command("export_customers", str(path), *options, stdout=io.StringIO())
    return path


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def read_xlsx(path: Path) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).active
    return [
        ["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)
    ]


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *data = rows
    return [dict(zip(header, row, strict=True)) for row in data]


@pytest.fixture
def ada(db) -> Customer:
    return CustomerFactory(
        first_name="Ada",
        last_name="Lovelace",
        external_id="CRM-1",
        email="ada@example.com",
        phone="+447911100001",
        address_line1="1 Analytical Row",
        city="London",
        region="Greater London",
        postcode="SW1A 1AA",
        country="GB",
        date_of_birth=dt.date(1985, 12, 10),
        occupation="Engineer",
        income_band="60k_100k",
        household_size=2,
        interests=["sailing", "chess"],
        lifestyle="outdoor_active",
        values="sustainability",
        lifecycle_stage="customer",
        source="crm",
        last_verified_at=dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.UTC),
    )


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


# The file ---------------------------------------------------------------------


def test_the_command_writes_every_column_of_every_active_customer_to_csv(tmp_path, ada):
    CustomerFactory(first_name="Gone", archived_at=timezone.now())

    rows = read_csv(export(tmp_path))

    assert rows[0] == EVERY_COLUMN
    [row] = as_dicts(rows)
    ada.refresh_from_db()
    assert row == {
        "id": str(ada.public_id),
        "external_id": "CRM-1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organisation": "",
        "email": "ada@example.com",
        "phone": "'+447911100001",  # E.164 starts with +, so the formula rule applies
        "address_line1": "1 Analytical Row",
        "address_line2": "",
        "city": "London",
        "region": "Greater London",
        "postcode": "SW1A 1AA",
        "country": "GB",
        "date_of_birth": "1985-12-10",
        "occupation": "Engineer",
        "income_band": "60k_100k",
        "household_size": "2",
        "interests": "chess;sailing",
        "lifecycle_stage": "customer",
        "last_verified_at": local(ada.last_verified_at),
        "kind": "person",
        "lifestyle": "outdoor_active",
        "values": "sustainability",
        "source": "crm",
        "created_at": local(ada.created_at),
        "order_count": "0",
        "total_spent": "0.00",
        "first_order_at": "",
        "last_order_at": "",
        "avg_order_value": "",
        "order_currency": "",
        # No metrics refresh has run yet.
        "recency_days": "",
        "rfm_r": "",
        "rfm_f": "",
        "rfm_m": "",
        "rfm_segment": "",
        "metrics_as_of": "",
    }


def test_the_command_writes_the_same_rows_to_xlsx(tmp_path, ada):
    CustomerFactory(organisation=True, organisation_name="Cleo Ltd")

    from_csv = read_csv(export(tmp_path))
    from_xlsx = read_xlsx(export(tmp_path, name="customers.xlsx"))

    assert from_xlsx[0] == EVERY_COLUMN
    assert from_xlsx == from_csv
    assert {row["organisation"] for row in as_dicts(from_xlsx)} == {"", "Cleo Ltd"}


def test_the_format_option_wins_over_the_file_name(tmp_path, ada):
    path = export(tmp_path, "--format", "xlsx", name="customers.dat")

    assert read_xlsx(path)[0] == EVERY_COLUMN


def test_fields_choose_the_columns_and_their_order(tmp_path, ada):
    rows = read_csv(export(tmp_path, "--fields", "email, first_name,organisation"))

    assert rows == [["email", "first_name", "organisation"], ["ada@example.com", "Ada", ""]]


def test_an_unknown_field_is_an_error_naming_it_and_the_allowed_ones(tmp_path, ada):
    with pytest.raises(CommandError) as error:
        export(tmp_path, "--fields", "email,shoe_size")

    message = str(error.value)
    assert message.startswith("Unknown field “shoe_size”. Allowed fields: id, external_id, ")
    assert "order_currency" in message
    assert not (tmp_path / "customers.csv").exists()
    assert not CustomerExport.objects.exists()


def test_the_command_line_exports_sensitive_columns(tmp_path, ada):
    [row] = as_dicts(read_csv(export(tmp_path, "--fields", "date_of_birth,income_band")))

    assert row == {"date_of_birth": "1985-12-10", "income_band": "60k_100k"}


# Escaping formulas ------------------------------------------------------------

DANGEROUS = {
    "first_name": '=HYPERLINK("http://evil.example","click")',
    "last_name": "+SUM(A1:A9)",
    "occupation": "-2+3",
    "city": "@cmd",
    "address_line1": "\t=1+1",
    "address_line2": "\r=1+1",
}


@pytest.mark.parametrize("name", ["customers.csv", "customers.xlsx"])
def test_every_cell_a_spreadsheet_would_run_gets_a_leading_quote(tmp_path, name):
    AttributeDefinitionFactory(name="score", data_type=AttributeType.INTEGER)
    CustomerFactory(**DANGEROUS, phone="+447911100002", attributes={"score": -5})
    fields = [*DANGEROUS, "phone", "attributes.score", "email"]

    path = export(tmp_path, "--fields", ",".join(fields), name=name)

    xlsx = name.endswith("xlsx")
    [row] = as_dicts(read_xlsx(path) if xlsx else read_csv(path))
    # XML reads a carriage return back as a line feed: the quote is what counts.
    escaped = {f: "'" + (v.replace("\r", "\n") if xlsx else v) for f, v in DANGEROUS.items()}
    assert row == {
        **escaped,
        "phone": "'+447911100002",
        "attributes.score": "'-5",
        "email": row["email"],  # harmless: unchanged
    }
    assert not row["email"].startswith("'")


def test_an_xlsx_cell_holds_the_escaped_text_and_never_a_formula(tmp_path):
    CustomerFactory(first_name='=HYPERLINK("http://evil.example","click")')

    path = export(tmp_path, "--fields", "first_name", name="customers.xlsx")

    cell = load_workbook(path)["Customers"]["A2"]
    assert (cell.data_type, cell.value) == ("s", '\'=HYPERLINK("http://evil.example","click")')


def test_a_control_character_xml_cannot_hold_does_not_stop_an_xlsx_export(tmp_path):
    CustomerFactory(first_name="Ada", address_line2="Flat\x0b2")

    path = export(tmp_path, "--fields", "first_name,address_line2", name="customers.xlsx")

    assert read_xlsx(path)[1] == ["Ada", "Flat2"]


# Interests, custom attributes, the buying pattern -----------------------------


def test_interests_are_joined_by_semicolons_in_name_order(tmp_path):
    CustomerFactory(first_name="Ada", interests=["sailing", "chess", "art"])
    CustomerFactory(first_name="Bob", interests=[])

    rows = as_dicts(read_csv(export(tmp_path, "--fields", "first_name,interests")))

    assert {row["first_name"]: row["interests"] for row in rows} == {
        "Ada": "art;chess;sailing",
        "Bob": "",
    }


def test_each_custom_attribute_is_a_column_in_name_order(tmp_path):
    AttributeDefinitionFactory(name="tier", data_type=AttributeType.CHOICE)
    AttributeDefinitionFactory(name="vip", data_type=AttributeType.BOOLEAN)
    AttributeDefinitionFactory(name="member_since", data_type=AttributeType.DATE)
    CustomerFactory(
        first_name="Ada", attributes={"tier": "gold", "vip": True, "member_since": "2024-01-31"}
    )
    CustomerFactory(first_name="Bob", attributes={"vip": False})

    rows = read_csv(export(tmp_path))

    attribute_columns = [column for column in rows[0] if column.startswith("attributes.")]
    assert attribute_columns == ["attributes.member_since", "attributes.tier", "attributes.vip"]
    assert rows[0].index("attributes.member_since") == rows[0].index("created_at") + 1
    values = {
        row["first_name"]: [row[column] for column in attribute_columns] for row in as_dicts(rows)
    }
    assert values == {"Ada": ["2024-01-31", "gold", "true"], "Bob": ["", "", "false"]}


PATTERN = [
    "order_count",
    "total_spent",
    "first_order_at",
    "last_order_at",
    "avg_order_value",
    "order_currency",
]


def test_the_buying_pattern_columns_are_derived_from_the_orders(tmp_path):
    ada = CustomerFactory(first_name="Ada")
    first = dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.UTC)
    last = dt.datetime(2025, 7, 1, 16, 45, tzinfo=dt.UTC)
    for moment, amounts in [
        (first, ["20.00", "5.50"]),
        (dt.datetime(2024, 11, 2, tzinfo=dt.UTC), ["10.00"]),
        (last, ["4.99"]),
    ]:
        OrderFactory(
            customer=ada,
            ordered_at=moment,
            lines=[{"amount": Decimal(amount)} for amount in amounts],
        )
    CustomerFactory(first_name="Bob")

    rows = as_dicts(read_csv(export(tmp_path, "--fields", ",".join(["first_name", *PATTERN]))))

    assert {row["first_name"]: [row[column] for column in PATTERN] for row in rows} == {
        # 40.49 over three orders is 13.4966...
        "Ada": ["3", "40.49", local(first), local(last), "13.50", "GBP"],
        "Bob": ["0", "0.00", "", "", "", ""],
    }


def test_amounts_in_different_currencies_are_given_per_currency_and_never_added(tmp_path):
    ada = CustomerFactory(first_name="Ada")
    OrderFactory(customer=ada, currency="GBP", lines=[{"amount": Decimal("10.00")}])
    OrderFactory(customer=ada, currency="GBP", lines=[{"amount": Decimal("20.00")}])
    OrderFactory(customer=ada, currency="EUR", lines=[{"amount": Decimal("5.00")}])

    [row] = as_dicts(read_csv(export(tmp_path, "--fields", ",".join(PATTERN))))

    assert [row[column] for column in ("order_count", "order_currency")] == ["3", "EUR;GBP"]
    assert [row[column] for column in ("total_spent", "avg_order_value")] == [
        "5.00;30.00",
        "5.00;15.00",
    ]


# Which customers --------------------------------------------------------------


def test_archived_customers_are_left_out_unless_the_filter_asks_for_them(tmp_path):
    CustomerFactory(first_name="Ada")
    CustomerFactory(first_name="Gone", archived_at=timezone.now())

    def names(*options):
        return [row[0] for row in read_csv(export(tmp_path, "--fields", "first_name", *options))]

    assert names() == ["first_name", "Ada"]
    assert names("--filter", "archived=true") == ["first_name", "Gone"]
    assert names("--filter", "archived=false") == ["first_name", "Ada"]


def test_the_command_takes_the_list_filters(tmp_path):
    CustomerFactory(first_name="Ada", lifecycle_stage="lead", city="Leeds")
    CustomerFactory(first_name="Bob", lifecycle_stage="lead", city="London")
    CustomerFactory(first_name="Cleo", lifecycle_stage="customer", city="Leeds")

    path = export(
        tmp_path,
        "--fields",
        "first_name",
        "--filter",
        "lifecycle_stage=lead",
        "--filter",
        "city=leeds",
    )

    assert read_csv(path) == [["first_name"], ["Ada"]]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("shoe_size=9", "Unknown filter “shoe_size”. Filters: q, kind, lifecycle_stage,"),
        ("lifecycle_stage", "Write a filter as NAME=VALUE, not “lifecycle_stage”."),
        ("lifecycle_stage=vip", "lifecycle_stage: Select a valid choice."),
        ("income_band=under_20k", "You do not have permission to filter on sensitive data"),
    ],
)
def test_a_filter_the_command_cannot_use_is_an_error(tmp_path, option, message):
    with pytest.raises(CommandError) as error:
        export(tmp_path, "--filter", option)

    assert str(error.value).startswith(message)
    assert not CustomerExport.objects.exists()


def test_a_missing_folder_is_an_error_before_anything_is_exported(tmp_path):
    with pytest.raises(CommandError, match="There is no folder"):
        call_command("export_customers", str(tmp_path / "nowhere" / "customers.csv"))

    assert not CustomerExport.objects.exists()


# The record -------------------------------------------------------------------


def test_a_command_line_export_is_recorded_with_what_was_written(tmp_path):
    CustomerFactory.create_batch(3, lifecycle_stage="lead")
    CustomerFactory(lifecycle_stage="customer")
    before = timezone.now()

    path = export(tmp_path, "--fields", "id,email", "--filter", "lifecycle_stage=lead")

    record = CustomerExport.objects.get()
    assert (record.actor, record.actor_name, record.via) == (None, "command line", "command")
    assert (record.fields, record.filters, record.file_format) == (
        ["id", "email"],
        {"lifecycle_stage": "lead"},
        "csv",
    )
    assert (record.status, record.row_count, record.error) == ("finished", 3, "")
    assert record.destination == str(path.resolve())
    assert before <= record.started_at <= record.finished_at <= timezone.now()


def test_a_stream_closed_midway_is_recorded_as_failed_with_the_rows_handed_over(db):
    CustomerFactory.create_batch(5)
    record = exports.customer_export_start(
        actor=None, via="api", fields=["email"], filters={}, file_format="csv"
    )
    stream = exports.customer_export_csv_stream(
        export=record, queryset=selectors.customer_export_queryset(), chunk_size=2
    )

    header, first_chunk = next(stream), next(stream)
    stream.close()  # what a web server does when the client goes away

    assert header == "email\r\n"
    assert first_chunk.count("\r\n") == 2
    record.refresh_from_db()
    assert (record.status, record.row_count) == ("failed", 2)
    assert record.error == "The download stopped before the end: the connection was closed."
    assert record.finished_at is not None


# Streaming in chunks ----------------------------------------------------------


@pytest.mark.parametrize("customers", [25, 55])
def test_the_export_runs_three_queries_per_chunk_whatever_is_in_it(
    customers, django_assert_max_num_queries
):
    AttributeDefinitionFactory(name="tier", data_type=AttributeType.TEXT)
    for made in CustomerFactory.create_batch(
        customers, interests=["chess", "golf"], attributes={"tier": "gold"}
    ):
        OrderFactory(customer=made, lines=[{}])
    fields = exports.export_columns()
    chunks = customers // 10 + 1  # the last one short

    with django_assert_max_num_queries(3 * chunks):
        rows = list(
            exports.customer_export_rows(
                queryset=selectors.customer_export_queryset(), fields=fields, chunk_size=10
            )
        )

    assert len(rows) == customers
    assert {row[fields.index("interests")] for row in rows} == {"chess;golf"}
    assert {row[fields.index("order_count")] for row in rows} == {"1"}


@pytest.mark.parametrize("customers", [7, 23])
def test_the_command_reads_in_chunks_of_the_configured_size(
    tmp_path, settings, customers, django_assert_max_num_queries
):
    settings.CUSTOMER_EXPORT_CHUNK_SIZE = 5
    CustomerFactory.create_batch(customers, interests=["chess"])
    chunks = customers // 5 + 1
    # Besides three per chunk: the attribute definitions, the record written
    # at the start and at the end, and the access-log entry (three: the
    # chain's lock, the previous row's hash, the insert).
    with django_assert_max_num_queries(3 * chunks + 6):
        rows = read_csv(export(tmp_path))

    assert len(rows) == customers + 1
