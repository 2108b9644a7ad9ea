"""How an import finds the record a row is about and what it changes there:
keyed on (source, external id), else email, else phone, else names and
postcode within the source."""

import pytest

from customers.models import Customer, QualityIssue
from tests.customers.importfiles import (
    SOURCE,
    counts,
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    issues_of,
)
from tests.factories import AttributeDefinitionFactory, CustomerFactory

pytestmark = pytest.mark.django_db

PEOPLE = [
    {
        "external_id": "C1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "city": "London",
        "interests": "chess;poetry",
        "lifecycle_stage": "lead",
    },
    {
        "external_id": "C2",
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace at example",  # flagged
        "city": "Arlington",
        "interests": "",
        "lifecycle_stage": "",
    },
    {
        "external_id": "C3",
        "first_name": "Alan",
        "last_name": "Turing",
        "email": "alan@example.com",
        "city": "Wilmslow",
        "interests": "running",
        "lifecycle_stage": "customer",
    },
]


def history_of(customer: Customer) -> list[tuple[str, str]]:
    return list(
        customer.history.order_by("history_id").values_list("history_type", "history_change_reason")
    )


def test_importing_the_same_file_again_changes_nothing(tmp_path):
    path = csv_file(tmp_path / "people.csv", PEOPLE)
    first = import_file(path)
    history_rows = Customer.history.count()

    again = import_file(path)

    assert counts(first) == {
        "read": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "flagged": 1,
    }
    assert counts(again) == {
        "read": 3,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "rejected": 0,
        "flagged": 1,
    }
    assert Customer.objects.count() == 3
    assert Customer.history.count() == history_rows
    # The bad email is flagged once, not once per import.
    assert QualityIssue.objects.count() == 1


def test_a_created_record_has_history_and_field_sources_naming_the_import(tmp_path):
    job = import_file(csv_file(tmp_path / "people.csv", PEOPLE))

    customer = Customer.objects.get(external_id="C1")
    assert history_of(customer) == [("+", f"import {job.public_id}")]
    assert customer.source == SOURCE
    assert {
        name: value["source"] for name, value in customer.field_sources.items()
    } == dict.fromkeys(
        ("external_id", "first_name", "last_name", "email", "city", "interests", "lifecycle_stage"),
        SOURCE,
    )


def test_a_changed_row_updates_the_record_with_history_and_provenance(tmp_path):
    import_file(csv_file(tmp_path / "people.csv", PEOPLE))
    changed = [
        {**PEOPLE[0], "city": "Leeds", "interests": "Poetry; sailing"},
        PEOPLE[1],
        PEOPLE[2],
    ]
    ada = Customer.objects.get(external_id="C1")
    created_at = ada.field_sources["first_name"]["at"]

    job = import_file(csv_file(tmp_path / "changed.csv", changed), source=SOURCE)

    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 2)
    ada.refresh_from_db()
    assert ada.city == "Leeds"
    assert sorted(i.name for i in ada.interests.all()) == ["poetry", "sailing"]
    assert history_of(ada)[-1] == ("~", f"import {job.public_id}")
    assert ada.history.count() == 2
    assert ada.history.earliest("history_id").city == "London"
    # Only the changed fields get a new provenance time.
    assert ada.field_sources["first_name"]["at"] == created_at
    assert ada.field_sources["city"]["at"] != created_at
    assert ada.field_sources["interests"]["at"] != created_at


def test_an_update_names_the_new_source_for_the_fields_it_changed(tmp_path):
    customer = CustomerFactory(email="ada@example.com", city="London", source="web form")
    path = csv_file(tmp_path / "people.csv", [{"email": "ADA@example.com", "city": "Leeds"}])

    job = import_file(path, source="event list")

    assert (job.created_count, job.updated_count) == (0, 1)
    customer.refresh_from_db()
    assert customer.city == "Leeds"
    assert customer.source == "web form"
    assert customer.field_sources["city"]["source"] == "event list"
    assert "email" not in customer.field_sources


def test_the_same_external_id_in_another_source_is_another_customer(tmp_path):
    path = csv_file(tmp_path / "people.csv", [{"external_id": "C1", "last_name": "Lovelace"}])
    import_file(path, source="crm")

    job = import_file(path, source="web shop")

    assert job.created_count == 1
    assert sorted(Customer.objects.values_list("source", "external_id")) == [
        ("crm", "C1"),
        ("web shop", "C1"),
    ]


