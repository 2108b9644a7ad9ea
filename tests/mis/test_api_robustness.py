"""The API never answers 500 to what a caller sends: no format-suffix routes
that the views cannot serve, and every filter checks its range, answering 400
with the filter's name and the reason."""

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from customers.models import AttributeDefinition
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _api_patterns(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            yield route, entry.name


def test_no_api_route_takes_a_format_suffix_but_the_exports_file_type():
    suffixed = [name for route, name in _api_patterns() if "format" in route]

    assert suffixed == ["customer-export-file"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/customers.json", "/api/v1/orders.json", "/api/v1/insight/strategies.json"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_json_suffix_is_not_found(api_client_for, steward, path, method):
    assert getattr(api_client_for(steward), method)(path).status_code == 404


@pytest.mark.parametrize(
    ("url_name", "query", "field", "reason"),
    [
        (
            "api:customer-list",
            "age_min=-14011821158334064",
            "age_min",
            "greater than or equal to 0",
        ),
        ("api:customer-list", "age_max=151", "age_max", "less than or equal to 150"),
        ("api:customer-list", "age_min=1e400", "age_min", "less than or equal to 150"),
        ("api:customer-list", "age_max=2.5", "age_max", "decimal places"),
        ("api:customer-export", "age_max=-3.7e16", "age_max", "greater than or equal to 0"),
        (
            "api:customer-list",
            "created_after=0001-01-01T00:00:00%2B17:48",
            "created_after",
            "out of range",
        ),
        ("api:customer-list", "verified_before=31-31-2024", "verified_before", "valid date"),
        (
            "api:order-list",
            "ordered_before=9999-12-31T23:59:59-17:48",
            "ordered_before",
            "out of range",
        ),
        ("api:order-list", "customer=not-a-uuid", "customer", "valid UUID"),
        ("governance-api:consent-list", "customer=null", "customer", "valid UUID"),
        ("insight-api:strategy-list", "status=nonsense", "status", "valid choice"),
        ("insight-api:criterion-list", "strategy=1", "strategy", "valid UUID"),
        ("insight-api:evaluation-list", "strategy=x&status=y", "strategy", "valid UUID"),
        ("insight-api:insight-list", "confidence=total", "confidence", "valid choice"),
    ],
)
def test_an_out_of_range_filter_is_a_400_naming_the_filter(
    api_client_for, manager, url_name, query, field, reason
):
    response = api_client_for(manager).get(f"{reverse(url_name)}?{query}")

    assert response.status_code == 400
    assert any(reason in message for message in response.json()[field])


def test_a_time_zone_offset_postgresql_refuses_is_compared_in_utc(api_client_for, manager):
    customer = CustomerFactory()
    # 17:48 ahead of UTC: the customer was created after that moment.
    moment = (customer.created_at - dt.timedelta(hours=1)).astimezone(
        dt.timezone(dt.timedelta(hours=17, minutes=48))
    )
    query = moment.isoformat().replace("+", "%2B")

    after = api_client_for(manager).get(f"{reverse('api:customer-list')}?created_after={query}")
    before = api_client_for(manager).get(f"{reverse('api:customer-list')}?created_before={query}")

    assert after.status_code == before.status_code == 200
    assert [c["id"] for c in after.json()["results"]] == [str(customer.public_id)]
    assert before.json()["results"] == []


def test_the_customer_list_page_says_which_filter_is_wrong(page_client_for, manager):
    response = page_client_for(manager).get("/customers/?age_min=-14011821158334064")

    assert response.status_code == 200
    assert re.search(rb"greater than or equal to 0", response.content)


@pytest.mark.parametrize("value", ["null", "", "{}"])
def test_allowed_values_that_are_not_a_list_are_refused_in_multipart(
    api_client_for, steward, value
):
    response = api_client_for(steward).post(
        reverse("api:attribute-list"),
        {"name": "shoe_size", "label": "Shoe size", "data_type": "text", "allowed_values": value},
        format="multipart",
    )

    assert response.status_code == 400
    assert "allowed_values" in response.json()
    assert not AttributeDefinition.objects.exists()


def test_allowed_values_in_multipart_make_a_choice_attribute(api_client_for, steward):
    response = api_client_for(steward).post(
        reverse("api:attribute-list"),
        {
            "name": "tier",
            "label": "Tier",
            "data_type": "choice",
            "allowed_values": ["gold", "silver"],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert AttributeDefinition.objects.get().allowed_values == ["gold", "silver"]
