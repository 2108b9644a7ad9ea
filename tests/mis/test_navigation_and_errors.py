"""The navigation shows each role what it may open, and only that; refusals,
missing pages, erased records and server errors get pages written for people."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from governance.services.erasure import customer_erase
from mis.context_processors import SECTIONS
from tests.conftest import PERSONAS
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def nav_links(html: str) -> dict[str, str]:
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    return {label: url for url, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


@pytest.mark.parametrize("name", PERSONAS)
def test_every_section_in_the_navigation_opens_and_every_other_refuses(
    page_client_for, persona, name
):
    client = page_client_for(persona(name))
    shown = nav_links(client.get(reverse("home")).content.decode())

    for _, label, url_name, _ in SECTIONS:
        response = client.get(reverse(url_name))
        if label in shown:
            assert response.status_code == 200, label
            assert b"<h1>" in response.content
        elif url_name not in ("insight:index", "governance:home"):
            # Those two front pages open for everyone but show nothing to a
            # role that reads nothing there, so they are left out of its menu.
            assert response.status_code == 403, label


def test_the_integration_user_sees_no_quality_or_duplicates(page_client_for, integration_user):
    shown = nav_links(page_client_for(integration_user).get(reverse("home")).content.decode())

    assert "Customers" in shown
    assert "Quality" not in shown
    assert "Duplicates" not in shown
    assert "Approvals" not in shown


def test_a_manager_sees_the_approvals_inbox_in_the_navigation(page_client_for, manager):
    shown = nav_links(page_client_for(manager).get(reverse("home")).content.decode())

    assert shown["Approvals"] == reverse("approvals")


def test_a_refusal_is_a_page_that_says_why_in_words(page_client_for, integration_user):
    response = page_client_for(integration_user).get(reverse("quality:dashboard"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is not open to you" in page
    assert "ask an administrator" in page
    assert "<nav>" in page  # the way back is there


def test_a_missing_page_is_a_page_for_people(page_client_for, marketing_user, settings):
    settings.DEBUG = False

    response = page_client_for(marketing_user).get("/no-such-page/")

    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()


def test_a_server_error_is_a_page_for_people(marketing_user, settings, monkeypatch):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(marketing_user)

    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("mis.views.overview_counts", broken)
    response = client.get(reverse("home"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "the database fell over" not in page


@pytest.mark.parametrize("action", ["delete", "anonymise"])
def test_an_erased_customers_address_says_the_record_was_erased(page_client_for, dpo, action):
    zeb = CustomerFactory(first_name="Zeb", last_name="Quist")
    address = zeb.get_absolute_url()
    tombstone = customer_erase(customer=zeb, action=action, reason="request", actor=dpo)

    response = page_client_for(dpo).get(address)

    assert response.status_code == 410
    page = response.content.decode()
    assert "This record was erased" in page
    assert str(tombstone.reference) in page
    assert "Zeb" not in page and "Quist" not in page


def test_a_tombstone_cannot_be_traced_to_the_id_without_the_key(dpo, settings):
    zeb = CustomerFactory()
    tombstone = customer_erase(customer=zeb, action="delete", reason="request", actor=dpo)

    assert str(zeb.public_id) not in tombstone.record_key
    settings.SUPPRESSION_KEY = "another-key"
    assert tombstone.record_key != type(tombstone).record_key_for(zeb.public_id)


def test_an_unknown_customer_id_is_still_not_found(page_client_for, dpo):
    response = page_client_for(dpo).get(reverse("customers:detail", args=[uuid.uuid4()]))

    assert response.status_code == 404


def test_every_page_names_the_vendored_favicon_and_the_root_one_leads_to_it(
    page_client_for, marketing_user, client
):
    page = page_client_for(marketing_user).get(reverse("home")).content.decode()
    icon = client.get("/favicon.ico")  # anonymous: browsers ask before logging in

    assert re.search(r'<link rel="icon" href="/static/favicon\.svg"', page)
    assert icon.status_code == 301
    assert icon["Location"] == "/static/favicon.ico"


def test_staff_see_admin_and_others_do_not(page_client_for, steward):
    staff = UserFactory(username="admin", is_staff=True)

    assert "Admin" not in nav_links(page_client_for(steward).get("/").content.decode())
    assert "Admin" in nav_links(page_client_for(staff).get("/").content.decode())