def test_a_row_without_external_id_is_matched_by_email_whatever_its_case(tmp_path):
    customer = CustomerFactory(
        email="ada@example.com", last_name="Lovelace", external_id="W-7", source="web form"
    )
    path = csv_file(
        tmp_path / "people.csv",
        [{"external_id": "", "email": " Ada@Example.COM ", "last_name": "King"}],
    )

    job = import_file(path)

    assert (job.created_count, job.updated_count) == (0, 1)
    customer.refresh_from_db()
    assert customer.last_name == "King"
    # The row has no id of its own: the record keeps the one its source gave it.
    assert (customer.source, customer.external_id) == ("web form", "W-7")


def test_a_row_with_neither_external_id_nor_email_is_matched_by_phone(tmp_path):
    customer = CustomerFactory(phone="+447911123456", occupation="Engineer", source="web form")
    path = csv_file(
        tmp_path / "people.csv",
        [{"last_name": "Someone", "phone": "07911 123456", "occupation": "Poet"}],
    )

    job = import_file(path)

    assert (job.created_count, job.updated_count) == (0, 1)
    customer.refresh_from_db()
    assert customer.occupation == "Poet"


def test_a_row_with_only_names_matches_the_same_names_and_postcode_in_its_source(tmp_path):
    rows = [
        {"first_name": "Ada", "last_name": "Lovelace", "postcode": "SW1A 1AA", "city": "London"}
    ]
    import_file(csv_file(tmp_path / "first.csv", rows))
    again = [{"first_name": "ADA", "last_name": "lovelace", "postcode": "sw1a1aa", "city": "Leeds"}]

    job = import_file(csv_file(tmp_path / "second.csv", again))

    assert (job.created_count, job.updated_count) == (0, 1)
    assert list(Customer.objects.values_list("first_name", "city")) == [("ADA", "Leeds")]


def test_names_and_postcode_do_not_match_a_record_of_another_source(tmp_path):
    rows = [{"first_name": "Ada", "last_name": "Lovelace", "postcode": "SW1A 1AA"}]
    import_file(csv_file(tmp_path / "people.csv", rows), source="crm")

    job = import_file(csv_file(tmp_path / "people.csv", rows), source="web shop")

    assert job.created_count == 1
    assert Customer.objects.count() == 2


def test_names_with_letters_beyond_ascii_match_on_reimport(tmp_path):
    rows = [
        {"first_name": "Zoë", "last_name": "Müller", "postcode": "SW1A 1AA"},
        {"first_name": "Jürgen", "last_name": "Straße", "postcode": ""},
        {"first_name": "", "last_name": "Ødegård", "postcode": "M1 1AE"},
        {"first_name": "Ana", "last_name": "Núñez", "postcode": ""},
    ]
    path = csv_file(tmp_path / "people.csv", rows)
    import_file(path)

    job = import_file(path)

    assert (job.created_count, job.unchanged_count) == (0, 4)
    assert Customer.objects.count() == 4


def test_the_same_key_twice_in_one_file_updates_what_the_first_row_created(tmp_path):
    rows = [
        {"external_id": "C1", "last_name": "Lovelace", "city": "London"},
        {"external_id": "C2", "last_name": "Hopper", "city": "Arlington"},
        {"external_id": "C1", "last_name": "Lovelace", "city": "Leeds"},
        {"external_id": "", "last_name": "", "email": "x@example.com", "city": "Paris"},
        {"external_id": "", "last_name": "", "email": "X@example.com", "city": "Lyon"},
    ]
    path = csv_file(tmp_path / "people.csv", rows)

    job = import_file(path)

    assert (job.created_count, job.updated_count, job.unchanged_count) == (3, 2, 0)
    assert sorted(Customer.objects.values_list("external_id", "email", "city")) == [
        ("", "x@example.com", "Lyon"),
        ("C1", "", "Leeds"),
        ("C2", "", "Arlington"),
    ]
    ada = Customer.objects.get(external_id="C1")
    assert [kind for kind, _ in history_of(ada)] == ["+", "~"]


