"""The import_customers command: what it prints, what it writes, and when it fails."""

import csv
import json

import pytest
from django.core.management.base import CommandError

from customers.models import Customer, ImportJob, ImportStatus
from tests.customers.importfiles import (
    call,
    counts,
    csv_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    written,
)

pytestmark = pytest.mark.django_db

PEOPLE = [
    {"external_id": "C1", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    {"external_id": "C2", "first_name": "Grace", "last_name": "Hopper", "email": "gh@example.com"},
    {"external_id": "", "first_name": "", "last_name": "", "email": ""},
    {"external_id": "C4", "first_name": "Alan", "last_name": "Turing", "email": "not an email"},
]


def test_the_command_imports_a_file_and_prints_progress_and_a_summary(tmp_path):
    path = csv_file(tmp_path / "people.csv", PEOPLE)

    output = call("import_customers", path, "--source", "crm", "--batch-size", "2")

    assert "rows 2/4" in output
    assert "rows 4/4" in output
    assert "rows read   4" in output
    assert "created     3" in output
    assert "updated     0" in output
    assert "unchanged   0" in output
    assert "rejected    1" in output
    assert "flagged     1" in output
    assert f"error report: {tmp_path / 'people.errors.csv'}" in output
    assert sorted(Customer.objects.values_list("source", "external_id")) == [
        ("crm", "C1"),
        ("crm", "C2"),
        ("crm", "C4"),
    ]


def test_the_command_names_the_source_after_the_file_when_none_is_given(tmp_path):
    path = csv_file(tmp_path / "spring_fair.csv", PEOPLE[:1])

    call("import_customers", path)

    assert Customer.objects.get().source == "spring_fair"


def test_running_the_command_again_on_the_same_file_changes_nothing(tmp_path):
    path = csv_file(tmp_path / "people.csv", PEOPLE)
    call("import_customers", path, "--source", "crm")

    output = call("import_customers", path, "--source", "crm")

    assert "created     0" in output
    assert "updated     0" in output
    assert "unchanged   3" in output
    assert Customer.objects.count() == 3


def test_the_error_report_lists_each_rejected_row_under_the_files_header(tmp_path):
    rows = [
        *PEOPLE,
        {"external_id": "", "first_name": "", "last_name": "", "email": "", "note": "=HYPERLINK()"},
    ]
    path = csv_file(tmp_path / "people.csv", rows)
    report = tmp_path / "report.csv"

    output = call("import_customers", path, "--errors", report)

    assert f"error report: {report}" in output
    lines = list(csv.reader(report.open(encoding="utf-8")))
    no_identity = "No identity: the row has no external id, no email and no name."
    assert lines == [
        ["row", "reasons", "external_id", "first_name", "last_name", "email", "note"],
        ["4", no_identity, "", "", "", "", ""],
        ["6", no_identity, "", "", "", "", "'=HYPERLINK()"],
    ]


def test_the_summary_lists_the_columns_no_field_takes(tmp_path):
    rows = [{**PEOPLE[0], "Favourite colour": "green", "Shoe size": "5"}]
    path = csv_file(tmp_path / "people.csv", rows)

    output = call("import_customers", path)

    assert "unmapped columns: Favourite colour, Shoe size" in output
    assert ImportJob.objects.get().unmapped_columns == ["Favourite colour", "Shoe size"]


def test_a_mapping_file_says_which_column_feeds_which_field(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        [{"Ref": "K9", "Given": "Ada", "Family": "Lovelace", "Mail": "ADA@example.com"}],
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "external_id": "Ref",
                "first_name": "Given",
                "last_name": "Family",
                "email": "Mail",
                "lifecycle_stage": {"const": "lead"},
            }
        )
    )

    call("import_customers", path, "--mapping", mapping)

    customer = Customer.objects.get()
    assert (customer.external_id, customer.first_name, customer.last_name) == (
        "K9",
        "Ada",
        "Lovelace",
    )
    assert (customer.email, customer.lifecycle_stage) == ("ada@example.com", "lead")


def test_a_mapping_file_that_is_not_json_stops_the_command_before_anything_is_written(tmp_path):
    path = csv_file(tmp_path / "people.csv", PEOPLE)
    mapping = tmp_path / "mapping.json"
    mapping.write_text("external_id: Ref")

    with pytest.raises(CommandError, match="The mapping file cannot be read"):
        call("import_customers", path, "--mapping", mapping)

    assert ImportJob.objects.count() == 0
    assert written() == (0, 0, 0)


def test_a_dry_run_writes_nothing_but_reports_the_counts(tmp_path):
    path = csv_file(tmp_path / "people.csv", PEOPLE)

    output = call("import_customers", path, "--dry-run", "--batch-size", "2")

    assert "Dry run of" in output
    assert "rows read   4" in output
    assert "created     3" in output
    assert "rejected    1" in output
    assert "flagged     1" in output
    assert "error report" not in output
    assert written() == (0, 0, 0)
    assert not (tmp_path / "people.errors.csv").exists()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.SUCCEEDED
    assert counts(job) == {
        "read": 4,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "flagged": 1,
    }


def test_a_dry_run_counts_the_updates_a_real_run_would_make(tmp_path):
    call("import_customers", csv_file(tmp_path / "first.csv", PEOPLE), "--source", "crm")
    changed = [{**PEOPLE[0], "last_name": "King"}, PEOPLE[1]]
    path = csv_file(tmp_path / "second.csv", changed)

    output = call("import_customers", path, "--source", "crm", "--dry-run")

    assert "updated     1" in output
    assert "unchanged   1" in output
    assert Customer.objects.get(external_id="C1").last_name == "Lovelace"


def test_strict_rejects_a_row_with_a_bad_value_instead_of_flagging_it(tmp_path):
    path = csv_file(tmp_path / "people.csv", PEOPLE)

    output = call("import_customers", path, "--strict", "--errors", tmp_path / "errors.csv")

    assert "created     2" in output
    assert "rejected    2" in output
    assert "flagged     0" in output
    assert not Customer.objects.filter(external_id="C4").exists()
    report = list(csv.DictReader((tmp_path / "errors.csv").open(encoding="utf-8")))
    assert [(line["row"], line["external_id"]) for line in report] == [("4", ""), ("5", "C4")]
    assert report[1]["reasons"] == "email: “not an email” is not a valid email address"


def test_the_delimiter_can_be_given_as_tab(tmp_path):
    path = csv_file(tmp_path / "people.tsv", PEOPLE[:2], delimiter="\t")

    call("import_customers", path, "--delimiter", "tab")

    assert Customer.objects.count() == 2


def test_a_missing_file_stops_the_command(tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        call("import_customers", tmp_path / "nowhere.csv")


def test_a_file_that_cannot_be_read_stops_the_command_with_the_reason(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match="empty.csv: The file is empty."):
        call("import_customers", path)

    assert ImportJob.objects.get().status == ImportStatus.FAILED


def test_an_unknown_encoding_stops_the_command_before_a_job_is_made(tmp_path):
    path = csv_file(tmp_path / "people.csv", PEOPLE)

    with pytest.raises(CommandError, match="“klingon” is not a known text encoding"):
        call("import_customers", path, "--encoding", "klingon")

    assert ImportJob.objects.count() == 0


def test_a_file_of_rejected_rows_is_not_a_command_failure(tmp_path):
    path = csv_file(tmp_path / "people.csv", [PEOPLE[2], PEOPLE[2]])

    output = call("import_customers", path)

    assert "rejected    2" in output
    assert ImportJob.objects.get().status == ImportStatus.SUCCEEDED
