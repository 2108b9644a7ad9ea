"""A password reset mail goes out through a real SMTP server (aiosmtpd,
started by the test) and its link sets a new password."""

import re
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "MIS <mis@example.com>"
    mail.outbox = []
    yield inbox
    controller.stop()


def test_a_reset_mail_arrives_by_smtp_and_its_link_sets_a_new_password(smtp_server):
    user = UserFactory(username="rita.reset", email="rita@example.com")
    client = Client()

    asked = client.post(reverse("password_reset"), {"email": "Rita@example.com"})

    assert asked.status_code == 302
    [(sender, recipients, content)] = smtp_server.messages
    assert sender == "mis@example.com"
    assert recipients == ["rita@example.com"]
    body = message_from_bytes(content).get_payload(decode=True).decode()
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert b"Set a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "a brand new long passphrase",
            "new_password2": "a brand new long passphrase",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new long passphrase")


def test_no_mail_goes_to_an_address_no_account_has(smtp_server):
    asked = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})

    # The same answer as for a known address: nothing tells who has an account.
    assert asked.status_code == 302
    assert smtp_server.messages == []
