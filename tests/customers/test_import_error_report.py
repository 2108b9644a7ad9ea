"""The error report: one line per rejected row with its number and reasons, then
its values under the file's own header, safe to open in a spreadsheet."""

import csv

import pytest

from customers.imports.services import import_error_report_rows
from tests.customers.importfiles import (
    call,
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    xlsx_file,
)

pytestmark = pytest.mark.django_db

NO_IDENTITY = "No identity: the row has no external id, no email and no name."


def test_the_report_gives_each_rejected_row_its_number_reasons_and_raw_values(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        header=["Ref", "Surname", "E-mail", "Notes"],
        values=[
            ["A1", "Lovelace", "ada@example.com", ""],
            ["", "", "", "no one"],
            ["A3", "Hopper"],
            ["A4", "Turing", "alan@example.com", "fine"],
        ],
    )

    job = import_file(path)

    assert list(import_error_report_rows(job=job)) == [
        ["row", "reasons", "Ref", "Surname", "E-mail", "Notes"],
        ["3", NO_IDENTITY, "", "", "", "no one"],
        ["4", "The row has 2 values; the header has 4 columns.", "A3", "Hopper"],
    ]


def test_the_report_of_a_workbook_numbers_rows_as_the_sheet_does(tmp_path):
    rows = [
        {"external_id": "A1", "last_name": "Lovelace"},
        {"external_id": None, "last_name": None, "note": "nobody"},
    ]
    path = xlsx_file(tmp_path / "people.xlsx", rows)

    job = import_file(path)

    assert list(import_error_report_rows(job=job)) == [
        ["row", "reasons", "external_id", "last_name", "note"],
        ["3", NO_IDENTITY, "", "", "nobody"],
    ]


def test_the_report_of_a_file_without_rejections_is_its_header(tmp_path):
    job = import_file(csv_file(tmp_path / "people.csv", [{"external_id": "A1"}]))

    assert list(import_error_report_rows(job=job)) == [["row", "reasons", "external_id"]]


def test_a_dry_run_keeps_no_error_report_but_counts_the_rejections(tmp_path):
    path = csv_file(tmp_path / "people.csv", [{"external_id": "", "city": "Leeds"}])

    job = import_file(path, dry_run=True)

    assert job.rejected_count == 1
    assert list(import_error_report_rows(job=job)) == [["row", "reasons", "external_id", "city"]]


@pytest.mark.parametrize("formula", ["=1+2", "+44 7911 123456", "-2", "@SUM(A1)"])
def test_the_report_file_neutralises_values_a_spreadsheet_would_run(tmp_path, formula):
    path = csv_file(
        tmp_path / "people.csv",
        [{"external_id": "", "first_name": "", "note": formula, "other": "plain"}],
    )
    report = tmp_path / "errors.csv"

    call("import_customers", path, "--errors", report)

    lines = list(csv.reader(report.open(encoding="utf-8")))
    assert lines == [
        ["row", "reasons", "external_id", "first_name", "note", "other"],
        ["2", NO_IDENTITY, "", "", f"'{formula}", "plain"],
    ]


def test_the_report_keeps_values_as_the_file_had_them(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        [{"external_id": "", "email": "", "note": ' "Quoted", with comma\nand a new line '}],
        delimiter=";",
        encoding="latin-1",
    )
    report = tmp_path / "errors.csv"

    call("import_customers", path, "--errors", report)

    lines = list(csv.reader(report.open(encoding="utf-8")))
    assert lines[1] == ["2", NO_IDENTITY, "", "", ' "Quoted", with comma\nand a new line ']
