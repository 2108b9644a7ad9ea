"""A file that cannot be imported fails its job with a reason a person can act
on, and nothing at all is written."""

import zipfile

import pytest
from django.core.management.base import CommandError

from customers.models import ImportStatus
from tests.customers.importfiles import (
    call,
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    written,
    xlsx_file,
)
from tests.factories import AttributeDefinitionFactory

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    {"external_id": f"A{n}", "last_name": f"Person {n}", "email": "bad email"} for n in range(5)
]


def assert_failed_and_nothing_written(job, message: str) -> None:
    assert job.status == ImportStatus.FAILED
    assert message in job.error
    assert job.finished_at is not None
    assert job.processed_rows == 0
    assert written() == (0, 0, 0)


def test_an_empty_file_fails(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"")

    job = import_file(path)

    assert_failed_and_nothing_written(job, "The file is empty.")


def test_a_file_of_blank_lines_fails_as_empty(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"\r\n\r\n")

    job = import_file(path)

    assert_failed_and_nothing_written(job, "The first row (the header) is empty")


def test_a_file_with_a_header_and_no_rows_fails(tmp_path):
    path = csv_file(tmp_path / "people.csv", header=["external_id", "email"], values=[])

    job = import_file(path)

    assert_failed_and_nothing_written(job, "The file has a header but no data rows.")


def test_a_header_followed_by_blank_lines_has_no_rows(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"external_id,email\r\n\r\n\r\n")

    job = import_file(path)

    assert_failed_and_nothing_written(job, "The file has a header but no data rows.")


def test_a_workbook_with_a_header_and_no_rows_fails(tmp_path):
    path = tmp_path / "people.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["external_id", "email"])
    book.save(path)

    job = import_file(path)

    assert_failed_and_nothing_written(job, "The file has a header but no data rows.")


def test_a_binary_file_fails(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10)

    job = import_file(path)

    assert_failed_and_nothing_written(job, "This is not a text file (it holds binary data).")


def test_binary_data_far_into_a_text_file_fails_before_anything_is_written(tmp_path):
    rows = GOOD_ROWS * 2000  # well past the part of the file that is sniffed
    path = csv_file(tmp_path / "people.csv", rows)
    path.write_bytes(path.read_bytes() + b"A9,Nul\x00Person,x@example.com\r\n")

    job = import_file(path)

    assert_failed_and_nothing_written(job, "This is not a text file (it holds binary data).")


def test_a_zip_that_is_not_a_workbook_fails(tmp_path):
    path = tmp_path / "people.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("people.csv", "external_id\r\nA1\r\n")

    job = import_file(path)

    assert_failed_and_nothing_written(job, "This is not a readable XLSX workbook")


def test_a_file_separated_by_another_delimiter_than_the_one_given_fails(tmp_path):
    path = csv_file(tmp_path / "people.csv", GOOD_ROWS, delimiter=";")

    job = import_file(path, delimiter=",")

    assert_failed_and_nothing_written(
        job,
        "The header is a single column “external_id;last_name;email”: the file seems to be "
        "separated by “;”. Give that delimiter.",
    )


def test_a_tab_separated_file_read_with_commas_names_the_tab(tmp_path):
    path = csv_file(tmp_path / "people.csv", GOOD_ROWS, delimiter="\t")

    job = import_file(path, delimiter=",")

    assert_failed_and_nothing_written(job, "the file seems to be separated by tab.")


def test_broken_quoting_fails_with_the_row_it_is_on(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        'external_id,last_name,email\r\nA1,Lovelace,ada@example.com\r\nA2,"Hopper"x,g@example.com\r\n'
    )

    job = import_file(path)

    assert_failed_and_nothing_written(job, "Row 3 cannot be read: the quoting is broken")


def test_a_quote_that_is_never_closed_fails(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        'external_id,last_name,email\r\nA1,Lovelace,ada@example.com\r\nA2,"Hopper,g@example.com\r\n'
        "A3,Turing,alan@example.com\r\n"
    )

    job = import_file(path)

    assert_failed_and_nothing_written(job, "Row 3 cannot be read: the quoting is broken")


