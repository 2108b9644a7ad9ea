"""What each API scope opens. An API key reaches only the resources listed
here, and only in the way its scopes say: reads (GET, HEAD, OPTIONS) need the
resource's read scope, anything else its write scope. A resource not listed
is closed to keys, whatever the account's role allows (least privilege).

The check sits in authentication, which every API view passes, so a view
with its own permission classes cannot forget it. The role's model
permissions still apply on top."""

from __future__ import annotations

from integrations.models import Scope

# First path segment after /api/v1/ -> (read scope, write scope); None: no
# key may do it.
RESOURCE_SCOPES: dict[str, tuple[str | None, str | None]] = {
    "customers": (Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE),
    "orders": (Scope.CUSTOMERS_READ, Scope.ORDERS_WRITE),
    "attributes": (Scope.CUSTOMERS_READ, None),
    "consents": (Scope.CUSTOMERS_READ, Scope.CONSENTS_WRITE),
    "purposes": (Scope.CUSTOMERS_READ, None),
    "preference-links": (None, Scope.CONSENTS_WRITE),
    "segments": (Scope.SEGMENTS_READ, None),
    "snapshots": (Scope.SEGMENTS_READ, None),
    "campaigns": (Scope.SEGMENTS_READ, Scope.CAMPAIGNS_WRITE),
    "webhooks": (Scope.WEBHOOKS_MANAGE, Scope.WEBHOOKS_MANAGE),
}

API_ROOT = "/api/v1/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def scope_required(*, path: str, method: str) -> str | None:
    """The scope a request needs, or None when no key may make it."""
    if not path.startswith(API_ROOT):
        return None
    resource = path[len(API_ROOT) :].split("/", 1)[0]
    read, write = RESOURCE_SCOPES.get(resource, (None, None))
    return read if method.upper() in SAFE_METHODS else write
