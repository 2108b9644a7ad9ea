"""Keyed hashes of contact points for the suppression list.

HMAC-SHA256 with ``settings.SUPPRESSION_KEY`` of the normalised value
(lower-case email, E.164 phone: the forms the customer database stores). A
keyed hash rather than a plain one because the space of email addresses and
phone numbers is small enough to hash exhaustively: without the key, a leaked
list cannot be reversed by trying every number.

The key has its own setting, not SECRET_KEY, so that rotating SECRET_KEY
(sessions, signed links) does not silently empty the suppression list. In
development (DEBUG) it defaults to a key derived from SECRET_KEY.

``KeyedHash`` computes the same hash inside the database (pgcrypto's ``hmac``
on PostgreSQL, a registered function on SQLite), so that eligibility can match
every customer against the list in one query.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Func, Value

from customers import validation

SQLITE_FUNCTION = "governance_hmac_sha256"


def suppression_key() -> str:
    key = getattr(settings, "SUPPRESSION_KEY", "")
    if not key:
        raise ImproperlyConfigured(
            "SUPPRESSION_KEY must be set when DEBUG is off: it keys the suppression list's hashes."
        )
    return key


def hmac_hex(value: str, key: str | None = None) -> str:
    key = suppression_key() if key is None else key
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def normalise_email(value: str) -> str:
    return validation.normalise_email(value or "")


# An import hashes every row's phone to check the suppression list: each
# distinct number is parsed once.
@functools.lru_cache(maxsize=100_000)
def normalise_phone(value: str, country: str | None = "GB") -> str:
    """E.164 when the number parses, else the digits as given (a value that
    cannot be parsed still gets a stable hash)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validation.normalise_phone(value, country)
    except ValidationError:
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")


def email_hash(value: str) -> str | None:
    value = normalise_email(value)
    return hmac_hex(value) if value else None


def phone_hash(value: str, country: str | None = "GB") -> str | None:
    value = normalise_phone(value, country)
    return hmac_hex(value) if value else None


class KeyedHash(Func):
    """HMAC-SHA256 (hex) of a text column, computed by the database."""

    output_field = models.CharField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(suppression_key()), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="encode(hmac(%(expressions)s, 'sha256'), 'hex')",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra_context)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created receiver: gives SQLite the HMAC that PostgreSQL's
    pgcrypto has."""
    if connection.vendor != "sqlite":
        return

    def _hmac(value, key):
        return None if value is None else hmac_hex(str(value), str(key))

    connection.connection.create_function(SQLITE_FUNCTION, 2, _hmac, deterministic=True)
