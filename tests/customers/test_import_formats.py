"""What files an import reads: delimiters, encodings, XLSX, column mappings and
date formats."""

import datetime as dt

import pytest

from customers.models import Customer, ImportStatus
from tests.customers.importfiles import (
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    xlsx_file,
)

pytestmark = pytest.mark.django_db

ROWS = [
    {"external_id": "A1", "first_name": "Zoë", "last_name": "Brontë", "city": "Haworth"},
    {"external_id": "A2", "first_name": "José", "last_name": "Núñez", "city": "Cádiz; Spain"},
]


def imported_names() -> list[tuple[str, str, str, str]]:
    return list(
        Customer.objects.order_by("external_id").values_list(
            "external_id", "first_name", "last_name", "city"
        )
    )


EXPECTED = [
    ("A1", "Zoë", "Brontë", "Haworth"),
    ("A2", "José", "Núñez", "Cádiz; Spain"),
]


# Delimiters and encodings ---------------------------------------------------------


@pytest.mark.parametrize(
    "delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"]
)
def test_the_delimiter_is_detected(tmp_path, delimiter):
    path = csv_file(tmp_path / "people.csv", ROWS, delimiter=delimiter)

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    assert job.options["delimiter"] == delimiter
    assert imported_names() == EXPECTED


def test_a_given_delimiter_is_used(tmp_path):
    path = csv_file(tmp_path / "people.csv", ROWS, delimiter="|")

    job = import_file(path, delimiter="|")

    assert job.status == ImportStatus.SUCCEEDED
    assert imported_names() == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"], ids=["utf8", "utf8-with-bom"])
def test_utf8_is_read_with_or_without_a_byte_order_mark(tmp_path, encoding):
    path = csv_file(tmp_path / "people.csv", ROWS, encoding=encoding)

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    # The BOM does not end up in the first column's name.
    assert job.options["header"] == ["external_id", "first_name", "last_name", "city"]
    assert imported_names() == EXPECTED


def test_latin1_is_detected(tmp_path):
    path = csv_file(tmp_path / "people.csv", ROWS, encoding="latin-1")

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    assert job.options["encoding"] == "latin-1"
    assert imported_names() == EXPECTED


def test_a_given_encoding_is_used(tmp_path):
    path = csv_file(tmp_path / "people.csv", ROWS, encoding="latin-1")

    job = import_file(path, encoding="latin-1")

    assert job.status == ImportStatus.SUCCEEDED
    assert imported_names() == EXPECTED


def test_a_file_that_is_not_in_the_given_encoding_fails_clearly(tmp_path):
    path = csv_file(tmp_path / "people.csv", ROWS, encoding="latin-1")

    job = import_file(path, encoding="utf-8")

    assert job.status == ImportStatus.FAILED
    assert "is not utf-8 text" in job.error
    assert Customer.objects.count() == 0


def test_blank_lines_in_a_csv_file_are_not_rows(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "external_id,first_name\r\nA1,Ada\r\n\r\nA2,Grace\r\n\r\n\r\n", encoding="utf-8"
    )

    job = import_file(path)

    assert (job.total_rows, job.processed_rows, job.rejected_count) == (2, 2, 0)
    assert Customer.objects.count() == 2


def test_a_value_may_span_lines_when_it_is_quoted(tmp_path):
    rows = [{"external_id": "A1", "last_name": "Lovelace", "address_line1": "Flat 1\n2 High St"}]
    path = csv_file(tmp_path / "people.csv", rows)

    import_file(path)

    # Whitespace inside a text value is collapsed to single spaces.
    assert Customer.objects.get().address_line1 == "Flat 1 2 High St"


def test_a_row_with_too_few_or_too_many_values_is_rejected_with_its_row_number(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        header=["external_id", "last_name"],
        values=[["A1", "Lovelace"], ["A2"], ["A3", "Hopper", "extra"], ["A4", "Turing"]],
    )

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    assert list(job.row_errors.values_list("row_number", "reasons")) == [
        (3, "The row has 1 values; the header has 2 columns."),
        (4, "The row has 3 values; the header has 2 columns."),
    ]
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["A1", "A4"]


# XLSX -------------------------------------------------------------------------------


def test_an_xlsx_workbook_is_read_with_its_typed_cells(tmp_path):
    rows = [
        {
            "external_id": 1001,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "date_of_birth": dt.datetime(1985, 12, 10),
            "household_size": 3,
            "email": "ada@example.com",
        },
        {"external_id": 1002, "first_name": "Grace", "date_of_birth": dt.date(1990, 1, 31)},
        {},  # a blank row is skipped, not rejected
        {"external_id": 1003, "first_name": "Alan", "household_size": 2.0},
    ]
    path = xlsx_file(tmp_path / "people.xlsx", rows)

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    assert (job.total_rows, job.created_count, job.rejected_count) == (3, 3, 0)
    values = Customer.objects.order_by("external_id").values_list(
        "external_id", "first_name", "date_of_birth", "household_size"
    )
    assert list(values) == [
        ("1001", "Ada", dt.date(1985, 12, 10), 3),
        ("1002", "Grace", dt.date(1990, 1, 31), None),
        ("1003", "Alan", None, 2),
    ]


def test_an_xlsx_workbook_is_recognised_by_its_content_whatever_its_name(tmp_path):
    path = xlsx_file(tmp_path / "people.dat", [{"external_id": "A1", "last_name": "Lovelace"}])

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    assert Customer.objects.get().last_name == "Lovelace"


# Columns and mappings ---------------------------------------------------------------


