"""Registering a data-subject request: the customer is found with the picker
(name, e-mail or external id), or the person is not in the database at all;
erasing asks for the name to be typed first."""

import pytest
from django.urls import reverse

from customers.models import Customer
from governance.models import DataSubjectRequest, RequestStatus, SuppressionEntry
from governance.services import requests as dsr
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("typed", ["lovelace", "ada@example.org", "CRM-1815"])
def test_the_picker_finds_a_customer_by_name_email_or_external_id(page_client_for, dpo, typed):
    ada = CustomerFactory(
        first_name="Ada", last_name="Lovelace", email="ada@example.org", external_id="CRM-1815"
    )
    CustomerFactory(first_name="Charles", last_name="Babbage", email="cb@example.org")

    page = page_client_for(dpo).get(reverse("customers:pick"), {"q": typed, "field": "customer"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "Ada Lovelace" in text and "Babbage" not in text
    assert f"chosen={ada.public_id}" in text


def test_choosing_a_customer_puts_its_id_in_the_form(page_client_for, dpo):
    ada = CustomerFactory(first_name="Ada", last_name="Lovelace")

    page = page_client_for(dpo).get(
        reverse("customers:pick"), {"field": "customer", "chosen": str(ada.public_id)}
    )

    assert f'<input type="hidden" name="customer" value="{ada.public_id}">' in page.content.decode()
    assert "Choose another" in page.content.decode()


def test_the_picker_says_when_nothing_matches_and_is_closed_to_outsiders(
    page_client_for, dpo, outsider
):
    nothing = page_client_for(dpo).get(reverse("customers:pick"), {"q": "zzzz"})
    refused = page_client_for(outsider).get(reverse("customers:pick"), {"q": "zzzz"})

    assert "No customer matches “zzzz”" in nothing.content.decode()
    assert refused.status_code == 403


def test_the_customer_page_leads_to_a_request_with_the_customer_chosen(page_client_for, dpo):
    ada = CustomerFactory(first_name="Ada", last_name="Lovelace")
    client = page_client_for(dpo)

    detail = client.get(ada.get_absolute_url()).content.decode()
    link = f"{reverse('governance:requests')}?customer={ada.public_id}"
    form = client.get(link).content.decode()

    assert f'href="{link}#register"' in detail
    assert f'name="customer" value="{ada.public_id}"' in form
    assert "Customer: <strong>Ada Lovelace</strong>" in form


def test_a_request_from_someone_not_in_the_database_is_registered_and_fulfilled(
    page_client_for, dpo
):
    client = page_client_for(dpo)

    response = client.post(
        reverse("governance:requests"),
        {
            "requester_name": "Grace Hopper",
            "requester_contact": "grace@example.org",
            "kind": "objection",
            "received_via": "letter",
        },
    )
    request = DataSubjectRequest.objects.get()
    listed = client.get(reverse("governance:requests")).content.decode()
    dsr.dsr_identity_check(request=request, verified=True, method="letterhead", actor=dpo)
    dsr.dsr_fulfil(request=request, actor=dpo)

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.customer, request.requester_name) == (None, "Grace Hopper")
    assert request.status == RequestStatus.FULFILLED
    assert request.outcome == "No personal data about this person is held."
    # A later import must not bring them in.
    assert SuppressionEntry.objects.filter(kind="email").count() == 1
    assert 'Grace Hopper <span class="provenance">(not a customer)</span>' in listed


def test_a_request_with_neither_customer_nor_name_is_refused_on_its_field(page_client_for, dpo):
    response = page_client_for(dpo).post(
        reverse("governance:requests"), {"kind": "access", "received_via": "email"}
    )

    assert response.status_code == 400
    assert "give the name of a person who is not in the database" in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_erasing_from_the_page_asks_for_the_name_typed_and_erases_only_then(page_client_for, dpo):
    zeb = CustomerFactory(first_name="Zeb", last_name="Quist")
    request = dsr.dsr_register(customer=zeb, kind="erasure", received_via="email")
    dsr.dsr_identity_check(request=request, verified=True, method="passport", actor=dpo)
    client = page_client_for(dpo)
    url = reverse("governance:request-fulfil", args=[request.public_id])

    asked = client.post(url, {})
    mistyped = client.post(url, {"confirmed": "yes", "typed_confirmation": "Zeb"})
    assert Customer.objects.filter(pk=zeb.pk).exists()
    done = client.post(url, {"confirmed": "yes", "typed_confirmation": " zeb  QUIST "})

    assert asked.status_code == 200
    assert "Erase Zeb Quist everywhere?" in asked.content.decode()
    assert "Type <strong>Zeb Quist</strong> to confirm" in asked.content.decode()
    assert mistyped.status_code == 400
    assert "Type “Zeb Quist” exactly to confirm." in mistyped.content.decode()
    assert done.status_code == 302
    assert not Customer.objects.filter(pk=zeb.pk).exists()
