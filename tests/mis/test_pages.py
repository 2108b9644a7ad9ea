"""The pages outside the customer section: login, home, the sections still to
come, the API docs; and that nothing is shown to anonymous visitors."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD, CustomerFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

# Every section of the navigation.
SECTIONS = ["imports", "quality", "duplicates", "segments", "analytics", "insight", "governance"]

PAGES = [
    reverse("home"),
    reverse("customers:list"),
    reverse("customers:create"),
    reverse("customers:detail", args=[uuid.uuid4()]),
    reverse("customers:edit", args=[uuid.uuid4()]),
    *(f"/{section}/" for section in SECTIONS),
    reverse("api-docs"),
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


def test_the_health_check_answers_without_login(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_login_page_logs_a_person_in_and_sends_them_on(client):
    UserFactory(username="ada")

    page = client.get(reverse("login"))
    response = client.post(
        reverse("login"), {"username": "ada", "password": PASSWORD, "next": "/quality/"}
    )

    assert page.status_code == 200
    assert b'name="username"' in page.content
    assert response.status_code == 302
    assert response["Location"] == "/quality/"
    assert client.get(reverse("home")).status_code == 200


def test_the_login_page_refuses_a_wrong_password(client):
    UserFactory(username="ada")

    response = client.post(reverse("login"), {"username": "ada", "password": "wrong"})

    assert response.status_code == 200
    assert b"did not match" in response.content
    assert client.get(reverse("home")).status_code == 302


def test_logging_out_ends_the_session(page_client_for, marketing_user):
    client = page_client_for(marketing_user)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    "name", ["marketing_user", "manager", "steward", "dpo", "integration_user"]
)
def test_the_home_page_shows_figures_and_recent_customers_to_the_roles(
    page_client_for, persona, name
):
    CustomerFactory(first_name="Ada", last_name="Lovelace", lifecycle_stage="lead")
    OrderFactory()

    page = page_client_for(persona(name)).get(reverse("home")).content.decode()

    assert "Ada Lovelace" in page
    assert re.search(r"<strong>2</strong>customers and prospects", page)
    assert re.search(r"<strong>1</strong>leads?</article>", page)
    assert re.search(r"<strong>1</strong>orders?</article>", page)


def test_the_home_page_shows_no_customer_to_a_user_without_a_role(page_client_for, outsider):
    CustomerFactory(first_name="Ada", last_name="Lovelace")

    response = page_client_for(outsider).get(reverse("home"))

    assert response.status_code == 200
    assert b"Ada Lovelace" not in response.content
    assert b"customers and prospects" not in response.content
    assert b"no role" in response.content


def test_the_home_page_runs_the_same_few_queries_for_5_or_60_customers(
    page_client_for, marketing_user, django_assert_max_num_queries
):
    client = page_client_for(marketing_user)
    CustomerFactory.create_batch(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("home")).status_code == 200

    CustomerFactory.create_batch(55)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("home")).status_code == 200

    # One more than before the overview's key figures: before the first metrics
    # refresh it looks for the refreshed counts, then counts live.
    # Three of them write the access-log row for the recent customers shown
    # (the chain's lock, the previous row's hash, the insert).
    assert len(few.captured_queries) <= 12


# API docs ---------------------------------------------------------------------


def test_the_api_docs_load_from_local_static_files_only(page_client_for, marketing_user):
    response = page_client_for(marketing_user).get(reverse("api-docs"))

    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, "the docs page loads its scripts and styles"
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert "cdn" not in page.lower()
    assert not re.search(r"https?://", page)


def test_the_api_docs_point_at_the_local_schema(page_client_for, marketing_user):
    page = page_client_for(marketing_user).get(reverse("api-docs")).content.decode()

    assert f'"{reverse("schema")}"' in page
