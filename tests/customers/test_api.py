"""The REST API: customers, orders and attribute definitions, with filters,
cursor pagination and per-field error messages."""

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers import services
from customers.models import AttributeDefinition, Customer, Order
from tests.factories import (
    AttributeDefinitionFactory,
    CustomerFactory,
    OrderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("api:customer-list")
ORDERS = reverse("api:order-list")
ATTRIBUTES = reverse("api:attribute-list")


def customer_url(customer: Customer, action: str = "detail") -> str:
    return reverse(f"api:customer-{action}", kwargs={"public_id": customer.public_id})


@pytest.fixture
def api(api_client_for, steward):
    """A data steward's client: the role that may do everything the API offers."""
    return api_client_for(steward)


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["first_name"] or item["organisation_name"] for item in response.json()["results"]}


# Customers: read --------------------------------------------------------------


def test_the_list_shows_active_customers_newest_first(api):
    older = CustomerFactory(first_name="Older")
    newer = CustomerFactory(first_name="Newer")
    CustomerFactory(first_name="Gone", archived_at=timezone.now())
    Customer.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=1))

    response = api.get(CUSTOMERS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["first_name"] for item in results] == ["Newer", "Older"]
    assert results[0]["id"] == str(newer.public_id)


def test_a_customer_is_retrieved_by_its_public_id(api):
    customer = CustomerFactory(
        first_name="Ada", email="ada@example.com", country="GB", interests=["golf", "chess"]
    )

    response = api.get(customer_url(customer))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(customer.public_id)
    assert body["url"] == f"http://testserver{customer_url(customer)}"
    assert (body["first_name"], body["email"], body["country"]) == ("Ada", "ada@example.com", "GB")
    assert body["interests"] == ["chess", "golf"]


def test_an_unknown_public_id_is_not_found(api):
    assert api.get(reverse("api:customer-detail", args=[uuid.uuid4()])).status_code == 404


# Customers: write -------------------------------------------------------------


def test_a_customer_is_created_normalised_with_its_provenance(api, steward):
    response = api.post(
        CUSTOMERS,
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.COM",
            "phone": "07911 123456",
            "postcode": "sw1a1aa",
            "country": "United Kingdom",
            "interests": ["Chess"],
            "source": "partner feed",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["phone"], body["postcode"], body["country"]) == (
        "ada@example.com",
        "+447911123456",
        "SW1A 1AA",
        "GB",
    )
    assert body["interests"] == ["chess"]
    assert body["source"] == "partner feed"
    assert body["field_sources"]["email"]["source"] == "partner feed"
    customer = Customer.objects.get(public_id=body["id"])
    assert {record.history_user for record in customer.history.all()} == {steward}


def test_the_source_defaults_to_api(api):
    response = api.post(CUSTOMERS, {"first_name": "Ada"}, format="json")

    assert response.json()["source"] == "api"


