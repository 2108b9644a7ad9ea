"""Personas (one per role group the data migration creates) and clients for them."""

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mis import roles
from mis.roles import ROLE_PERMISSIONS
from tests.factories import UserFactory, ensure_role

# The real SMTP server fixture (smtp_inbox) for every test that mails.
pytest_plugins = ["tests.smtp"]

# Persona fixture names, for tests that go through every role.
PERSONAS = ("marketing_user", "manager", "steward", "dpo", "integration_user", "outsider")


@pytest.fixture
def purposes_and_procedures(db) -> None:
    """The purposes and procedures the data migrations seed. A transactional test
    (worker, browser, concurrent writers) ends by flushing every table, and with
    --reuse-db the next session starts from that flushed database, so they are
    put back here."""
    importlib.import_module("governance.migrations.0002_purposes").seed(apps, None)
    importlib.import_module("governance.migrations.0008_procedures").seed(apps, None)


@pytest.fixture
def role_groups(db) -> None:
    """Every role group as the data migrations made it (a transactional test
    ends by flushing every table, groups included, and with --reuse-db the
    next session starts from the database it left)."""
    for name in ROLE_PERMISSIONS:
        ensure_role(name)


def _persona(username: str, role: str | None) -> User:
    return UserFactory(username=username, roles=[ensure_role(role)] if role else [])


@pytest.fixture
def marketing_user(db) -> User:
    return _persona("mia.marketing", roles.MARKETING_STAFF)


@pytest.fixture
def manager(db) -> User:
    return _persona("max.manager", roles.MARKETING_MANAGER)


@pytest.fixture
def steward(db) -> User:
    return _persona("sam.steward", roles.DATA_STEWARD)


@pytest.fixture
def dpo(db) -> User:
    return _persona("dana.dpo", roles.DATA_PROTECTION_LEAD)


@pytest.fixture
def integration_user(db) -> User:
    user = _persona("crm.integration", roles.INTEGRATION)
    Token.objects.create(user=user)
    return user


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but in no role group."""
    return _persona("otto.outsider", None)


@pytest.fixture
def persona(request) -> Callable[[str], User]:
    """``persona("manager")``: the persona fixture of that name."""
    return request.getfixturevalue


@pytest.fixture
def api_client_for(db) -> Callable[[User | None], APIClient]:
    """An API client logged in (session) as ``user``; anonymous for None."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def token_client(integration_user) -> APIClient:
    """The integration user's client, authenticated by its DRF token only."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {integration_user.auth_token.key}")
    return client


@pytest.fixture
def page_client_for(db) -> Callable[[User | None], Client]:
    """A browser-like client logged in as ``user``; anonymous for None."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _no_throttle_counts_from_earlier_tests() -> None:
    """API and password-reset rates are counted in the cache (Redis in CI),
    which outlives a test: each test starts with none used."""
    from django.core.cache import cache

    backend = getattr(cache, "_cache", None)
    if hasattr(backend, "get_client"):  # Redis
        redis = backend.get_client(write=True)
        keys = list(redis.scan_iter(match="*throttle_*"))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()