def test_broken_quoting_in_the_header_fails(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('"external_id,last_name\r\nA1,Lovelace\r\n')

    job = import_file(path)

    assert_failed_and_nothing_written(job, "Row 1 cannot be read: the quoting is broken")


def test_a_header_naming_a_column_twice_fails(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        header=["external_id", "Email", "last_name", "email"],
        values=[["A1", "a@example.com", "Lovelace", "b@example.com"]],
    )

    job = import_file(path)

    assert_failed_and_nothing_written(
        job,
        "The column “email” appears twice in the header (columns 2 and 4); column names must "
        "be unique.",
    )


def test_a_header_with_a_nameless_column_fails(tmp_path):
    path = csv_file(
        tmp_path / "people.csv", header=["external_id", "", "email"], values=[["A1", "x", "y"]]
    )

    job = import_file(path)

    assert_failed_and_nothing_written(job, "Column 2 has no name in the header.")


def test_a_value_of_a_million_characters_fails(tmp_path):
    rows = [*GOOD_ROWS, {"external_id": "A9", "last_name": "x" * 1_000_000, "email": ""}]
    path = csv_file(tmp_path / "people.csv", rows)

    job = import_file(path)

    assert_failed_and_nothing_written(
        job, "Row 7 cannot be read: a value is longer than 100,000 characters."
    )


def test_a_file_over_the_size_limit_fails(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 2_000
    path = csv_file(tmp_path / "people.csv", GOOD_ROWS * 20)

    job = import_file(path)

    assert_failed_and_nothing_written(
        job, f"The file is {path.stat().st_size / 1e3:.1f} kB; the limit is 2.0 kB."
    )
    assert "Split it into smaller files." in job.error


def test_a_file_in_the_given_encoding_that_cannot_be_decoded_fails(tmp_path):
    path = csv_file(tmp_path / "people.csv", [{"external_id": "A1", "last_name": "Brontë"}])
    path.write_bytes(path.read_bytes().replace("ë".encode(), b"\xeb"))

    job = import_file(path, encoding="utf-8")

    assert_failed_and_nothing_written(job, "The file is not utf-8 text")


# Mappings that do not fit the file ------------------------------------------------


def test_a_mapping_naming_a_column_the_file_lacks_fails(tmp_path):
    path = csv_file(tmp_path / "people.csv", GOOD_ROWS)

    job = import_file(path, mapping={"external_id": "external_id", "last_name": "Surname"})

    assert_failed_and_nothing_written(
        job,
        "The column mapping does not fit this file. “last_name”: the file has no column “Surname”.",
    )


def test_a_mapping_naming_an_unknown_attribute_fails(tmp_path):
    AttributeDefinitionFactory(name="loyalty_tier")
    path = csv_file(tmp_path / "people.csv", GOOD_ROWS)

    job = import_file(
        path, mapping={"external_id": "external_id", "attributes.shoe_size": "last_name"}
    )

    assert_failed_and_nothing_written(
        job, "“attributes.shoe_size”: there is no custom attribute called “shoe_size”."
    )


def test_an_attribute_column_for_an_attribute_that_does_not_exist_fails(tmp_path):
    path = csv_file(tmp_path / "people.csv", [{"external_id": "A1", "attributes.shoe_size": "5"}])

    job = import_file(path)

    assert_failed_and_nothing_written(job, "there is no custom attribute called “shoe_size”")


def test_a_mapping_naming_a_field_that_does_not_exist_fails(tmp_path):
    path = csv_file(tmp_path / "people.csv", GOOD_ROWS)

    job = import_file(path, mapping={"external_id": "external_id", "shoe_size": "email"})

    assert_failed_and_nothing_written(job, "“shoe_size” is not a field that can be imported.")


def test_a_mapping_without_an_identity_column_fails(tmp_path):
    path = csv_file(tmp_path / "people.csv", [{"Town": "Leeds", "Phone": "07911 123456"}])

    job = import_file(path)

    assert_failed_and_nothing_written(job, "No column gives an identity")


# The command ----------------------------------------------------------------------


def test_the_command_exits_with_the_reason_when_the_file_cannot_be_read(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        header=["external_id", "email", "EMAIL"],
        values=[["A1", "a@example.com", "b@example.com"]],
    )

    with pytest.raises(CommandError, match="appears twice in the header"):
        call("import_customers", path)

    assert written() == (0, 0, 0)


def test_the_command_exits_with_the_reason_for_an_unreadable_workbook(tmp_path):
    path = xlsx_file(tmp_path / "people.xlsx", [{"external_id": "A1"}])
    path.write_bytes(path.read_bytes()[:200])

    with pytest.raises(CommandError, match="This is not a readable XLSX workbook"):
        call("import_customers", path)

    assert written() == (0, 0, 0)
