"""The customer pages: list (search, filters, HTMX, keyset pages), detail,
add, edit and archive."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers import services
from customers.forms import CustomerForm
from customers.models import SENSITIVE_FIELDS, Customer
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
CREATE = reverse("customers:create")


def edit_url(customer: Customer) -> str:
    return reverse("customers:edit", kwargs={"public_id": customer.public_id})


def archive_url(customer: Customer) -> str:
    return reverse("customers:archive", kwargs={"public_id": customer.public_id})


def shown_names(response) -> list[str]:
    """The names in the result table, in order."""
    assert response.status_code == 200
    return re.findall(
        r'<td class="name"><a href="/customers/[0-9a-f-]+/">([^<]+)</a>', response.content.decode()
    )


# Who sees which page ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "list_status", "create_status"),
    [
        ("marketing_user", 200, 200),
        ("manager", 200, 200),
        ("steward", 200, 200),
        ("dpo", 200, 403),
        ("integration_user", 200, 200),
        ("outsider", 403, 403),
    ],
)
def test_the_customer_pages_render_for_the_roles_that_may_see_them(
    page_client_for, persona, name, list_status, create_status
):
    customer = CustomerFactory()
    client = page_client_for(persona(name))

    assert client.get(LIST).status_code == list_status
    assert client.get(customer.get_absolute_url()).status_code == list_status
    assert client.get(CREATE).status_code == create_status
    assert client.get(edit_url(customer)).status_code == create_status


def test_an_unknown_customer_is_not_found(page_client_for, marketing_user):
    unknown = CustomerFactory.build()  # never saved

    response = page_client_for(marketing_user).get(unknown.get_absolute_url())

    assert response.status_code == 404


# The list ---------------------------------------------------------------------


@pytest.fixture
def three(db):
    CustomerFactory(first_name="Ada", last_name="Lovelace", city="London", lifecycle_stage="lead")
    CustomerFactory(first_name="Bob", last_name="Baker", city="Leeds", lifecycle_stage="customer")
    CustomerFactory(first_name="Cy", last_name="Young", city="Leeds", archived_at=timezone.now())


def test_the_list_shows_active_customers_and_how_many_match(page_client_for, marketing_user, three):
    response = page_client_for(marketing_user).get(LIST)

    assert sorted(shown_names(response)) == ["Ada Lovelace", "Bob Baker"]
    assert b"2 matches" in response.content


def test_the_list_stops_counting_at_the_cap(page_client_for, marketing_user, three, monkeypatch):
    monkeypatch.setattr("customers.views.MATCH_COUNT_CAP", 1)

    response = page_client_for(marketing_user).get(LIST)

    assert b"More than 1 matches" in response.content


def test_the_list_searches_names_emails_phones_and_postcodes(
    page_client_for, marketing_user, three
):
    client = page_client_for(marketing_user)

    assert shown_names(client.get(LIST, {"q": "lovelace"})) == ["Ada Lovelace"]
    assert shown_names(client.get(LIST, {"q": "nobody at all"})) == []


def test_the_list_filters_on_data_components(page_client_for, marketing_user, three):
    client = page_client_for(marketing_user)

    assert shown_names(client.get(LIST, {"city": "leeds"})) == ["Bob Baker"]
    assert shown_names(client.get(LIST, {"lifecycle_stage": "lead"})) == ["Ada Lovelace"]
    assert shown_names(client.get(LIST, {"archived": "true"})) == ["Cy Young"]


def test_an_invalid_filter_shows_its_message_and_no_results(page_client_for, marketing_user, three):
    response = page_client_for(marketing_user).get(LIST, {"lifecycle_stage": "vip"})

    assert shown_names(response) == []
    assert b'role="alert"' in response.content
    assert b"vip is not one of the available choices" in response.content


def test_an_htmx_request_gets_only_the_results_fragment(page_client_for, marketing_user, three):
    client = page_client_for(marketing_user)

    full = client.get(LIST, {"q": "ada"})
    fragment = client.get(LIST, {"q": "ada"}, headers={"HX-Request": "true"})

    assert b"<html" in full.content
    assert b'id="results"' in full.content
    assert b"<html" not in fragment.content
    assert b'id="list-controls"' not in fragment.content  # the filters stay as they are
    assert b'id="results"' not in fragment.content
    assert shown_names(fragment) == ["Ada Lovelace"]
    assert b"1 match" in fragment.content


def test_keyset_pages_walk_the_list_newest_first(page_client_for, marketing_user, settings):
    settings.CUSTOMER_PAGE_SIZE = 2
    now = timezone.now()
    for age, name in enumerate(["Eve", "Dan", "Cy", "Bob", "Ada"]):
        customer = CustomerFactory(first_name=name, last_name="Test")
        Customer.objects.filter(pk=customer.pk).update(created_at=now - dt.timedelta(hours=age))
    client = page_client_for(marketing_user)

    seen, url = [], LIST
    while url:
        response = client.get(url)
        seen.append(shown_names(response))
        found = re.search(r'<a href="([^"]+)"[^>]*>Older', response.content.decode())
        url = found and found.group(1).replace("&amp;", "&")

    assert seen == [["Eve Test", "Dan Test"], ["Cy Test", "Bob Test"], ["Ada Test"]]


def test_a_page_link_keeps_the_filters(page_client_for, marketing_user, settings):
    settings.CUSTOMER_PAGE_SIZE = 1
    CustomerFactory.create_batch(2, city="Leeds")
    CustomerFactory(city="London")

    page = page_client_for(marketing_user).get(LIST, {"city": "Leeds"}).content.decode()

    next_link = re.search(r'<a href="([^"]+)"[^>]*>Older', page).group(1)
    assert "city=Leeds" in next_link
    assert "cursor=" in next_link


def test_an_invalid_page_link_is_not_found(page_client_for, marketing_user):
    response = page_client_for(marketing_user).get(LIST, {"cursor": "garbage"})

    assert response.status_code == 404


def test_the_list_runs_the_same_few_queries_for_5_or_60_customers(
    page_client_for, manager, django_assert_max_num_queries
):
    client = page_client_for(manager)
    CustomerFactory.create_batch(5, interests=["chess"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200

    CustomerFactory.create_batch(55, interests=["chess"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)

    assert len(shown_names(response)) == 50
    # Three of them write the access-log row (the chain's lock, the previous
    # row's hash, the insert).
    assert len(few.captured_queries) <= 13


# The detail page --------------------------------------------------------------


def test_the_detail_page_shows_the_components_orders_and_history(page_client_for, manager, steward):
    customer = services.customer_create(
        data={"first_name": "Ada", "last_name": "Lovelace", "city": "London"},
        source="web form",
        actor=steward,
    )
    services.customer_update(
        customer=customer, data={"city": "Leeds"}, source="crm sync", actor=steward
    )
    OrderFactory(
        customer=customer,
        external_id="W-77",
        lines=[{"product_category": "books", "quantity": 2, "amount": Decimal("1234.50")}],
    )

    page = page_client_for(manager).get(customer.get_absolute_url()).content.decode()

    for component in ("Identity", "Contact", "Geographic", "Demographic", "Psychographic"):
        assert f"<strong>{component}</strong>" in page
    assert "Leeds" in page
    assert "(crm sync)" in page  # where the city came from
    assert "W-77" in page
    assert "2 × books (1234.50)" in page
    assert "1,234.50 GBP" in page
    assert "updated from crm sync" in page
    assert "created from web form" in page
    assert "by sam.steward" in page
    assert "changed: city" in page


def test_the_detail_page_says_when_there_are_no_orders(page_client_for, manager):
    customer = CustomerFactory()

    assert b"No orders." in page_client_for(manager).get(customer.get_absolute_url()).content


# Adding a customer ------------------------------------------------------------


def form_fields(user, customer: Customer | None = None, **changes) -> dict:
    """What a browser would post from the form: every field shown, filled in."""
    form = CustomerForm(instance=customer, user=user)
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return {**data, **changes}


def test_the_create_form_saves_a_valid_customer_through_the_service(page_client_for, manager):
    response = page_client_for(manager).post(
        CREATE,
        form_fields(
            manager,
            first_name="Ada",
            last_name="Lovelace",
            email="ADA@Example.com",
            phone="07911 123456",
            postcode="sw1a1aa",
            country="GB",
            date_of_birth="1985-12-10",
            interests="Chess, sailing",
        ),
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert (customer.email, customer.phone, customer.postcode) == (
        "ada@example.com",
        "+447911123456",
        "SW1A 1AA",
    )
    assert customer.date_of_birth == dt.date(1985, 12, 10)
    assert sorted(i.name for i in customer.interests.all()) == ["chess", "sailing"]
    assert customer.source == "web form"
    assert customer.field_sources["email"]["source"] == "web form"
    assert customer.history.earliest("history_date").history_user == manager


def test_the_create_form_shows_each_bad_field_and_saves_nothing(page_client_for, manager):
    response = page_client_for(manager).post(
        CREATE,
        form_fields(
            manager,
            first_name="Ada",
            email="not-an-email",
            phone="12345",
            postcode="90210",
            country="GB",
        ),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a valid email address" in page.split('id="id_email_errors"')[1]
    assert "is not a valid phone number" in page.split('id="id_phone_errors"')[1]
    assert "is not a valid postcode for GB" in page.split('id="id_postcode_errors"')[1]
    assert not Customer.objects.exists()


def test_the_create_form_says_a_customer_needs_an_identity(page_client_for, marketing_user):
    response = page_client_for(marketing_user).post(CREATE, form_fields(marketing_user))

    assert response.status_code == 200
    assert response.content.decode().count("A customer needs an identity") == 1
    assert not Customer.objects.exists()


def test_the_create_form_offers_no_sensitive_field_to_marketing_staff(
    page_client_for, marketing_user
):
    page = page_client_for(marketing_user).get(CREATE).content.decode()

    assert 'name="first_name"' in page
    for field in SENSITIVE_FIELDS:
        assert f'name="{field}"' not in page


# Editing a customer -----------------------------------------------------------


@pytest.fixture
def ada(db) -> Customer:
    return CustomerFactory(
        first_name="Ada",
        city="London",
        date_of_birth=dt.date(1985, 12, 10),
        income_band="60k_100k",
        lifestyle="outdoor_active",
        values="sustainability",
        interests=["chess"],
    )


def test_the_edit_form_hides_sensitive_fields_from_marketing_staff(
    page_client_for, marketing_user, ada
):
    page = page_client_for(marketing_user).get(edit_url(ada)).content.decode()

    assert 'value="London"' in page
    for field in SENSITIVE_FIELDS:
        assert f'name="{field}"' not in page
    assert "1985" not in page


def test_editing_as_marketing_staff_keeps_the_sensitive_values_they_cannot_see(
    page_client_for, marketing_user, ada
):
    response = page_client_for(marketing_user).post(
        edit_url(ada), form_fields(marketing_user, ada, city="Leeds")
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.city == "Leeds"
    assert (ada.date_of_birth, ada.income_band, ada.lifestyle, ada.values) == (
        dt.date(1985, 12, 10),
        "60k_100k",
        "outdoor_active",
        "sustainability",
    )
    assert [i.name for i in ada.interests.all()] == ["chess"]
    assert ada.history.latest("history_date").history_user == marketing_user


def test_a_manager_edits_sensitive_fields_in_the_form(page_client_for, manager, ada):
    response = page_client_for(manager).post(
        edit_url(ada), form_fields(manager, ada, income_band="over_100k", interests="golf")
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.income_band == "over_100k"
    assert [i.name for i in ada.interests.all()] == ["golf"]


def test_a_bad_edit_shows_the_error_and_changes_nothing(page_client_for, manager, ada):
    response = page_client_for(manager).post(
        edit_url(ada), form_fields(manager, ada, city="Leeds", email="broken")
    )

    assert response.status_code == 200
    assert b'id="id_email_errors"' in response.content
    ada.refresh_from_db()
    assert ada.city == "London"


def test_an_archived_customer_cannot_be_edited_from_the_page(page_client_for, manager, ada):
    services.customer_archive(customer=ada)

    response = page_client_for(manager).get(edit_url(ada))

    assert response.status_code == 302
    assert response["Location"] == ada.get_absolute_url()


# Archiving --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("marketing_user", False),
        ("integration_user", False),
        ("manager", True),
        ("steward", True),
        ("dpo", True),
    ],
)
def test_the_archive_button_is_offered_only_to_roles_that_may_archive(
    page_client_for, persona, ada, name, offered
):
    page = page_client_for(persona(name)).get(ada.get_absolute_url()).content.decode()

    assert (f'action="{archive_url(ada)}"' in page) is offered
    assert (">Archive</button>" in page) is offered


def test_archive_and_restore_from_the_detail_page(page_client_for, steward, ada):
    client = page_client_for(steward)

    archived = client.post(archive_url(ada))
    ada.refresh_from_db()
    assert archived["Location"] == ada.get_absolute_url()
    assert ada.is_archived
    assert b">Restore</button>" in client.get(ada.get_absolute_url()).content

    client.post(archive_url(ada), {"restore": "1"})
    ada.refresh_from_db()
    assert not ada.is_archived


def test_marketing_staff_cannot_archive_by_posting_directly(page_client_for, marketing_user, ada):
    response = page_client_for(marketing_user).post(archive_url(ada))

    assert response.status_code == 403
    ada.refresh_from_db()
    assert not ada.is_archived


def test_the_customer_page_links_to_the_customers_consents(page_client_for, marketing_user):
    customer = CustomerFactory()

    page = page_client_for(marketing_user).get(customer.get_absolute_url()).content.decode()

    assert f'href="/governance/customers/{customer.public_id}/consents/">consents</a>' in page
