"""Sensitive fields (date of birth, income band, interests, lifestyle, values)
are for roles with customers.view_sensitive_data only: masked when read,
refused when filtered on or written by anyone else."""

import datetime as dt

import pytest
from django.urls import reverse

from customers import services
from customers.masking import MASK
from customers.models import SENSITIVE_FIELDS, Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("api:customer-list")
MASKED_ROLES = ["marketing_user", "integration_user"]
SEEING_ROLES = ["manager", "steward", "dpo"]


@pytest.fixture
def ada(db) -> Customer:
    return CustomerFactory(
        first_name="Ada",
        date_of_birth=dt.date(1985, 12, 10),
        income_band="60k_100k",
        lifestyle="outdoor_active",
        values="sustainability",
        interests=["chess", "sailing"],
        occupation="Engineer",
    )


def api_detail(customer: Customer) -> str:
    return reverse("api:customer-detail", kwargs={"public_id": customer.public_id})


# Reading through the API ------------------------------------------------------


@pytest.mark.parametrize("name", MASKED_ROLES)
def test_sensitive_fields_are_null_and_listed_as_masked_for_roles_without_the_permission(
    api_client_for, persona, ada, name
):
    client = api_client_for(persona(name))

    for body in (client.get(api_detail(ada)).json(), client.get(CUSTOMERS).json()["results"][0]):
        assert {field: body[field] for field in SENSITIVE_FIELDS} == dict.fromkeys(SENSITIVE_FIELDS)
        assert body["masked_fields"] == list(SENSITIVE_FIELDS)
        assert (body["first_name"], body["occupation"]) == ("Ada", "Engineer")


@pytest.mark.parametrize("name", SEEING_ROLES)
def test_sensitive_fields_are_shown_to_roles_with_the_permission(
    api_client_for, persona, ada, name
):
    body = api_client_for(persona(name)).get(api_detail(ada)).json()

    assert {field: body[field] for field in SENSITIVE_FIELDS} == {
        "date_of_birth": "1985-12-10",
        "income_band": "60k_100k",
        "interests": ["chess", "sailing"],
        "lifestyle": "outdoor_active",
        "values": "sustainability",
    }
    assert body["masked_fields"] == []


def test_the_token_client_sees_the_same_mask(token_client, ada):
    body = token_client.get(api_detail(ada)).json()

    assert body["date_of_birth"] is None
    assert body["masked_fields"] == list(SENSITIVE_FIELDS)


# Filtering is reading ---------------------------------------------------------


@pytest.mark.parametrize("name", MASKED_ROLES)
@pytest.mark.parametrize(
    "query",
    [
        {"income_band": "60k_100k"},
        {"age_min": 30},
        {"age_max": 50},
        {"interest": "chess"},
        {"lifestyle": "outdoor_active"},
        {"values": "sustainability"},
    ],
)
def test_filtering_on_a_sensitive_field_is_refused_without_the_permission(
    api_client_for, persona, ada, name, query
):
    response = api_client_for(persona(name)).get(CUSTOMERS, query)

    assert response.status_code == 403
    assert "filter on sensitive data" in response.json()["detail"]


def test_filtering_on_a_sensitive_field_works_with_the_permission(api_client_for, manager, ada):
    CustomerFactory(first_name="Bo", income_band="under_20k")

    response = api_client_for(manager).get(CUSTOMERS, {"income_band": "60k_100k"})

    assert [item["first_name"] for item in response.json()["results"]] == ["Ada"]


def test_the_customer_list_page_refuses_a_sensitive_filter_without_the_permission(
    page_client_for, marketing_user, ada
):
    response = page_client_for(marketing_user).get(
        reverse("customers:list"), {"income_band": "60k_100k"}
    )

    assert response.status_code == 403


def test_the_customer_list_page_hides_sensitive_filters_without_the_permission(
    page_client_for, marketing_user, manager
):
    hidden = page_client_for(marketing_user).get(reverse("customers:list")).content.decode()
    shown = page_client_for(manager).get(reverse("customers:list")).content.decode()

    for name in ("income_band", "age_min", "interest", "lifestyle"):
        assert f'name="{name}"' not in hidden
        assert f'name="{name}"' in shown


# Writing is refused -----------------------------------------------------------


@pytest.mark.parametrize("name", MASKED_ROLES)
@pytest.mark.parametrize(
    "change",
    [
        {"date_of_birth": "1990-01-01"},
        {"income_band": "under_20k"},
        {"interests": ["golf"]},
        {"lifestyle": "student"},
        {"values": "tradition"},
        {"date_of_birth": None},
    ],
)
def test_writing_a_sensitive_field_is_refused_and_changes_nothing(
    api_client_for, persona, ada, name, change
):
    before = Customer.objects.values().get(pk=ada.pk)

    response = api_client_for(persona(name)).patch(
        api_detail(ada), {"city": "Leeds", **change}, format="json"
    )

    assert response.status_code == 403
    assert "sensitive data" in response.json()["detail"]
    assert Customer.objects.values().get(pk=ada.pk) == before
    assert sorted(i.name for i in ada.interests.all()) == ["chess", "sailing"]


def test_creating_a_customer_with_a_sensitive_field_is_refused_without_the_permission(
    api_client_for, marketing_user
):
    response = api_client_for(marketing_user).post(
        CUSTOMERS, {"first_name": "Bo", "income_band": "over_100k"}, format="json"
    )

    assert response.status_code == 403
    assert not Customer.objects.exists()


# The detail page --------------------------------------------------------------


def test_the_detail_page_shows_the_mask_instead_of_sensitive_values_to_marketing_staff(
    page_client_for, marketing_user, ada
):
    page = page_client_for(marketing_user).get(ada.get_absolute_url()).content.decode()

    assert page.count(MASK) == len(SENSITIVE_FIELDS)
    for value in ("1985", "£60k–£100k", "chess", "Outdoor and active", "Sustainability"):
        assert value not in page
    assert "Engineer" in page


def test_the_detail_page_shows_sensitive_values_to_a_manager(page_client_for, manager, ada):
    page = page_client_for(manager).get(ada.get_absolute_url()).content.decode()

    assert MASK not in page
    for value in ("10 Dec 1985", "£60k–£100k", "chess, sailing", "Outdoor and active"):
        assert value in page


# What could give a hidden value away ------------------------------------------


def test_the_api_does_not_say_where_a_masked_value_came_from(api_client_for, marketing_user):
    customer = services.customer_create(
        data={"first_name": "Ada", "income_band": "60k_100k", "interests": ["chess"]},
        source="crm import",
    )

    body = api_client_for(marketing_user).get(api_detail(customer)).json()

    assert set(body["field_sources"]) == {"first_name"}


def test_the_detail_page_hides_masked_fields_from_provenance_and_history(
    page_client_for, marketing_user, manager
):
    customer = services.customer_create(data={"first_name": "Ada"}, source="test")
    services.customer_update(
        customer=customer, data={"income_band": "60k_100k"}, source="secret survey"
    )
    url = reverse("customers:detail", kwargs={"public_id": customer.public_id})

    staff_page = page_client_for(marketing_user).get(url).content.decode()
    manager_page = page_client_for(manager).get(url).content.decode()

    assert "(secret survey)" not in staff_page
    assert "changed: income band" not in staff_page
    assert "(secret survey)" in manager_page
    assert "changed: income band" in manager_page
