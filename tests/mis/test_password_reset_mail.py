"""A password reset mail goes out through a real SMTP server (aiosmtpd,
started by the test: ``smtp_inbox``) and its link sets a new password."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.smtp import Inbox

pytestmark = pytest.mark.django_db


def test_a_reset_mail_arrives_by_smtp_and_its_link_sets_a_new_password(smtp_inbox, settings):
    settings.DEFAULT_FROM_EMAIL = "MIS <mis@example.com>"
    user = UserFactory(username="rita.reset", email="rita@example.com")
    client = Client()

    asked = client.post(reverse("password_reset"), {"email": "Rita@example.com"})

    assert asked.status_code == 302
    [mail] = smtp_inbox.to("rita@example.com")
    assert mail["From"] == "MIS <mis@example.com>"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", Inbox.text(mail)).group(1)
    form = client.get(link, follow=True)
    assert b"Set a new password" in form.content
    new_password = "a brand new long passphrase"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_no_mail_goes_to_an_address_no_account_has(smtp_inbox):
    asked = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})

    # The same answer as for a known address: nothing tells who has an account.
    assert asked.status_code == 302
    assert smtp_inbox.messages == []
