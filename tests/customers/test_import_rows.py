"""How an import judges each row: a row without identity is rejected into the
error report; a good row with a bad value is imported, the value kept raw where
the field can hold it and flagged, unless the import is strict."""

import datetime as dt

import pytest

from customers.imports.services import import_error_report_rows
from customers.models import Customer, ImportStatus, QualityIssue
from tests.customers.importfiles import (
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    issues_of,
)
from tests.factories import AttributeDefinitionFactory

pytestmark = pytest.mark.django_db

NO_IDENTITY = "No identity: the row has no external id, no email and no name."


def test_a_row_without_identity_is_rejected_with_its_number_raw_values_and_reason(tmp_path):
    rows = [
        {"external_id": "A1", "first_name": "Ada", "email": "", "city": "London"},
        {"external_id": "", "first_name": " ", "email": "", "city": "Leeds"},
        {"external_id": "A3", "first_name": "Alan", "email": "", "city": "Wilmslow"},
    ]
    path = csv_file(tmp_path / "people.csv", rows)

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    assert (job.created_count, job.rejected_count) == (2, 1)
    error = job.row_errors.get()
    assert (error.row_number, error.raw, error.reasons) == (3, ["", " ", "", "Leeds"], NO_IDENTITY)
    assert list(import_error_report_rows(job=job)) == [
        ["row", "reasons", "external_id", "first_name", "email", "city"],
        ["3", NO_IDENTITY, "", " ", "", "Leeds"],
    ]


@pytest.mark.parametrize(
    "identity",
    [
        {"external_id": "A1"},
        {"email": "ada@example.com"},
        {"first_name": "Ada"},
        {"last_name": "Lovelace"},
        {"organisation": "Analytical Engines Ltd"},
    ],
    ids=lambda identity: next(iter(identity)),
)
def test_any_one_identity_value_is_enough(tmp_path, identity):
    columns = {
        "external_id": "",
        "email": "",
        "first_name": "",
        "last_name": "",
        "organisation": "",
    }
    path = csv_file(tmp_path / "people.csv", [{**columns, **identity, "city": "Leeds"}])

    job = import_file(path)

    assert (job.created_count, job.rejected_count) == (1, 0)


def test_a_row_naming_only_an_organisation_makes_an_organisation(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        [{"organisation": "Analytical Engines Ltd", "first_name": "", "last_name": ""}],
    )

    import_file(path)

    customer = Customer.objects.get()
    assert (customer.kind, customer.display_name) == ("organisation", "Analytical Engines Ltd")


