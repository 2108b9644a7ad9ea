"""Scoped, expiring API keys. A key is ``mis_<prefix>_<secret>``: the prefix
names it in logs and finds its row; only the SHA-256 of the whole key is kept,
so the key is shown once, when it is made, and never again."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.models import ApiKey, Scope

KEY_PREFIX = "mis_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = sorted(set(scopes or ()))
    unknown = [s for s in wanted if s not in Scope.values]
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scopes: {', '.join(unknown)}. Known: {', '.join(Scope.values)}."}
        )
    if not wanted:
        raise ValidationError({"scopes": "Give the key at least one scope."})
    return wanted


def api_key_check(
    *, name: str, scopes: Iterable[str], expires_at: dt.datetime | None
) -> tuple[str, list[str], dt.datetime]:
    """The cleaned name, scopes and expiry of a new key; ValidationError per field."""
    now = timezone.now()
    errors: dict[str, str | list[str]] = {}
    if not (name or "").strip():
        errors["name"] = "Name the key after the system that will use it."
    expires_at = expires_at or now + dt.timedelta(days=settings.API_KEY_DEFAULT_DAYS)
    if expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    elif expires_at > now + dt.timedelta(days=settings.API_KEY_MAX_DAYS):
        errors["expires_at"] = f"A key lives at most {settings.API_KEY_MAX_DAYS} days."
    try:
        scopes = _clean_scopes(scopes)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return name.strip(), list(scopes), expires_at


@transaction.atomic
def api_key_create(
    *,
    name: str,
    user,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
    actor=None,
) -> tuple[ApiKey, str]:
    """Make a key acting as ``user`` with ``scopes``; returns the row and the
    key itself, which is not stored and cannot be shown again. Expiry defaults
    to API_KEY_DEFAULT_DAYS from now and may not pass API_KEY_MAX_DAYS."""
    if actor is not None and not actor.has_perm("integrations.add_apikey"):
        raise PermissionDenied("You may not create API keys.")
    name, scopes, expires_at = api_key_check(name=name, scopes=scopes, expires_at=expires_at)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=_hash(key),
        scopes=scopes,
        user=user,
        created_by=actor,
        expires_at=expires_at,
    )
    return row, key


def api_key_revoke(*, key: ApiKey, actor=None) -> ApiKey:
    if actor is not None and not actor.has_perm("integrations.change_apikey"):
        raise PermissionDenied("You may not revoke API keys.")
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db()
    return key


class KeyRefused(Exception):
    """The key is unknown, revoked or expired (the message says which)."""


def api_key_authenticate(*, key: str) -> ApiKey:
    """The live key ``key`` is, its last use recorded (at most once a minute,
    to spare a write per request). Raises KeyRefused."""
    if not key.startswith(KEY_PREFIX):
        raise KeyRefused("Not an MIS API key.")
    row = ApiKey.objects.select_related("user").filter(key_hash=_hash(key)).first()
    if row is None:
        raise KeyRefused("Unknown API key.")
    now = timezone.now()
    if row.revoked_at is not None:
        raise KeyRefused("This API key was revoked.")
    if row.expires_at <= now:
        raise KeyRefused("This API key has expired.")
    if not row.user.is_active:
        raise KeyRefused("The account of this API key is inactive.")
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


# What the integration role's work needs: the scopes a converted token gets.
INTEGRATION_SCOPES = (
    Scope.CUSTOMERS_READ,
    Scope.CUSTOMERS_WRITE,
    Scope.ORDERS_WRITE,
    Scope.CONSENTS_WRITE,
    Scope.SEGMENTS_READ,
)


@transaction.atomic
def api_keys_from_tokens(
    *, role: str, scopes: Iterable[str] = INTEGRATION_SCOPES, expires_at: dt.datetime | None = None
) -> list[tuple[ApiKey, str]]:
    """Replace the DRF token of every member of ``role`` by a scoped key:
    the key is made, the token deleted. Returns each key with its secret,
    which is shown once. Idempotent: a user without a token is skipped."""
    from rest_framework.authtoken.models import Token

    made = []
    tokens = Token.objects.select_related("user").filter(user__groups__name=role).order_by("pk")
    for token in tokens:
        made.append(
            api_key_create(
                name=f"{token.user.get_username()} (converted token)",
                user=token.user,
                scopes=scopes,
                expires_at=expires_at,
            )
        )
        token.delete()
    return made
