"""Writing the access log, and checking its hash chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from customers import reads
from governance.models import AccessAuth, AccessLog, AccessVia, AuditEvent
from governance.services.audit import audit_record
from integrations.models import ApiKey

# The key of the PostgreSQL advisory lock that serialises appends to the
# chain (any constant; "acLog" in ASCII).
CHAIN_LOCK_KEY = 0x61634C6F67
VERIFIED_EVENT = "access_log_verified"


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
    # A view that records its own read (an export) is not logged again by
    # the middleware.
    reads.mark_recorded()
    return _append(
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


@transaction.atomic(savepoint=False)
def _append(**values) -> AccessLog:
    """Add a row to the chain. Appends are serialised: two at once would both
    link to the same previous row. On PostgreSQL a transaction-level advisory
    lock queues them (held until the caller's transaction ends, so the next
    writer sees this row); SQLite writes one transaction at a time anyway.
    No savepoint: a failed append fails the caller's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    previous = AccessLog.objects.order_by("-id").values_list("row_hash", flat=True).first()
    entry = AccessLog(**values, at=timezone.now(), prev_hash=previous or "")
    entry.row_hash = entry.compute_hash()
    entry.save(force_insert=True)
    return entry


@dataclass
class ChainCheck:
    checked: int
    head_id: int | None
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _last_verified_head() -> tuple[int, str] | None:
    event = AuditEvent.objects.filter(kind=VERIFIED_EVENT).order_by("-id").first()
    if event is None or not event.detail.get("head_id"):
        return None
    return event.detail["head_id"], event.detail["head_hash"]


def access_log_verify(*, chunk_size: int = 2000, record: bool = False) -> ChainCheck:
    """Walk the chain in id order and name the first broken link: a row whose
    content no longer matches its hash (changed), or whose ``prev_hash`` is
    not the hash of the row before it (a row removed or slipped in). The head
    the last verification saw must still be there (a log cut short).
    ``record`` keeps this run's head in the audit trail for the next one."""
    checked, previous_hash, last_id = 0, "", 0
    while True:
        rows = list(AccessLog.objects.filter(id__gt=last_id).order_by("id")[:chunk_size])
        for row in rows:
            checked += 1
            if row.prev_hash != previous_hash:
                reason = (
                    f"row {row.pk} is the first row but links to an earlier one: "
                    "the start of the log was removed"
                    if checked == 1
                    else f"row {row.pk} does not link to row {last_id} before it: "
                    "a row between them was removed or inserted, or row "
                    f"{last_id} was changed"
                )
                return ChainCheck(checked, None, row.pk, reason)
            if row.compute_hash() != row.row_hash:
                return ChainCheck(
                    checked, None, row.pk, f"row {row.pk} was changed after it was written"
                )
            previous_hash, last_id = row.row_hash, row.pk
        if len(rows) < chunk_size:
            break
    seen = _last_verified_head()
    if seen is not None:
        head = AccessLog.objects.filter(pk=seen[0]).values_list("row_hash", flat=True).first()
        if head != seen[1]:
            return ChainCheck(
                checked,
                None,
                seen[0],
                f"row {seen[0]}, present at the last verification, is missing or changed: "
                "the log was cut short",
            )
    result = ChainCheck(checked, last_id or None)
    if record:
        audit_record(
            kind=VERIFIED_EVENT,
            subject="access log",
            detail={"rows": checked, "head_id": last_id or None, "head_hash": previous_hash},
        )
    return result
