"""Journey: a customer opens the preference-centre link from a campaign mail,
stops the newsletter, asks for it again, and confirms through the double
opt-in mail that a real SMTP server receives."""

import importlib
import json
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from governance.models import Consent
from governance.services.preferences import preference_link_make
from tests.factories import CustomerFactory
from tests.governance.consents import grant_newsletter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mailbox(settings, live_server, smtp_inbox):
    settings.SITE_URL = live_server.url
    return smtp_inbox


def test_a_customer_withdraws_and_gives_again_through_the_link_and_confirms_by_mail(
    page, mailbox, screenshot
):
    importlib.import_module("governance.migrations.0002_purposes").seed(apps, None)
    ann = CustomerFactory(first_name="Ann", email="ann@example.com")
    grant_newsletter(ann)
    link = preference_link_make(customer=ann)
    newsletter = page.locator('tr[data-purpose="email_marketing"][data-channel="email"]')

    page.goto(link.url)
    expect(page.get_by_role("heading", name="Your preferences")).to_be_visible()
    expect(newsletter.locator("td").nth(2)).to_have_text("Yes")
    screenshot("preferences")

    page.get_by_role("button", name="Stop Email marketing by Email").click()
    expect(page.get_by_role("status")).to_contain_text("you will no longer receive")
    expect(newsletter.locator("td").nth(2)).to_have_text("No (withdrawn)")
    screenshot("withdrawn")

    page.get_by_role("button", name="Agree to Email marketing by Email").click()
    expect(page.get_by_role("status")).to_contain_text("We have sent you an email")
    expect(newsletter.locator("td").nth(2)).to_have_text("No (withdrawn)")

    # The mail was handed to the SMTP server before the page answered.
    (message,) = mailbox.to("ann@example.com")
    assert mailbox.subject(message) == "Please confirm: Email marketing by email"
    body = mailbox.text(message)
    confirm = re.search(r"http://\S+/preferences/confirm/\S+/", body).group(0)

    page.goto(confirm)
    expect(page.get_by_role("heading", name="Please confirm")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Confirmed")).to_be_visible()
    screenshot("confirmed")

    page.goto(link.url)
    expect(newsletter.locator("td").nth(2)).to_have_text("Yes")

    events = list(Consent.objects.filter(customer=ann).order_by("recorded_at"))
    assert [(e.status, e.capture_method) for e in events] == [
        ("granted", "web_form"),
        ("withdrawn", "web_form"),
        ("granted", "double_opt_in"),
    ]
    for event in events[1:]:
        assert event.wording_text.startswith("Email marketing by email.")
        assert json.loads(event.evidence)["link_signature"] == link.token.rsplit(":", 1)[1]
