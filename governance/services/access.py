"""Writing the access log."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from governance.models import AccessAuth, AccessLog, AccessVia
from integrations.models import ApiKey


def _client_address(request) -> str | None:
    if request is None:
        return None
    # Behind a proxy REMOTE_ADDR is the proxy: trust X-Forwarded-For only when
    # told to (the proxy overwrites it; a client could otherwise forge it).
    if getattr(settings, "ACCESS_LOG_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _auth(request) -> tuple[str, str, ApiKey | None]:
    if request is None:
        return AccessAuth.NONE, "", None
    token = getattr(request, "auth", None)  # DRF: the Token or ApiKey of the call
    if isinstance(token, ApiKey):
        return AccessAuth.TOKEN, token.prefix, token
    key = getattr(token, "key", None)
    if key:
        return AccessAuth.TOKEN, key[:6], None
    return AccessAuth.SESSION, "", None


def access_log_record(
    *,
    user,
    action: str,
    via: str,
    customer_ids: Sequence[int] = (),
    count: int | None = None,
    request=None,
    detail: str = "",
) -> AccessLog:
    """One row for one read of personal data, however many records it read.
    The ids are kept up to ACCESS_LOG_MAX_IDS; beyond that only the count."""
    ids = list(customer_ids)
    limit = getattr(settings, "ACCESS_LOG_MAX_IDS", 1000)
    auth, hint, api_key = _auth(request)
    user = user if getattr(user, "is_authenticated", False) else None
    return AccessLog.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        auth=auth,
        token_hint=hint,
        api_key=api_key,
        action=action,
        via=via if via in AccessVia.values else AccessVia.TASK,
        customer_ids=ids if len(ids) <= limit else [],
        record_count=len(ids) if count is None else count,
        detail=(detail or "")[:500],
        ip_address=_client_address(request),
    )