@pytest.mark.parametrize("batch_size", [1, 2, 100])
def test_the_end_state_does_not_depend_on_the_batch_size(tmp_path, batch_size):
    rows = [
        {"external_id": "C1", "city": "London", "interests": "chess"},
        {"external_id": "C1", "city": "Leeds", "interests": "golf"},
        {"external_id": "C1", "city": "Leeds", "interests": "golf"},
        {"external_id": "C2", "city": "York", "email": "bad"},
        {"external_id": "C2", "city": "York", "email": "worse"},
    ]

    job = import_file(csv_file(tmp_path / "people.csv", rows), batch_size=batch_size)

    assert (job.created_count, job.updated_count, job.unchanged_count) == (2, 2, 1)
    c1 = Customer.objects.get(external_id="C1")
    assert (c1.city, [i.name for i in c1.interests.all()]) == ("Leeds", ["golf"])
    c2 = Customer.objects.get(external_id="C2")
    assert c2.email == "worse"
    # One open issue per problem: the second bad email does not add another.
    assert [code for _, code, _ in issues_of(c2)] == ["invalid_email"]


def test_a_blank_lifecycle_stage_keeps_the_records_stage(tmp_path):
    import_file(
        csv_file(tmp_path / "first.csv", [{"external_id": "C1", "lifecycle_stage": "customer"}])
    )

    job = import_file(
        csv_file(tmp_path / "second.csv", [{"external_id": "C1", "lifecycle_stage": ""}])
    )

    assert job.unchanged_count == 1
    assert Customer.objects.get().lifecycle_stage == "customer"


def test_an_unmapped_field_is_left_as_it_is(tmp_path):
    import_file(csv_file(tmp_path / "first.csv", [{"external_id": "C1", "city": "London"}]))

    import_file(csv_file(tmp_path / "second.csv", [{"external_id": "C1", "occupation": "Poet"}]))

    customer = Customer.objects.get()
    assert (customer.city, customer.occupation) == ("London", "Poet")


def test_imported_attributes_are_merged_into_the_records_attributes(tmp_path):
    AttributeDefinitionFactory(name="pets", data_type="integer")
    AttributeDefinitionFactory(name="loyalty_tier", data_type="choice")
    import_file(
        csv_file(
            tmp_path / "first.csv",
            [{"external_id": "C1", "attributes.pets": "2", "attributes.loyalty_tier": "gold"}],
        )
    )

    job = import_file(
        csv_file(tmp_path / "second.csv", [{"external_id": "C1", "attributes.pets": "3"}])
    )

    assert job.updated_count == 1
    assert Customer.objects.get().attributes == {"pets": 3, "loyalty_tier": "gold"}


def test_a_reimport_does_not_duplicate_quality_issues(tmp_path):
    rows = [{"external_id": "C1", "email": "bad", "phone": "1", "date_of_birth": "1800-01-01"}]
    path = csv_file(tmp_path / "people.csv", rows)
    import_file(path)

    import_file(path)
    import_file(path, batch_size=1)

    assert [code for _, code, _ in issues_of(Customer.objects.get())] == [
        "implausible_date_of_birth",
        "invalid_email",
        "invalid_phone",
    ]


@pytest.mark.parametrize("batch_size", [1, 100])
def test_a_row_keyed_on_an_email_an_earlier_row_gave_updates_that_rows_record(tmp_path, batch_size):
    rows = [
        {"external_id": "C1", "last_name": "", "email": "ada@example.com", "city": "London"},
        {"external_id": "", "last_name": "", "email": "ADA@example.com", "city": "Leeds"},
        {"external_id": "C2", "last_name": "", "phone": "07911 123456", "city": "York"},
        {"external_id": "", "last_name": "Hopper", "phone": "+44 7911 123456", "city": "Hull"},
    ]

    job = import_file(csv_file(tmp_path / "people.csv", rows), batch_size=batch_size)

    assert (job.created_count, job.updated_count) == (2, 2)
    assert sorted(Customer.objects.values_list("external_id", "last_name", "city")) == [
        ("C1", "", "Leeds"),
        ("C2", "Hopper", "Hull"),
    ]


def test_a_row_for_a_merged_record_updates_its_survivor(tmp_path):
    survivor = CustomerFactory(source=SOURCE, external_id="KEEP", city="Leeds")
    merged = CustomerFactory(source=SOURCE, external_id="GONE", city="Leeds")
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor)

    job = import_file(csv_file(tmp_path / "people.csv", [{"external_id": "GONE", "city": "York"}]))

    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert (job.created_count, job.updated_count) == (0, 1)
    assert survivor.city == "York"
    assert merged.city == "Leeds"