def test_a_partial_update_changes_only_the_given_fields(api):
    customer = CustomerFactory(first_name="Ada", city="London", occupation="Engineer")

    response = api.patch(customer_url(customer), {"city": "Leeds"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["city"], response.json()["occupation"]) == ("Leeds", "Engineer")
    customer.refresh_from_db()
    assert (customer.city, customer.first_name, customer.occupation) == ("Leeds", "Ada", "Engineer")
    assert customer.field_sources["city"]["source"] == "api"


def test_archive_takes_a_customer_out_of_the_list_and_restore_brings_it_back(api):
    customer = CustomerFactory(first_name="Ada")

    archived = api.post(customer_url(customer, "archive"))

    assert archived.status_code == 200, archived.content
    assert archived.json()["archived_at"] is not None
    assert names(api.get(CUSTOMERS)) == set()
    assert names(api.get(CUSTOMERS, {"archived": "true"})) == {"Ada"}

    restored = api.post(customer_url(customer, "restore"))

    assert restored.status_code == 200, restored.content
    assert restored.json()["archived_at"] is None
    assert names(api.get(CUSTOMERS)) == {"Ada"}


def test_an_archived_customer_can_still_be_retrieved_but_not_changed(api):
    customer = CustomerFactory(first_name="Ada", archived_at=timezone.now())

    assert api.get(customer_url(customer)).json()["archived_at"] is not None
    response = api.patch(customer_url(customer), {"city": "Leeds"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This customer is archived; restore it before editing."]
    }


def test_put_is_not_allowed_and_delete_is_not_offered(api_client_for, api):
    customer = CustomerFactory()
    # A superuser has every permission, so only the missing method can refuse.
    admin = api_client_for(UserFactory(username="root", is_superuser=True, is_staff=True))

    assert api.put(customer_url(customer), {"first_name": "X"}, format="json").status_code == 405
    assert admin.delete(customer_url(customer)).status_code == 405
    allowed = api.options(customer_url(customer))["Allow"]
    assert {method.strip() for method in allowed.split(",")} == {"GET", "PATCH", "HEAD", "OPTIONS"}
    assert Customer.objects.filter(pk=customer.pk).exists()


# Per-field errors -------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"email": "ada.example.com"}, "email", "“ada.example.com” is not a valid email address."),
        (
            {"phone": "12345"},
            "phone",
            "“12345” is not a valid phone number for GB; write it with its country code, "
            "for example +44 7911 123456.",
        ),
        (
            {"postcode": "ZZZ", "country": "GB"},
            "postcode",
            "“ZZZ” is not a valid postcode for GB.",
        ),
        (
            {"date_of_birth": "31/12/1990"},
            "date_of_birth",
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        ),
        ({"household_size": "several"}, "household_size", "A valid integer is required."),
        (
            {"interests": "chess"},
            "interests",
            'Expected a list of items but got type "str".',
        ),
        ({"kind": "robot"}, "kind", '"robot" is not a valid choice.'),
        (
            {"attributes": {"shoe_size": 9}},
            "attributes",
            "“shoe_size” is not a defined attribute.",
        ),
    ],
)
def test_bad_input_gets_400_with_a_list_of_messages_for_the_field(api, payload, field, message):
    response = api.post(CUSTOMERS, {"first_name": "Ada", **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert Customer.objects.count() == 0


def test_every_bad_field_is_reported_at_once(api):
    response = api.post(
        CUSTOMERS,
        {"first_name": "Ada", "email": "nope", "phone": "123", "postcode": "nope"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"email", "phone", "postcode"}
    assert all(isinstance(messages, list) for messages in response.json().values())


def test_a_record_without_identity_gets_a_non_field_error(api):
    response = api.post(CUSTOMERS, {"phone": "+447911123456"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "A customer needs an identity: a name, an organisation, an email or an external id."
        ]
    }


def test_a_bad_partial_update_gets_400_and_changes_nothing(api):
    customer = CustomerFactory(email="ada@example.com", city="London")

    response = api.patch(customer_url(customer), {"email": "x", "city": "Leeds"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    customer.refresh_from_db()
    assert (customer.email, customer.city) == ("ada@example.com", "London")


def test_a_misspelt_field_gets_400_naming_it_and_nothing_is_written(api):
    before = Customer.objects.count()

    response = api.post(CUSTOMERS, {"first_nme": "Ada", "last_name": "Lovelace"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"first_nme": ["Unknown field."]}
    assert Customer.objects.count() == before


# Filters and search -----------------------------------------------------------


def _years_ago(years: int, days: int = 10) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=1) - dt.timedelta(days=days)


@pytest.fixture
def population(db):
    """Customers that differ on each data component."""
    now = timezone.now()
    ada = CustomerFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@lovelace.org",
        phone="+447911100001",
        country="GB",
        region="Greater London",
        city="London",
        postcode="SW1A 1AA",
        lifecycle_stage="customer",
        source="shop",
        occupation="Engineer",
        interests=["chess"],
        date_of_birth=_years_ago(30),
        income_band="40k_60k",
        last_verified_at=now - dt.timedelta(days=900),
    )
    bob = CustomerFactory(
        first_name="Bob",
        last_name="Baker",
        email="bob@example.com",
        country="GB",
        region="West Yorkshire",
        city="Leeds",
        postcode="LS1 4AP",
        lifecycle_stage="lead",
        source="crm",
        occupation="Teacher",
        interests=["golf"],
        date_of_birth=_years_ago(50),
        income_band="under_20k",
        last_verified_at=now - dt.timedelta(days=10),
    )
    cleo = CustomerFactory(
        organisation=True,
        organisation_name="Cleo Ltd",
        email="hello@cleo.example",
        phone="+12127365000",
        country="US",
        region="New York",
        city="New York",
        postcode="10001",
        lifecycle_stage="prospect",
        source="crm",
        occupation="",
        income_band="",
        lifestyle="",
        values="",
        last_verified_at=None,
    )
    CustomerFactory(first_name="Dan", archived_at=now)
    Customer.objects.filter(pk=ada.pk).update(created_at=now - dt.timedelta(days=400))
    Customer.objects.filter(pk=bob.pk).update(created_at=now - dt.timedelta(days=100))
    return {"Ada": ada, "Bob": bob, "Cleo Ltd": cleo}


def _days_ago(days: int) -> str:
    return (timezone.now() - dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"Ada", "Bob", "Cleo Ltd"}),
        ({"country": "us"}, {"Cleo Ltd"}),
        ({"country": "GB"}, {"Ada", "Bob"}),
        ({"region": "west yorkshire"}, {"Bob"}),
        ({"city": "LONDON"}, {"Ada"}),
        ({"postcode_prefix": "ls1"}, {"Bob"}),
        ({"lifecycle_stage": ["customer", "lead"]}, {"Ada", "Bob"}),
        ({"lifecycle_stage": "prospect"}, {"Cleo Ltd"}),
        ({"kind": "organisation"}, {"Cleo Ltd"}),
        ({"source": "crm"}, {"Bob", "Cleo Ltd"}),
        ({"occupation": "teacher"}, {"Bob"}),
        ({"interest": "Chess"}, {"Ada"}),
        ({"age_min": 40}, {"Bob"}),
        ({"age_max": 40}, {"Ada"}),
        ({"age_min": 25, "age_max": 35}, {"Ada"}),
        ({"income_band": "under_20k"}, {"Bob"}),
        ({"verified_before": _days_ago(365)}, {"Ada"}),
        ({"created_after": _days_ago(200)}, {"Bob", "Cleo Ltd"}),
        ({"archived": "true"}, {"Dan"}),
        ({"archived": "false"}, {"Ada", "Bob", "Cleo Ltd"}),
        ({"q": "lovelace"}, {"Ada"}),
        ({"q": "cleo.example"}, {"Cleo Ltd"}),
        ({"q": "+1212"}, {"Cleo Ltd"}),
        ({"q": "ls1 4ap"}, {"Bob"}),
        ({"q": "  "}, {"Ada", "Bob", "Cleo Ltd"}),
        ({"q": "nobody"}, set()),
    ],
)
def test_the_list_filters_on_each_data_component(
    api_client_for, manager, population, query, expected
):
    response = api_client_for(manager).get(CUSTOMERS, query)

    assert names(response) == expected


def test_an_invalid_filter_value_gets_400_with_a_message_for_the_filter(api):
    response = api.get(CUSTOMERS, {"lifecycle_stage": "vip", "created_after": "yesterday"})

    assert response.status_code == 400
    assert set(response.json()) == {"lifecycle_stage", "created_after"}
    assert all(isinstance(messages, list) for messages in response.json().values())


# Cursor pagination and public ids ---------------------------------------------


def test_cursor_pagination_walks_every_customer_once(api):
    made = {str(CustomerFactory().public_id) for _ in range(5)}

    seen, url, pages = [], CUSTOMERS + "?page_size=2", 0
    while url:
        body = api.get(url).json()
        assert len(body["results"]) <= 2
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1

    assert pages == 3
    assert sorted(seen) == sorted(made)


def test_a_cursor_carries_a_timestamp_and_no_sequential_id(api):
    for _ in range(3):
        CustomerFactory()

    next_link = api.get(CUSTOMERS, {"page_size": 1}).json()["next"]

    token = parse_qs(urlparse(next_link).query)["cursor"][0]
    decoded = parse_qs(base64.b64decode(token + "=" * (-len(token) % 4)).decode())
    assert set(decoded) <= {"o", "r", "p"}
    dt.datetime.fromisoformat(decoded["p"][0])  # the position is a creation time


def test_an_invalid_cursor_is_not_found(api):
    assert api.get(CUSTOMERS, {"cursor": "not-a-cursor"}).status_code == 404


def test_payloads_identify_records_by_uuid_and_never_by_database_id(api):
    customer = CustomerFactory(id=987_654_321)
    order = OrderFactory(id=876_543_219, customer=customer)

    customers = api.get(CUSTOMERS)
    detail = api.get(customer_url(customer))
    orders = api.get(ORDERS)

    for response in (customers, detail, orders):
        assert response.status_code == 200
        assert b"987654321" not in response.content
        assert b"876543219" not in response.content
    assert uuid.UUID(detail.json()["id"]) == customer.public_id
    assert orders.json()["results"][0]["id"] == str(order.public_id)
    assert orders.json()["results"][0]["customer"] == str(customer.public_id)


def test_the_list_runs_the_same_queries_for_5_or_60_customers(
    api_client_for, manager, django_assert_max_num_queries
):
    client = api_client_for(manager)
    CustomerFactory.create_batch(5, interests=["chess"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(CUSTOMERS).status_code == 200

    CustomerFactory.create_batch(55, interests=["chess", "golf"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CUSTOMERS)

    assert len(response.json()["results"]) == 50
    assert response.json()["results"][0]["interests"] == ["chess", "golf"]


# Orders -----------------------------------------------------------------------


def test_orders_are_listed_with_their_lines_and_can_be_filtered_by_customer(api):
    ada = CustomerFactory()
    order = OrderFactory(
        customer=ada,
        lines=[
            {"product_category": "books", "quantity": 2, "amount": Decimal("20.00")},
            {"product_category": "garden", "amount": Decimal("5.50")},
        ],
    )
    OrderFactory()

    response = api.get(ORDERS, {"customer": str(ada.public_id)})

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == str(order.public_id)
    assert item["total_amount"] == "25.50"
    assert item["lines"] == [
        {"product_category": "books", "quantity": 2, "amount": "20.00"},
        {"product_category": "garden", "quantity": 1, "amount": "5.50"},
    ]


def test_an_order_is_created_with_its_total(api):
    customer = CustomerFactory()

    response = api.post(
        ORDERS,
        {
            "customer": str(customer.public_id),
            "ordered_at": "2025-03-01T10:00:00Z",
            "channel": "store",
            "currency": "eur",
            "external_id": "T-1",
            "lines": [
                {"product_category": "books", "quantity": 3, "amount": "30.00"},
                {"product_category": "toys", "amount": "4.99"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total_amount"], body["currency"], body["source"]) == ("34.99", "EUR", "api")
    assert Order.objects.get(public_id=body["id"]).lines.count() == 2


def _order_payload(customer, **overrides) -> dict:
    return {
        "customer": str(customer.public_id),
        "ordered_at": "2025-03-01T10:00:00Z",
        "channel": "online",
        "lines": [{"product_category": "books", "amount": "1.00"}],
        **overrides,
    }


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "This list may not be empty."),
        ("books", 'Expected a list of items but got type "str".'),
    ],
)
def test_an_order_without_a_list_of_lines_gets_a_list_of_messages(api, lines, message):
    response = api.post(ORDERS, _order_payload(CustomerFactory(), lines=lines), format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": [message]}
    assert Order.objects.count() == 0


def test_bad_order_lines_get_messages_per_line(api):
    response = api.post(
        ORDERS,
        _order_payload(
            CustomerFactory(),
            lines=[
                {"product_category": "books", "amount": "1.00"},
                {"product_category": "toys", "quantity": 0, "amount": "-2"},
            ],
        ),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["lines"] == {
        "1": {
            "quantity": ["Ensure this value is greater than or equal to 1."],
            "amount": ["Ensure this value is greater than or equal to 0."],
        },
    }
    assert Order.objects.count() == 0


def test_a_bad_currency_gets_a_message_on_the_currency(api):
    response = api.post(ORDERS, _order_payload(CustomerFactory(), currency="g1"), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "currency": ["“G1” is not an ISO 4217 currency code (three capital letters, such as GBP)."]
    }


def test_an_order_for_an_archived_customer_is_refused(api):
    customer = CustomerFactory()
    services.customer_archive(customer=customer)

    response = api.post(ORDERS, _order_payload(customer), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["customer"]


# Attribute definitions --------------------------------------------------------


def test_attribute_definitions_can_be_created_read_changed_and_deleted(api):
    created = api.post(
        ATTRIBUTES,
        {
            "name": "tier",
            "label": "Loyalty tier",
            "data_type": "choice",
            "allowed_values": ["bronze", "gold"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content

    listed = api.get(ATTRIBUTES).json()
    assert [item["name"] for item in listed] == ["tier"]

    detail = reverse("api:attribute-detail", kwargs={"name": "tier"})
    changed = api.patch(detail, {"allowed_values": ["bronze", "silver", "gold"]}, format="json")
    assert changed.status_code == 200, changed.content
    assert AttributeDefinition.objects.get(name="tier").allowed_values == [
        "bronze",
        "silver",
        "gold",
    ]

    assert api.delete(detail).status_code == 204
    assert not AttributeDefinition.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "tier", "label": "Tier", "data_type": "colour"}, "data_type"),
        ({"name": "Tier!", "label": "Tier", "data_type": "text"}, "name"),
        ({"name": "tier", "label": "Tier", "data_type": "choice"}, "allowed_values"),
        (
            {"name": "tier", "label": "Tier", "data_type": "text", "allowed_values": ["a"]},
            "allowed_values",
        ),
    ],
)
def test_a_bad_attribute_definition_gets_a_message_on_its_field(api, payload, field):
    response = api.post(ATTRIBUTES, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert isinstance(response.json()[field], list)
    assert not AttributeDefinition.objects.exists()


def test_a_patch_keeps_an_attribute_definition_consistent(api):
    AttributeDefinitionFactory(name="tier", data_type="choice", allowed_values=["gold"])

    response = api.patch(
        reverse("api:attribute-detail", kwargs={"name": "tier"}),
        {"data_type": "text"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["allowed_values"]


def test_customer_attributes_are_checked_against_the_definitions(api):
    AttributeDefinitionFactory(name="loyalty_points", data_type="integer")

    good = api.post(
        CUSTOMERS, {"first_name": "Ada", "attributes": {"loyalty_points": "12"}}, format="json"
    )
    bad = api.post(
        CUSTOMERS, {"first_name": "Bo", "attributes": {"loyalty_points": "lots"}}, format="json"
    )

    assert good.status_code == 201
    assert good.json()["attributes"] == {"loyalty_points": 12}
    assert bad.status_code == 400
    assert bad.json() == {"attributes": ["loyalty_points: “lots” is not a valid whole number."]}


# Schema and docs --------------------------------------------------------------


def test_the_openapi_schema_describes_the_api(api):
    response = api.get(reverse("schema"), {"format": "json"})

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert {"/api/v1/customers/", "/api/v1/orders/", "/api/v1/attributes/"} <= set(paths)
    assert "put" not in paths["/api/v1/customers/{public_id}/"]
    assert "delete" not in paths["/api/v1/customers/{public_id}/"]
