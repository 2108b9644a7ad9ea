"""Guessing passwords, tokens and reset mails is throttled: log-ins lock out
(django-axes) per user name and per address, a manager lifts the lock in
admin, and the API and password reset answer 429 past their rates."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mis import roles
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_PAGES = [("login", "username"), ("admin:login", "username")]


def _log_in(client: Client, url_name: str, username: str, password: str, address="10.0.0.1"):
    return client.post(
        reverse(url_name),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def _fast_hasher(settings) -> None:
    """Every failed guess runs the hasher; the real one would make this file slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_member() -> User:
    return UserFactory(
        username="sally.staff",
        password=make_password(PASSWORD),
        is_staff=True,
        roles=[roles.MARKETING_STAFF],
    )


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_the_right_password_after_the_failure_limit_is_refused(url_name, staff_member):
    client = Client()
    answers = [
        _log_in(client, url_name, "sally.staff", f"guess {n}").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    right = _log_in(client, url_name, "sally.staff", PASSWORD)

    # Every failure before the limit shows the form again; the one that
    # reaches it, and everything after, is refused.
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert right.status_code == 429
    assert b"Too many failed log-ins" in right.content
    assert not _logged_in(client)


def test_a_user_name_is_locked_whatever_address_the_guesses_come_from(staff_member):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "login", "sally.staff", "wrong", address=f"10.0.1.{n}")

    assert _log_in(client, "login", "sally.staff", PASSWORD, address="10.0.2.1").status_code == 429


def test_an_address_is_locked_whatever_user_names_it_tries(staff_member):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "login", f"someone{n}", "wrong", address="10.0.3.3")

    assert _log_in(client, "login", "sally.staff", PASSWORD, address="10.0.3.3").status_code == 429
    # Another address may still log in as that user.
    assert _log_in(client, "login", "sally.staff", PASSWORD, address="10.0.3.4").status_code == 302


def test_a_manager_lifts_the_lock_out_in_admin(staff_member):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "login", "sally.staff", "wrong")
    assert _log_in(client, "login", "sally.staff", PASSWORD).status_code == 429
    manager = UserFactory(username="mo.manager", is_staff=True, roles=[roles.MARKETING_MANAGER])
    admin = Client()
    admin.force_login(manager)

    listed = admin.get(reverse("admin:axes_accessattempt_changelist"))
    lifted = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert listed.status_code == 200
    assert b"sally.staff" in listed.content
    assert lifted.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _log_in(client, "login", "sally.staff", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_marketing_staff_may_not_lift_a_lock_out(staff_member):
    admin = Client()
    admin.force_login(staff_member)

    assert admin.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def _token_client(key: str, address: str = "10.0.4.4") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_wrong_tokens_get_401_then_429_and_then_even_a_right_token_waits(integration_user):
    limit = 20  # API_THROTTLE_BAD_TOKEN's default, 20/hour
    statuses = [
        _token_client(f"{n:040x}").get("/api/v1/customers/").status_code for n in range(330)
    ]
    right = _token_client(integration_user.auth_token.key).get("/api/v1/customers/")
    elsewhere = _token_client(integration_user.auth_token.key, address="10.0.5.5").get(
        "/api/v1/customers/"
    )

    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert elsewhere.status_code == 200


def test_anonymous_api_calls_are_throttled_per_address():
    client = APIClient(REMOTE_ADDR="10.0.6.6")
    statuses = [client.get("/api/v1/customers/").status_code for _ in range(61)]

    assert statuses[:60] == [401] * 60  # API_THROTTLE_ANON's default, 60/minute
    assert statuses[60] == 429
    assert APIClient(REMOTE_ADDR="10.0.6.7").get("/api/v1/customers/").status_code == 401


def test_a_logged_in_user_is_not_held_by_the_anonymous_rate(marketing_user):
    anonymous = APIClient(REMOTE_ADDR="10.0.7.7")
    for _ in range(61):
        anonymous.get("/api/v1/customers/")
    logged_in = APIClient(REMOTE_ADDR="10.0.7.7")
    logged_in.force_login(marketing_user)

    assert logged_in.get("/api/v1/customers/").status_code == 200


def test_password_resets_are_limited_per_address_and_per_email(marketing_user, mailoutbox):
    client = Client()
    url = reverse("password_reset")
    asked = [
        client.post(url, {"email": marketing_user.email}, REMOTE_ADDR="10.0.8.8").status_code
        for _ in range(6)
    ]
    # Another address, the same mailbox: still refused.
    other_address = client.post(url, {"email": marketing_user.email}, REMOTE_ADDR="10.0.8.9")
    # The first address, another mailbox: refused too.
    other_mailbox = client.post(url, {"email": "x@example.com"}, REMOTE_ADDR="10.0.8.8")

    assert asked == [302] * 5 + [429]  # PASSWORD_RESET_THROTTLE's default, 5/hour
    assert other_address.status_code == 429
    assert other_mailbox.status_code == 429
    assert len(mailoutbox) == 5