# Bad values in good rows ----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "raw", "stored", "issue"),
    [
        ("email", "ada at example", "ada at example", ("email", "invalid_email")),
        ("phone", "12345", "12345", ("phone", "invalid_phone")),
        ("postcode", "NOT A CODE", "NOT A CODE", ("postcode", "invalid_postcode")),
        ("postcode", "X" * 17, "", ("postcode", "invalid_postcode")),
        ("date_of_birth", "31/02/1985", None, ("date_of_birth", "invalid_date")),
        (
            "date_of_birth",
            "1850-01-01",
            dt.date(1850, 1, 1),
            ("date_of_birth", "implausible_date_of_birth"),
        ),
        (
            "date_of_birth",
            "2999-01-01",
            dt.date(2999, 1, 1),
            ("date_of_birth", "implausible_date_of_birth"),
        ),
        ("household_size", "0", None, ("household_size", "invalid_household_size")),
        ("household_size", "lots", None, ("household_size", "invalid_household_size")),
        ("income_band", "millions", "", ("income_band", "invalid_choice")),
        ("country", "Atlantis", "", ("country", "invalid_country")),
        ("last_verified_at", "yesterday", None, ("last_verified_at", "invalid_date")),
        ("city", "x" * 101, "", ("city", "too_long")),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
def test_a_bad_value_is_kept_where_the_field_can_hold_it_and_flagged(
    tmp_path, column, raw, stored, issue
):
    path = csv_file(
        tmp_path / "people.csv", [{"external_id": "A1", "last_name": "Lovelace", column: raw}]
    )

    job = import_file(path)

    assert (job.created_count, job.rejected_count, job.flagged_count) == (1, 0, 1)
    customer = Customer.objects.get()
    field = "country" if column == "country" else column
    value = getattr(customer, field)
    assert (str(value) if field == "country" else value) == stored
    assert issues_of(customer) == [(*issue, raw)]
    flagged = customer.quality_issues.get()
    assert flagged.status == "open"
    assert flagged.detected_by == f"import {job.public_id}"
    assert flagged.message


def test_every_bad_value_of_a_row_is_flagged_and_the_row_counts_once(tmp_path):
    row = {"external_id": "A1", "email": "nope", "phone": "12", "date_of_birth": "1985-13-45"}
    path = csv_file(tmp_path / "people.csv", [row])

    job = import_file(path)

    assert job.flagged_count == 1
    assert [code for _, code, _ in issues_of(Customer.objects.get())] == [
        "invalid_date",
        "invalid_email",
        "invalid_phone",
    ]


def test_strict_rejects_the_row_with_every_reason_and_writes_no_issue(tmp_path):
    rows = [
        {"external_id": "A1", "email": "nope", "date_of_birth": "1985-13-45"},
        {"external_id": "A2", "email": "grace@example.com", "date_of_birth": "1990-01-31"},
    ]
    path = csv_file(tmp_path / "people.csv", rows)

    job = import_file(path, strict=True)

    assert (job.created_count, job.rejected_count, job.flagged_count) == (1, 1, 0)
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["A2"]
    error = job.row_errors.get()
    assert error.row_number == 2
    assert error.reasons == (
        "email: “nope” is not a valid email address "
        "date_of_birth: “1985-13-45” is not a date (YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY)"
    )
    assert QualityIssue.objects.count() == 0


def test_a_bad_email_is_still_an_identity(tmp_path):
    path = csv_file(tmp_path / "people.csv", [{"external_id": "", "email": "Not An Email"}])

    job = import_file(path)

    assert (job.created_count, job.rejected_count) == (1, 0)
    customer = Customer.objects.get()
    assert customer.email == "not an email"
    assert issues_of(customer) == [("email", "invalid_email", "Not An Email")]


def test_an_email_too_long_to_keep_cannot_be_the_rows_only_identity(tmp_path):
    long_email = "a" * 250 + "@example.com"
    rows = [
        {"external_id": "", "last_name": "", "email": long_email},
        {"external_id": "", "last_name": "Lovelace", "email": long_email},
    ]
    path = csv_file(tmp_path / "people.csv", rows)

    job = import_file(path)

    assert job.status == ImportStatus.SUCCEEDED
    assert (job.created_count, job.rejected_count, job.flagged_count) == (1, 1, 1)
    error = job.row_errors.get()
    assert (error.row_number, error.reasons) == (
        2,
        "No identity: the row has no external id and no name, and its email is longer than "
        "254 characters.",
    )
    customer = Customer.objects.get()
    assert (customer.last_name, customer.email) == ("Lovelace", "")
    assert issues_of(customer) == [("email", "too_long", long_email.lower())]


# Interests and custom attributes --------------------------------------------------


def test_interests_are_split_on_semicolons_and_normalised(tmp_path):
    path = csv_file(
        tmp_path / "people.csv",
        [{"external_id": "A1", "interests": " Bird  Watching ; chess;CHESS;; "}],
    )

    import_file(path)

    assert [i.name for i in Customer.objects.get().interests.order_by("name")] == [
        "bird watching",
        "chess",
    ]


def test_an_interest_too_long_to_be_a_tag_is_dropped_and_flagged(tmp_path):
    path = csv_file(
        tmp_path / "people.csv", [{"external_id": "A1", "interests": f"chess;{'x' * 65}"}]
    )

    import_file(path)

    customer = Customer.objects.get()
    assert [i.name for i in customer.interests.all()] == ["chess"]
    assert issues_of(customer) == [("interests", "too_long", "x" * 65)]


def test_a_bad_attribute_value_is_flagged_and_the_good_ones_kept(tmp_path):
    AttributeDefinitionFactory(name="loyalty_tier", data_type="choice")
    AttributeDefinitionFactory(name="pets", data_type="integer")
    AttributeDefinitionFactory(name="member_since", data_type="date")
    row = {
        "external_id": "A1",
        "attributes.loyalty_tier": "platinum",
        "attributes.pets": "2",
        "attributes.member_since": "2020-02-30",
    }
    path = csv_file(tmp_path / "people.csv", [row])

    import_file(path)

    customer = Customer.objects.get()
    assert customer.attributes == {"pets": 2}
    assert issues_of(customer) == [
        ("attributes.loyalty_tier", "invalid_attribute", "platinum"),
        ("attributes.member_since", "invalid_attribute", "2020-02-30"),
    ]


def test_a_retired_attribute_takes_no_new_values(tmp_path):
    AttributeDefinitionFactory(name="pets", data_type="integer", is_active=False)
    path = csv_file(tmp_path / "people.csv", [{"external_id": "A1", "attributes.pets": "2"}])

    import_file(path)

    customer = Customer.objects.get()
    assert customer.attributes == {}
    assert issues_of(customer) == [("attributes.pets", "unknown_attribute", "2")]
