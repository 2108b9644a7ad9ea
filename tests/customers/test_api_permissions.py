"""Who may do what through the API, persona by persona (the roles of
the role table in mis/roles.py)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import AttributeDefinition, Customer, Order
from tests.conftest import PERSONAS
from tests.factories import AttributeDefinitionFactory, CustomerFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("api:customer-list")
ORDERS = reverse("api:order-list")
ATTRIBUTES = reverse("api:attribute-list")

READERS = {"marketing_user", "manager", "steward", "dpo", "integration_user"}
CUSTOMER_WRITERS = {"marketing_user", "manager", "steward", "integration_user"}
ARCHIVERS = {"manager", "steward", "dpo"}  # the roles with customers.archive_customer
ORDER_WRITERS = {"steward", "integration_user"}
ATTRIBUTE_MANAGERS = {"steward"}


def expected(persona_name: str, allowed: set[str], success: int) -> int:
    return success if persona_name in allowed else 403


@pytest.fixture
def client_of(persona, api_client_for):
    return lambda name: api_client_for(persona(name))


def detail(customer: Customer, action: str = "detail") -> str:
    return reverse(f"api:customer-{action}", kwargs={"public_id": customer.public_id})


# Anonymous and unknown callers ------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", CUSTOMERS),
        ("post", CUSTOMERS),
        ("get", ORDERS),
        ("get", ATTRIBUTES),
        ("get", reverse("schema")),
    ],
)
def test_an_anonymous_caller_is_told_to_authenticate(method, url):
    CustomerFactory()

    response = getattr(APIClient(), method)(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused_as_unauthenticated():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get(CUSTOMERS)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_logged_in_user_without_a_role_can_do_nothing(api_client_for, outsider):
    customer = CustomerFactory()
    client = api_client_for(outsider)

    responses = [
        client.get(CUSTOMERS),
        client.get(detail(customer)),
        client.post(CUSTOMERS, {"first_name": "Ada"}, format="json"),
        client.get(ORDERS),
        client.get(ATTRIBUTES),
    ]

    assert [response.status_code for response in responses] == [403] * 5
    assert Customer.objects.count() == 1


# Token authentication ---------------------------------------------------------


def test_the_integration_user_works_with_its_token_alone(token_client, integration_user):
    customer = CustomerFactory(first_name="Ada")

    listed = token_client.get(CUSTOMERS)
    created = token_client.post(CUSTOMERS, {"first_name": "Bo"}, format="json")
    changed = token_client.patch(detail(customer), {"city": "Leeds"}, format="json")

    assert (listed.status_code, created.status_code, changed.status_code) == (200, 201, 200)
    assert [item["first_name"] for item in listed.json()["results"]] == ["Ada"]
    bo = Customer.objects.get(first_name="Bo")
    assert bo.history.get().history_user == integration_user


# Persona by persona -----------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
def test_who_can_read_customers_orders_and_attributes(client_of, name):
    customer = CustomerFactory()
    client = client_of(name)
    status = expected(name, READERS, 200)

    assert client.get(CUSTOMERS).status_code == status
    assert client.get(detail(customer)).status_code == status
    assert client.get(ORDERS).status_code == status
    assert client.get(ATTRIBUTES).status_code == status


@pytest.mark.parametrize("name", PERSONAS)
def test_who_can_create_a_customer(client_of, name):
    response = client_of(name).post(CUSTOMERS, {"first_name": "Ada"}, format="json")

    assert response.status_code == expected(name, CUSTOMER_WRITERS, 201)
    assert Customer.objects.count() == (1 if name in CUSTOMER_WRITERS else 0)


@pytest.mark.parametrize("name", PERSONAS)
def test_who_can_change_a_customer(client_of, name):
    customer = CustomerFactory(city="London")

    response = client_of(name).patch(detail(customer), {"city": "Leeds"}, format="json")

    assert response.status_code == expected(name, CUSTOMER_WRITERS, 200)
    customer.refresh_from_db()
    assert customer.city == ("Leeds" if name in CUSTOMER_WRITERS else "London")


@pytest.mark.parametrize("name", PERSONAS)
def test_only_roles_with_the_archive_permission_can_archive_and_restore(client_of, name):
    customer = CustomerFactory()
    client = client_of(name)

    archived = client.post(detail(customer, "archive"))

    assert archived.status_code == expected(name, ARCHIVERS, 200)
    customer.refresh_from_db()
    assert customer.is_archived == (name in ARCHIVERS)
    Customer.objects.filter(pk=customer.pk).update(archived_at="2025-01-01T00:00:00Z")
    assert client.post(detail(customer, "restore")).status_code == expected(name, ARCHIVERS, 200)


@pytest.mark.parametrize("name", PERSONAS)
def test_who_can_record_an_order(client_of, name):
    customer = CustomerFactory()

    response = client_of(name).post(
        ORDERS,
        {
            "customer": str(customer.public_id),
            "ordered_at": "2025-03-01T10:00:00Z",
            "channel": "online",
            "lines": [{"product_category": "books", "amount": "9.99"}],
        },
        format="json",
    )

    assert response.status_code == expected(name, ORDER_WRITERS, 201)
    assert Order.objects.count() == (1 if name in ORDER_WRITERS else 0)


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_data_steward_manages_attribute_definitions(client_of, name):
    AttributeDefinitionFactory(name="tier", label="Tier")
    client = client_of(name)
    one = reverse("api:attribute-detail", kwargs={"name": "tier"})

    created = client.post(
        ATTRIBUTES, {"name": "shoe_size", "label": "Shoe", "data_type": "integer"}, format="json"
    )
    changed = client.patch(one, {"label": "Loyalty tier"}, format="json")
    deleted = client.delete(one)

    status = [created.status_code, changed.status_code, deleted.status_code]
    if name in ATTRIBUTE_MANAGERS:
        assert status == [201, 200, 204]
        assert list(AttributeDefinition.objects.values_list("name", flat=True)) == ["shoe_size"]
    else:
        assert status == [403, 403, 403]
        assert AttributeDefinition.objects.get().label == "Tier"


@pytest.mark.parametrize("name", ["marketing_user", "steward", "integration_user"])
def test_no_persona_can_delete_a_customer(client_of, name):
    customer = CustomerFactory()

    response = client_of(name).delete(detail(customer))

    assert response.status_code in (403, 405)
    assert Customer.objects.filter(pk=customer.pk).exists()


# Schema and docs --------------------------------------------------------------


def test_the_schema_and_the_docs_load_for_a_logged_in_user(api_client_for, marketing_user):
    client = api_client_for(marketing_user)

    schema = client.get(reverse("schema"))
    docs = client.get(reverse("api-docs"))

    assert schema.status_code == 200
    assert b"/api/v1/customers/" in schema.content
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
