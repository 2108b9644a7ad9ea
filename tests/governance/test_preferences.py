"""The preference centre: a signed, expiring link; each change a consent
event with its wording, time and link; email confirmed by double opt-in."""

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from governance.models import Consent
from governance.services.preferences import preference_link_make
from integrations.models import Scope
from integrations.services import api_key_create
from tests.factories import CustomerFactory
from tests.governance.consents import grant_newsletter
from tests.integrations.test_api_keys import key_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(db):
    ann = CustomerFactory(first_name="Ann", email="ann@example.com", phone="")
    grant_newsletter(ann)
    return ann


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_api_makes_a_link_that_opens_the_page_without_logging_in(ann, integration_user, client):
    _, key = api_key_create(name="ESP", user=integration_user, scopes=[Scope.CONSENTS_WRITE])
    answer = key_client(key).post(
        "/api/v1/preference-links/", {"customer": str(ann.public_id)}, format="json"
    )
    assert answer.status_code == 201, answer.content
    link = answer.json()["url"]

    page = client.get(path_of(link))

    assert page.status_code == 200
    assert "Hello Ann" in page.text
    assert "a•••@example.com" in page.text
    assert 'data-purpose="email_marketing" data-channel="email"' in page.text


def test_a_key_without_consents_write_may_not_make_links(ann, integration_user):
    _, key = api_key_create(name="BI", user=integration_user, scopes=[Scope.CUSTOMERS_READ])
    answer = key_client(key).post(
        "/api/v1/preference-links/", {"customer": str(ann.public_id)}, format="json"
    )
    assert answer.status_code == 403


def test_a_withdrawal_is_recorded_at_once_with_its_wording_time_and_link(ann, client):
    link = preference_link_make(customer=ann)
    client.post(
        path_of(link.url),
        {"purpose": "email_marketing", "channel": "email", "action": "withdraw"},
        HTTP_USER_AGENT="Test browser",
    )
    event = Consent.objects.filter(customer=ann).latest("recorded_at")
    assert (event.status, event.capture_method, event.source) == (
        "withdrawn",
        "web_form",
        "preference centre",
    )
    assert event.wording_text.startswith("Email marketing by email. Newsletters and offers")
    proof = json.loads(event.evidence)
    assert proof["link_signature"] == link.token.rsplit(":", 1)[1]
    assert proof["link_issued_at"][:10] == dt.date.today().isoformat()
    assert proof["client"] == "Test browser"
    assert event.actor is None


def test_email_consent_waits_for_the_double_opt_in(ann, client, django_capture_on_commit_callbacks):
    link = preference_link_make(customer=ann)
    client.post(path_of(link.url), {"purpose": "email_marketing", "channel": "email",
                                   "action": "withdraw"})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            path_of(link.url),
            {"purpose": "email_marketing", "channel": "email", "action": "give"},
            follow=True,
        )
    assert "We have sent you an email" in page.text
    assert Consent.objects.filter(customer=ann).latest("recorded_at").status == "withdrawn"
    (sent,) = mail.outbox
    assert sent.to == ["ann@example.com"]
    confirm = re.search(r"https?://\S+/preferences/confirm/\S+/", sent.body).group(0)

    # Opening the link (as a mail scanner would) records nothing; pressing Confirm does.
    assert "Please confirm" in client.get(path_of(confirm)).text
    assert Consent.objects.filter(customer=ann).latest("recorded_at").status == "withdrawn"
    client.post(path_of(confirm))
    client.post(path_of(confirm))

    granted = Consent.objects.filter(customer=ann, status="granted").latest("recorded_at")
    assert granted.capture_method == "double_opt_in"
    proof = json.loads(granted.evidence)
    assert proof["confirmation_signature"] == confirm.rstrip("/").rsplit(":", 1)[1]
    assert proof["link_signature"] == link.token.rsplit(":", 1)[1]
    assert Consent.objects.filter(customer=ann, capture_method="double_opt_in").count() == 1


def test_other_channels_are_given_at_once(ann, client):
    link = preference_link_make(customer=ann)
    client.post(path_of(link.url), {"purpose": "post_marketing", "channel": "post",
                                   "action": "give"})  # fmt: skip
    event = Consent.objects.filter(customer=ann, purpose__code="post_marketing").get()
    assert (event.status, event.capture_method) == ("granted", "web_form")
    assert not mail.outbox


def test_a_channel_the_purpose_does_not_use_is_refused(ann, client):
    link = preference_link_make(customer=ann)
    page = client.post(
        path_of(link.url),
        {"purpose": "email_marketing", "channel": "sms", "action": "give"},
        follow=True,
    )
    assert "Email marketing is not offered by sms." in page.text
    assert Consent.objects.filter(customer=ann).count() == 1


def test_an_expired_or_tampered_link_is_refused_and_records_nothing(ann, client, settings):
    link = preference_link_make(customer=ann)
    tampered = client.get(path_of(link.url)[:-3] + "xx/")
    assert tampered.status_code == 404
    assert "not valid" in tampered.text

    settings.PREFERENCE_LINK_MAX_AGE_DAYS = -1
    expired = client.post(
        path_of(link.url), {"purpose": "email_marketing", "channel": "email", "action": "withdraw"}
    )
    assert expired.status_code == 404
    assert "expired" in expired.text
    assert Consent.objects.filter(customer=ann).count() == 1


def test_the_link_of_a_merged_record_leads_to_the_survivor(ann, client, steward):
    from customers.duplicates.services.merge import customers_merge

    twin = CustomerFactory(first_name="Ann", email="ann@example.com")
    link = preference_link_make(customer=twin)
    customers_merge(survivor=ann, merged=twin, actor=steward)

    client.post(path_of(link.url), {"purpose": "email_marketing", "channel": "email",
                                   "action": "withdraw"})  # fmt: skip

    assert Consent.objects.filter(customer=ann).latest("recorded_at").status == "withdrawn"
    assert reverse("preferences", kwargs={"token": link.token}) in link.url
