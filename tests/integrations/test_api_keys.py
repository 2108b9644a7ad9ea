"""Scoped, expiring API keys: what a key may reach, what is stored, what is logged."""

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.models import Customer
from governance.models import AccessLog
from integrations.models import ApiKey, Scope
from integrations.services import api_key_create, api_key_revoke
from mis import roles
from tests.factories import CustomerFactory, UserFactory, ensure_role

pytestmark = pytest.mark.django_db


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def make_key(integration_user):
    def make(*scopes, **kwargs) -> tuple[ApiKey, str]:
        return api_key_create(name="Shop", user=integration_user, scopes=scopes, **kwargs)

    return make


def test_a_key_without_customers_write_gets_403_on_a_write_and_nothing_is_written(make_key):
    _, key = make_key(Scope.CUSTOMERS_READ)
    client = key_client(key)

    assert client.get("/api/v1/customers/").status_code == 200
    answer = client.post("/api/v1/customers/", {"first_name": "Ann"}, format="json")

    assert answer.status_code == 403
    assert "customers:write" in answer.json()["detail"]
    assert not Customer.objects.exists()


def test_a_key_with_customers_write_creates_a_customer(make_key):
    _, key = make_key(Scope.CUSTOMERS_WRITE)
    answer = key_client(key).post("/api/v1/customers/", {"first_name": "Ann"}, format="json")
    assert answer.status_code == 201, answer.content
    # Writing is not reading.
    assert key_client(key).get("/api/v1/customers/").status_code == 403


def test_an_expired_key_gets_401(make_key):
    row, key = make_key(Scope.CUSTOMERS_READ)
    ApiKey.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    answer = key_client(key).get("/api/v1/customers/")

    assert answer.status_code == 401
    assert answer.json()["detail"] == "This API key has expired."


def test_a_revoked_or_unknown_key_gets_401(make_key):
    row, key = make_key(Scope.CUSTOMERS_READ)
    api_key_revoke(key=row)
    assert key_client(key).get("/api/v1/customers/").status_code == 401
    assert key_client("mis_00000000_nothing").get("/api/v1/customers/").status_code == 401


def test_a_key_reaches_nothing_that_no_scope_opens(make_key, integration_user):
    _, key = make_key(*Scope.values)
    answer = key_client(key).get("/api/v1/insight/strategies/")
    assert answer.status_code == 403
    assert answer.json()["detail"] == "API keys cannot reach this resource."


def test_the_role_still_applies_under_the_scopes(make_key):
    # The integration role may not archive, whatever the key's scopes.
    customer = CustomerFactory()
    _, key = make_key(Scope.CUSTOMERS_WRITE)
    answer = key_client(key).post(f"/api/v1/customers/{customer.public_id}/archive/")
    assert answer.status_code == 403


def test_only_a_hash_is_kept_and_the_last_use_is_recorded(make_key):
    row, key = make_key(Scope.CUSTOMERS_READ)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(f"mis_{row.prefix}_")
    assert row.last_used_at is None
    key_client(key).get("/api/v1/customers/")
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_an_access_log_row_names_the_key(make_key):
    CustomerFactory.create_batch(2)
    row, key = make_key(Scope.CUSTOMERS_READ)

    key_client(key).get("/api/v1/customers/")

    entry = AccessLog.objects.get()
    assert (entry.auth, entry.token_hint, entry.api_key) == ("token", row.prefix, row)
    assert entry.record_count == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scopes": ["customers:eat"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
        ({"name": " "}, "name"),
    ],
)
def test_a_bad_key_is_refused_with_the_field_and_nothing_is_made(integration_user, changes, field):
    data = {"name": "Shop", "scopes": [Scope.CUSTOMERS_READ], **changes}
    with pytest.raises(ValidationError) as refused:
        api_key_create(user=integration_user, **data)
    assert field in refused.value.message_dict
    assert not ApiKey.objects.exists()


def test_a_key_lives_no_longer_than_the_maximum(integration_user, settings):
    settings.API_KEY_MAX_DAYS = 30
    with pytest.raises(ValidationError) as refused:
        api_key_create(
            name="Shop",
            user=integration_user,
            scopes=[Scope.CUSTOMERS_READ],
            expires_at=timezone.now() + dt.timedelta(days=31),
        )
    assert "at most 30 days" in refused.value.message_dict["expires_at"][0]


def test_old_tokens_work_until_the_documented_date(token_client, settings):
    assert token_client.get("/api/v1/customers/").status_code == 200
    settings.API_LEGACY_TOKENS_UNTIL = timezone.localdate() - dt.timedelta(days=1)
    answer = token_client.get("/api/v1/customers/")
    assert answer.status_code == 401
    assert "use an API key" in answer.json()["detail"]


def test_the_command_converts_the_integration_tokens_to_keys(integration_user, marketing_user):
    Token.objects.create(user=marketing_user)
    out = io.StringIO()

    call_command("api_keys_from_tokens", stdout=out)

    assert not Token.objects.filter(user=integration_user).exists()
    assert Token.objects.filter(user=marketing_user).exists()  # not the integration role
    key = out.getvalue().split(": ")[1].split()[0]
    assert key_client(key).get("/api/v1/customers/").status_code == 200
    assert "1 tokens converted." in out.getvalue()


def test_a_manager_creates_a_key_in_admin_and_sees_it_once(page_client_for, integration_user):
    boss = UserFactory(username="boss", is_staff=True, roles=[ensure_role(roles.MARKETING_MANAGER)])
    client = page_client_for(boss)

    answer = client.post(
        reverse("admin:integrations_apikey_add"),
        {"name": "Shop", "user": integration_user.pk, "scopes": ["customers:read"]},
        follow=True,
    )

    row = ApiKey.objects.get()
    assert row.created_by == boss
    shown = [str(m) for m in answer.context["messages"] if "copy it now" in str(m)]
    key = shown[0].split("The key is ")[1].split(" ")[0]
    assert hashlib.sha256(key.encode()).hexdigest() == row.key_hash
    assert key not in client.get(reverse("admin:integrations_apikey_change", args=[row.pk])).text


def test_a_bad_expiry_in_admin_is_shown_on_the_form(page_client_for, integration_user):
    client = page_client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    answer = client.post(
        reverse("admin:integrations_apikey_add"),
        {
            "name": "Shop",
            "user": integration_user.pk,
            "scopes": ["customers:read"],
            "expires_at": "2020-01-01 10:00",
        },
    )
    assert answer.status_code == 200
    assert "The expiry must be in the future." in answer.text
    assert not ApiKey.objects.exists()


def test_marketing_staff_may_not_make_keys(integration_user, marketing_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api_key_create(
            name="Shop", user=integration_user, scopes=["customers:read"], actor=marketing_user
        )
