"""The governance pages: the section's home and a customer's consent page."""

import pytest
from django.urls import reverse

from governance import services
from governance.models import Consent, SuppressionEntry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

GRANT = {"capture_method": "web_form", "source": "sign-up", "wording_version": "v1"}


def _page(customer):
    return reverse("governance:customer-consents", args=[customer.public_id])


def test_the_navigation_leads_to_the_governance_home_page(page_client_for, dpo):
    client = page_client_for(dpo)

    home = client.get(reverse("home")).content.decode()
    page = client.get(reverse("governance:home"))

    assert f'href="{reverse("governance:home")}"' in home
    assert page.status_code == 200
    assert "<h1>Governance</h1>" in page.content.decode()
    assert "Email marketing" in page.content.decode()
    assert b"not built yet" not in page.content


def test_the_home_page_tells_a_user_without_a_role_there_is_nothing(page_client_for, outsider):
    page = page_client_for(outsider).get(reverse("governance:home"))

    assert page.status_code == 200
    assert b"Email marketing" not in page.content
    assert b"no role in governance" in page.content


def test_the_consent_page_shows_the_current_state_and_history(page_client_for, marketing_user):
    ada = CustomerFactory(first_name="Ada", last_name="Lovelace")
    services.consent_grant(customer=ada, purpose="sms_marketing", channel="sms", **GRANT)

    page = page_client_for(marketing_user).get(_page(ada)).content.decode()

    assert "Consent: Ada Lovelace" in page
    assert "SMS marketing" in page
    assert "never asked" in page  # email marketing
    assert "Withdraw</button>" in page


def test_withdrawal_asks_to_confirm_and_how_it_arrived_then_answers_with_the_panel(
    page_client_for, marketing_user
):
    ada = CustomerFactory()
    services.consent_grant(customer=ada, purpose="sms_marketing", channel="sms", **GRANT)
    client = page_client_for(marketing_user)
    url = reverse("governance:consent-withdraw", args=[ada.public_id])
    choice = {"purpose": "sms_marketing", "channel": "sms"}

    asked = client.post(url, choice, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="consent-panel")
    unanswered = client.post(url, {**choice, "confirmed": "yes"}, HTTP_HX_REQUEST="true")
    assert Consent.objects.filter(status="withdrawn").count() == 0
    response = client.post(
        url,
        {**choice, "confirmed": "yes", "capture_method": "email_reply", "source": "mail 26 Nov"},
        HTTP_HX_REQUEST="true",
    )

    assert asked.status_code == 200
    assert "Withdraw this consent?" in asked.content.decode()
    assert "How did the withdrawal arrive?" in asked.content.decode()
    assert 'name="purpose" value="sms_marketing"' in asked.content.decode()
    assert unanswered.status_code == 400
    assert response.status_code == 200
    assert b"Consent withdrawn." in response.content
    assert b"<h1>" not in response.content  # the panel only
    latest = Consent.objects.order_by("-pk").first()
    assert (latest.status, latest.actor) == ("withdrawn", marketing_user)
    assert (latest.capture_method, latest.source) == ("email_reply", "mail 26 Nov")


def test_a_withdrawal_of_an_unknown_purpose_is_refused_with_the_reason(
    page_client_for, marketing_user
):
    ada = CustomerFactory()

    response = page_client_for(marketing_user).post(
        reverse("governance:consent-withdraw", args=[ada.public_id]),
        {
            "purpose": "telepathy",
            "channel": "sms",
            "confirmed": "yes",
            "capture_method": "phone_call",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert "“telepathy” is not a purpose" in response.content.decode()
    assert Consent.objects.count() == 0


def test_staff_record_a_grant_from_the_page(page_client_for, manager):
    ada = CustomerFactory()

    response = page_client_for(manager).post(
        _page(ada),
        {
            "purpose": "phone_marketing",
            "channel": "phone",
            "capture_method": "phone_call",
            "source": "call ref 4411",
            "wording_version": "phone-v2",
        },
    )

    assert response.status_code == 302
    assert Consent.objects.get().actor == manager


def test_a_grant_on_a_channel_the_purpose_does_not_use_is_refused_on_the_form(
    page_client_for, manager
):
    ada = CustomerFactory()

    response = page_client_for(manager).post(
        _page(ada),
        {
            "purpose": "phone_marketing",
            "channel": "email",
            "capture_method": "phone_call",
            "source": "call",
            "wording_version": "phone-v2",
        },
    )

    assert response.status_code == 400
    assert "Phone marketing does not use email" in response.content.decode()
    assert Consent.objects.count() == 0


def test_an_objection_from_the_page_withdraws_and_suppresses(page_client_for, steward):
    ada = CustomerFactory()

    response = page_client_for(steward).post(
        reverse("governance:objection", args=[ada.public_id]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert b"Objection recorded" in response.content
    assert SuppressionEntry.objects.count() == 2


def test_a_user_without_a_role_cannot_see_or_change_consent(page_client_for, outsider):
    ada = CustomerFactory()
    client = page_client_for(outsider)

    assert client.get(_page(ada)).status_code == 403
    withdraw = reverse("governance:consent-withdraw", args=[ada.public_id])
    assert client.post(withdraw, {"purpose": "sms_marketing", "channel": "sms"}).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        reverse("governance:home"),
        reverse("governance:customer-consents", args=["00000000-0000-0000-0000-000000000001"]),
    ],
)
def test_every_governance_page_needs_a_log_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
