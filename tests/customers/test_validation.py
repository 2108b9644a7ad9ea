"""Normalisation and validation of customer data, through the customer service
(the door every face of the app uses)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers import services
from customers.models import Customer

pytestmark = pytest.mark.django_db

IDENTITY_MESSAGE = (
    "A customer needs an identity: a name, an organisation, an email or an external id."
)


def create(**data) -> Customer:
    return services.customer_create(data={"first_name": "Ada", **data}, source="test")


def errors_of(**data) -> dict[str, list[str]]:
    """The per-field messages customer_create gives for ``data``."""
    with pytest.raises(ValidationError) as caught:
        create(**data)
    return caught.value.message_dict


def test_it_stores_the_email_in_lower_case_without_surrounding_spaces():
    customer = create(email="  Ada.Lovelace@Example.COM ")

    customer.refresh_from_db()
    assert customer.email == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    ("country", "national", "e164"),
    [
        ("GB", "07911 123456", "+447911123456"),
        ("US", "(212) 736-5000", "+12127365000"),
        ("DE", "030 901820", "+4930901820"),
    ],
)
def test_it_reads_a_national_phone_number_in_the_records_country(country, national, e164):
    customer = create(phone=national, country=country, postcode="")

    customer.refresh_from_db()
    assert customer.phone == e164


def test_it_keeps_a_phone_written_with_its_country_code_whatever_the_records_country():
    customer = create(phone="+44 7911 123456", country="US")

    assert customer.phone == "+447911123456"


def test_it_accepts_a_country_by_its_english_name_or_as_uk():
    assert str(create(country="United Kingdom").country) == "GB"
    assert str(create(country="uk").country) == "GB"


def test_it_rejects_an_email_that_is_not_an_address():
    errors = errors_of(email="ada.example.com")

    assert errors == {"email": ["“ada.example.com” is not a valid email address."]}


@pytest.mark.parametrize("phone", ["not a number", "12345", "+44 7700 900123"])
def test_it_rejects_a_phone_that_cannot_be_parsed_or_is_not_a_real_number(phone):
    errors = errors_of(phone=phone)

    assert list(errors) == ["phone"]
    assert "is not a valid phone number for GB" in errors["phone"][0]


@pytest.mark.parametrize(
    ("country", "postcode"),
    [
        ("GB", "SW1A 1A"),
        ("GB", "12345"),
        ("US", "2050"),
        ("US", "20500-12"),
        ("DE", "1011"),
        ("FR", "750001"),
        ("AU", "20000"),
    ],
)
def test_it_rejects_a_postcode_that_does_not_fit_the_country(country, postcode):
    errors = errors_of(postcode=postcode, country=country)

    assert list(errors) == ["postcode"]
    assert errors["postcode"][0].endswith(f"is not a valid postcode for {country}.")


@pytest.mark.parametrize(
    ("country", "given", "stored"),
    [
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", " ec1a   1bb ", "EC1A 1BB"),
        ("US", "20500-0003", "20500-0003"),
        ("DE", "10117", "10117"),
        ("FR", "75001", "75001"),
        ("AU", "2000", "2000"),
    ],
)
def test_it_accepts_and_tidies_a_valid_postcode(country, given, stored):
    assert create(postcode=given, country=country).postcode == stored


def test_it_accepts_a_postcode_of_a_country_it_has_no_pattern_for():
    assert create(postcode="1000-001", country="PT").postcode == "1000-001"


def test_it_rejects_a_date_of_birth_in_the_future():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    assert errors_of(date_of_birth=tomorrow) == {
        "date_of_birth": ["Date of birth cannot be in the future."]
    }


def test_it_rejects_a_date_of_birth_more_than_120_years_ago():
    errors = errors_of(date_of_birth=dt.date(1899, 5, 1))

    assert list(errors) == ["date_of_birth"]
    assert "over 120 years" in errors["date_of_birth"][0]


def test_it_accepts_a_date_of_birth_of_someone_aged_100():
    today = timezone.localdate()

    customer = create(date_of_birth=dt.date(today.year - 100, 1, 1))

    assert customer.date_of_birth.year == today.year - 100


@pytest.mark.parametrize("country", ["XX", "Narnia"])
def test_it_rejects_an_unknown_country(country):
    errors = errors_of(country=country, postcode="")

    assert list(errors) == ["country"]


def test_an_organisation_needs_its_name():
    errors = errors_of(kind="organisation", first_name="", email="info@example.com")

    assert errors == {"organisation_name": ["An organisation needs its name."]}


def test_an_organisation_with_a_name_is_accepted():
    customer = create(kind="organisation", first_name="", organisation_name="Acme Ltd")

    assert customer.display_name == "Acme Ltd"


def test_a_record_with_no_identity_is_refused_with_one_message():
    errors = errors_of(first_name="", phone="07911 123456", city="Leeds")

    assert errors == {"__all__": [IDENTITY_MESSAGE]}


@pytest.mark.parametrize(
    "identity",
    [
        {"last_name": "Lovelace"},
        {"organisation_name": "Acme Ltd"},
        {"email": "ada@example.com"},
        {"external_id": "CRM-1"},
    ],
)
def test_any_one_identifying_value_is_enough(identity):
    assert create(**{"first_name": "", **identity}).pk is not None


def test_it_reports_every_bad_field_at_once():
    errors = errors_of(email="nope", phone="123", postcode="nope")

    assert set(errors) == {"email", "phone", "postcode"}


def test_it_refuses_fields_that_cannot_be_set():
    errors = errors_of(source="sneaky", search_text="X")

    assert errors == {
        "search_text": ["This field cannot be set."],
        "source": ["This field cannot be set."],
    }
