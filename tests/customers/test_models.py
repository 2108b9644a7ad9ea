"""What the customer model and the database guarantee: constraints that hold
even when validation is bypassed, custom attributes, history and provenance."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers import services
from customers.models import AttributeType, Customer, Interest
from tests.factories import AttributeDefinitionFactory, CustomerFactory

pytestmark = pytest.mark.django_db

# PostgreSQL names the constraint; SQLite names the columns.
UNIQUE_SOURCE_EXTERNAL_ID = (
    r"customer_unique_source_external_id"
    r"|UNIQUE constraint failed: customers_customer\.source, customers_customer\.external_id"
)


# Database constraints ---------------------------------------------------------


def test_the_database_refuses_a_customer_with_no_identity_even_without_validation():
    with pytest.raises(IntegrityError, match="customer_has_identity"), transaction.atomic():
        Customer.objects.create(source="raw sql", phone="+447911123456")


def test_the_database_refuses_a_second_record_with_the_same_source_and_external_id():
    Customer.objects.create(source="crm", external_id="C-1", first_name="Ada")

    with (
        pytest.raises(IntegrityError, match=UNIQUE_SOURCE_EXTERNAL_ID),
        transaction.atomic(),
    ):
        Customer.objects.bulk_create([Customer(source="crm", external_id="C-1", first_name="Bo")])


def test_the_same_external_id_is_allowed_from_another_source_and_blank_ids_never_clash():
    Customer.objects.bulk_create(
        [
            Customer(source="crm", external_id="C-1", first_name="Ada"),
            Customer(source="shop", external_id="C-1", first_name="Ada"),
            Customer(source="crm", first_name="Bo"),
            Customer(source="crm", first_name="Cy"),
        ]
    )

    assert Customer.objects.count() == 4


def test_validation_reports_a_duplicate_external_id_before_the_database_does():
    services.customer_create(data={"external_id": "C-1"}, source="crm")

    with pytest.raises(ValidationError) as caught:
        services.customer_create(data={"external_id": "C-1"}, source="crm")

    assert caught.value.messages == ["Another customer from this source has this external id."]
    assert Customer.objects.count() == 1


# Custom attributes ------------------------------------------------------------


@pytest.fixture
def attributes(db):
    return {
        definition.name: definition
        for definition in [
            AttributeDefinitionFactory(name="loyalty_points", data_type=AttributeType.INTEGER),
            AttributeDefinitionFactory(name="credit_limit", data_type=AttributeType.DECIMAL),
            AttributeDefinitionFactory(name="newsletter", data_type=AttributeType.BOOLEAN),
            AttributeDefinitionFactory(name="first_visit", data_type=AttributeType.DATE),
            AttributeDefinitionFactory(name="tier", data_type=AttributeType.CHOICE),
            AttributeDefinitionFactory(name="nickname", data_type=AttributeType.TEXT),
        ]
    }


def create_with_attributes(values: dict) -> Customer:
    return services.customer_create(data={"first_name": "Ada", "attributes": values}, source="test")


def attribute_errors(values: dict) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        create_with_attributes(values)
    assert list(caught.value.message_dict) == ["attributes"]
    return caught.value.message_dict["attributes"]


def test_attribute_values_are_stored_in_the_type_of_their_definition(attributes):
    customer = create_with_attributes(
        {
            "loyalty_points": "42",
            "credit_limit": "1250.50",
            "newsletter": "yes",
            "first_visit": "2024-02-29",
            "tier": "gold",
            "nickname": "  Countess ",
        }
    )

    customer.refresh_from_db()
    assert customer.attributes == {
        "loyalty_points": 42,
        "credit_limit": "1250.50",
        "newsletter": True,
        "first_visit": "2024-02-29",
        "tier": "gold",
        "nickname": "Countess",
    }


def test_empty_attribute_values_are_dropped(attributes):
    customer = create_with_attributes({"loyalty_points": "", "nickname": None})

    assert customer.attributes == {}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("loyalty_points", "4.5", "loyalty_points: “4.5” is not a valid whole number."),
        ("loyalty_points", True, "loyalty_points: “True” is not a valid whole number."),
        ("credit_limit", "a lot", "credit_limit: “a lot” is not a valid decimal number."),
        ("credit_limit", "NaN", "credit_limit: “NaN” is not a valid decimal number."),
        ("newsletter", "maybe", "newsletter: “maybe” is not a valid yes / no."),
        ("first_visit", "2023-02-29", "first_visit: “2023-02-29” is not a valid date."),
        ("tier", "platinum", "tier: “platinum” is not one of: bronze, silver, gold."),
    ],
)
def test_an_attribute_value_that_does_not_fit_its_type_is_refused(attributes, name, value, message):
    assert attribute_errors({name: value}) == [message]


def test_an_attribute_nobody_defined_is_refused(attributes):
    assert attribute_errors({"shoe_size": "9"}) == ["“shoe_size” is not a defined attribute."]


def test_an_inactive_attribute_is_refused_for_new_values(attributes):
    attributes["tier"].is_active = False
    attributes["tier"].save()

    assert attribute_errors({"tier": "gold"}) == ["“tier” is retired and takes no new values."]


def test_a_retired_attribute_keeps_the_value_a_record_already_has(attributes):
    customer = create_with_attributes({"tier": "gold"})
    attributes["tier"].is_active = False
    attributes["tier"].save()

    services.customer_update(customer=customer, data={"city": "Leeds"}, source="test")
    customer.refresh_from_db()

    assert customer.attributes == {"tier": "gold"}
    assert customer.city == "Leeds"
    with pytest.raises(ValidationError):
        services.customer_update(
            customer=customer, data={"attributes": {"tier": "silver"}}, source="test"
        )


def test_attributes_must_be_an_object():
    assert attribute_errors(["tier", "gold"]) == ["Attributes must be an object of name: value."]


def test_a_choice_attribute_needs_its_allowed_values():
    definition = AttributeDefinitionFactory.build(
        name="tier", data_type=AttributeType.CHOICE, allowed_values=[]
    )

    with pytest.raises(ValidationError) as caught:
        definition.full_clean()

    assert caught.value.message_dict == {
        "allowed_values": ["A 'One of a list' attribute needs its allowed values."]
    }


def test_only_a_choice_attribute_has_allowed_values():
    definition = AttributeDefinitionFactory.build(
        name="tier", data_type=AttributeType.TEXT, allowed_values=["a"]
    )

    with pytest.raises(ValidationError) as caught:
        definition.full_clean()

    assert caught.value.message_dict == {
        "allowed_values": ["Only 'One of a list' attributes have allowed values."]
    }


# History and provenance -------------------------------------------------------


def test_an_update_records_history_with_the_actor_and_the_reason(steward):
    customer = services.customer_create(data={"first_name": "Ada"}, source="web form")

    services.customer_update(
        customer=customer, data={"city": "Leeds"}, source="crm sync", actor=steward
    )

    latest, first = customer.history.order_by("-history_date", "-history_id")[:2]
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
        "~",
        steward,
        "updated from crm sync",
    )
    assert latest.city == "Leeds"
    assert (first.history_type, first.history_change_reason) == ("+", "created from web form")
    assert first.city == ""


def test_history_records_the_actor_of_a_creation(steward):
    customer = services.customer_create(
        data={"first_name": "Ada"}, source="web form", actor=steward
    )

    assert customer.history.get().history_user == steward


def test_field_sources_name_the_source_of_each_changed_field_only():
    customer = services.customer_create(
        data={"first_name": "Ada", "email": "ada@example.com"}, source="web form"
    )

    services.customer_update(
        customer=customer,
        data={"email": "ada@lovelace.org", "first_name": "Ada"},
        source="crm sync",
    )

    customer.refresh_from_db()
    assert {field: entry["source"] for field, entry in customer.field_sources.items()} == {
        "first_name": "web form",
        "email": "crm sync",
    }
    dt.datetime.fromisoformat(customer.field_sources["email"]["at"])  # a timestamp


def test_interest_provenance_is_recorded_when_interests_change():
    customer = services.customer_create(data={"first_name": "Ada"}, source="web form")

    services.customer_update(customer=customer, data={"interests": ["Cycling"]}, source="survey")

    customer.refresh_from_db()
    assert customer.field_sources["interests"]["source"] == "survey"
    assert [i.name for i in customer.interests.all()] == ["cycling"]


# Nothing half-saved -----------------------------------------------------------


def test_a_refused_creation_writes_neither_the_customer_nor_its_interests():
    with pytest.raises(ValidationError):
        services.customer_create(
            data={"first_name": "Ada", "email": "not-an-email", "interests": ["chess", "golf"]},
            source="test",
        )

    assert Customer.objects.count() == 0
    assert Interest.objects.count() == 0


def test_a_refused_interest_writes_nothing():
    with pytest.raises(ValidationError) as caught:
        services.customer_create(
            data={"first_name": "Ada", "interests": ["chess", "x" * 65]}, source="test"
        )

    assert caught.value.message_dict == {"interests": ["An interest is at most 64 characters."]}
    assert Customer.objects.count() == 0
    assert Interest.objects.count() == 0


def test_a_refused_update_leaves_the_stored_record_as_it_was():
    customer = CustomerFactory(city="London", interests=["chess"])
    before = Customer.objects.values().get(pk=customer.pk)
    history_before = customer.history.count()

    with pytest.raises(ValidationError):
        services.customer_update(
            customer=customer,
            data={"city": "Leeds", "email": "broken", "interests": ["golf"]},
            source="test",
        )

    assert Customer.objects.values().get(pk=customer.pk) == before
    assert [i.name for i in customer.interests.all()] == ["chess"]
    assert customer.history.count() == history_before