def test_every_canonical_column_is_imported_by_its_name(tmp_path):
    row = {
        "external_id": "A1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organisation": "Analytical Engines Ltd",
        "email": " Ada@Example.COM ",
        "phone": "07911 123456",
        "address_line1": "12 St James's Square",
        "address_line2": "Second floor",
        "city": "London",
        "region": "Greater London",
        "postcode": "sw1a1aa",
        "country": "United Kingdom",
        "date_of_birth": "1985-12-10",
        "occupation": "Mathematician",
        "income_band": "40k_60k",
        "household_size": "2",
        "interests": "Chess; poetry ;;chess",
        "lifecycle_stage": "Lead",
        "last_verified_at": "2024-03-01",
    }
    path = csv_file(tmp_path / "people.csv", [row])

    job = import_file(path)

    assert job.unmapped_columns == []
    customer = Customer.objects.get()
    assert {
        "external_id": customer.external_id,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "organisation_name": customer.organisation_name,
        "email": customer.email,
        "phone": customer.phone,
        "address_line1": customer.address_line1,
        "address_line2": customer.address_line2,
        "city": customer.city,
        "region": customer.region,
        "postcode": customer.postcode,
        "country": str(customer.country),
        "date_of_birth": customer.date_of_birth,
        "occupation": customer.occupation,
        "income_band": customer.income_band,
        "household_size": customer.household_size,
        "lifecycle_stage": customer.lifecycle_stage,
        "last_verified_at": customer.last_verified_at.date(),
    } == {
        "external_id": "A1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organisation_name": "Analytical Engines Ltd",
        "email": "ada@example.com",
        "phone": "+447911123456",
        "address_line1": "12 St James's Square",
        "address_line2": "Second floor",
        "city": "London",
        "region": "Greater London",
        "postcode": "SW1A 1AA",
        "country": "GB",
        "date_of_birth": dt.date(1985, 12, 10),
        "occupation": "Mathematician",
        "income_band": "40k_60k",
        "household_size": 2,
        "lifecycle_stage": "lead",
        "last_verified_at": dt.date(2024, 3, 1),
    }
    assert [i.name for i in customer.interests.order_by("name")] == ["chess", "poetry"]
    assert not customer.quality_issues.exists()


def test_common_header_spellings_are_mapped_to_their_fields(tmp_path):
    row = {
        "Customer ID": "A1",
        "Forename": "Ada",
        "Surname": "Lovelace",
        "E-mail": "ada@example.com",
        "Telephone": "07911 123456",
        "Town": "London",
        "Post Code": "SW1A 1AA",
        "DOB": "10/12/1985",
        "Job Title": "Mathematician",
    }
    path = csv_file(tmp_path / "people.csv", [row])

    job = import_file(path)

    assert job.mapping == {
        "external_id": "Customer ID",
        "first_name": "Forename",
        "last_name": "Surname",
        "email": "E-mail",
        "phone": "Telephone",
        "city": "Town",
        "postcode": "Post Code",
        "date_of_birth": "DOB",
        "occupation": "Job Title",
    }
    customer = Customer.objects.get()
    assert (customer.external_id, customer.last_name, customer.email, customer.city) == (
        "A1",
        "Lovelace",
        "ada@example.com",
        "London",
    )
    assert customer.date_of_birth == dt.date(1985, 12, 10)


def test_a_mapping_can_join_columns_and_set_constants(tmp_path):
    rows = [{"Id": "A1", "Name": "Ada", "House": "12", "Street": "High St", "Flat": ""}]
    path = csv_file(tmp_path / "people.csv", rows)

    job = import_file(
        path,
        mapping={
            "external_id": "Id",
            "first_name": "Name",
            "address_line1": ["Flat", "House", "Street"],
            "lifecycle_stage": {"const": "customer"},
            "country": {"const": "IE"},
        },
    )

    assert job.unmapped_columns == []
    customer = Customer.objects.get()
    assert (customer.address_line1, customer.lifecycle_stage, str(customer.country)) == (
        "12 High St",
        "customer",
        "IE",
    )


def test_columns_no_field_takes_are_listed_on_the_job(tmp_path):
    rows = [{"external_id": "A1", "last_name": "Lovelace", "Notes": "met at fair", "Score": "9"}]
    path = csv_file(tmp_path / "people.csv", rows)

    job = import_file(path)

    assert job.unmapped_columns == ["Notes", "Score"]


def test_a_custom_attribute_column_fills_the_attribute(tmp_path):
    from tests.factories import AttributeDefinitionFactory

    AttributeDefinitionFactory(name="loyalty_tier", data_type="choice")
    AttributeDefinitionFactory(name="pets", data_type="integer")
    rows = [{"external_id": "A1", "attributes.loyalty_tier": "gold", "attributes.pets": "2"}]
    path = csv_file(tmp_path / "people.csv", rows)

    import_file(path)

    assert Customer.objects.get().attributes == {"loyalty_tier": "gold", "pets": 2}


# Dates ------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["1985-12-10", "19851210", "10/12/1985"])
def test_a_date_is_read_in_each_accepted_format(tmp_path, written):
    path = csv_file(tmp_path / "people.csv", [{"external_id": "A1", "date_of_birth": written}])

    import_file(path)

    assert Customer.objects.get().date_of_birth == dt.date(1985, 12, 10)


def test_a_given_date_format_reads_american_dates(tmp_path):
    rows = [{"external_id": "A1", "date_of_birth": "12/10/1985", "last_verified_at": "03/01/2024"}]
    path = csv_file(tmp_path / "people.csv", rows)

    import_file(path, date_format="%m/%d/%Y")

    customer = Customer.objects.get()
    assert customer.date_of_birth == dt.date(1985, 12, 10)
    assert customer.last_verified_at.date() == dt.date(2024, 3, 1)
