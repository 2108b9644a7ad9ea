"""Governance's answers to the customer database (the backend of
customers/policy.py, named by the CUSTOMER_POLICY_BACKEND setting).

May these customers be contacted for purpose P on channel C now? A customer is
left out, for the first of these reasons that applies:

- ``suppressed``: their email or phone is on the suppression list;
- ``no_contact_point``: they have no email (email), phone (sms, phone) or
  address (post) to be reached on;
- ``withdrawn`` / ``refused``: their latest event for P on C says so;
- ``no_consent``: P needs consent (legal basis "consent") and they never gave it;
- ``expired``: their consent had an expiry, and it has passed.

For a purpose on another legal basis (legitimate interests for post, say)
nobody needs to have agreed, but an objection or withdrawal still counts.

Every reason and the eligible count are answered in one statement whatever
the number of customers: the customers joined with their latest event for P
on C (one ordered pass over the ``consent_latest`` index, not one probe per
customer), the suppression hashes by the database's own HMAC, each
customer's reason computed once and counted.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone

from customers.policy import Eligibility
from governance import hashing
from governance.merge import customer_merge_undone, customer_merged
from governance.models import (
    Channel,
    Consent,
    ConsentStatus,
    Purpose,
    SuppressionEntry,
    SuppressionKind,
)
from governance.services.access import access_log_record as personal_data_read
from governance.services.consent import purpose_get

# Why a customer was left out: the codes ``Eligibility.excluded`` counts by.
EXCLUSION_REASONS = {
    "suppressed": "On the suppression list",
    "no_contact_point": "No contact point for the channel",
    "withdrawn": "Consent withdrawn",
    "refused": "Consent refused",
    "no_consent": "No consent recorded",
    "expired": "Consent expired",
}

# The field that must be filled for a customer to be reached on a channel.
_CONTACT_POINT = {
    Channel.EMAIL: ~Q(email=""),
    Channel.SMS: ~Q(phone=""),
    Channel.PHONE: ~Q(phone=""),
    Channel.POST: ~Q(address_line1="") & ~Q(postcode=""),
}


def _suppressed_expression():
    def listed(kind: str, column: str):
        return Exists(
            SuppressionEntry.objects.filter(
                kind=kind, value_hash=hashing.KeyedHash(OuterRef(column))
            )
        )

    return listed(SuppressionKind.EMAIL, "email") | listed(SuppressionKind.PHONE, "phone")


def _members(queryset: QuerySet, *, channel: str) -> tuple[str, tuple]:
    """The customers asked about, one row each: id, whether a contact point
    is on the suppression list (the database's own HMAC of email and phone),
    whether they have a contact point for the channel."""
    reachable = _CONTACT_POINT.get(channel, Q(pk__isnull=False))
    members = queryset.order_by().values(
        policy_id=F("pk"),
        policy_suppressed=ExpressionWrapper(_suppressed_expression(), BooleanField()),
        policy_reachable=ExpressionWrapper(reachable, BooleanField()),
    )
    return members.query.sql_with_params()


def _latest_consents(*, purpose: Purpose, channel: str, at: dt.datetime) -> tuple[str, tuple]:
    """Every customer's latest event for the purpose on the channel up to
    ``at``, in one ordered pass over the ``consent_latest`` index."""
    events = Consent.objects.filter(purpose=purpose, channel=channel, occurred_at__lte=at)
    latest = (
        events.order_by()
        .annotate(
            policy_rank=Window(
                RowNumber(),
                partition_by=[F("customer_id")],
                order_by=[F("occurred_at").desc(), F("id").desc()],
            )
        )
        .filter(policy_rank=1)
        .values(
            policy_customer=F("customer_id"),
            policy_status=F("status"),
            policy_expires=F("expires_at"),
        )
    )
    return latest.query.sql_with_params()


def _reasons(
    queryset: QuerySet, *, purpose: Purpose, channel: str, at: dt.datetime
) -> tuple[str, tuple]:
    """SQL giving (policy_id, policy_exclusion) for every customer of
    ``queryset``: the first reason that applies, or "" when the customer may
    be contacted. One join of the customers with their latest events, each
    customer's reason computed once."""
    members, member_params = _members(queryset, channel=channel)
    latest, latest_params = _latest_consents(purpose=purpose, channel=channel, at=at)
    never_asked = "no_consent" if purpose.needs_consent else ""
    sql = f"""
        SELECT m.policy_id, CASE
            WHEN m.policy_suppressed THEN 'suppressed'
            WHEN NOT m.policy_reachable THEN 'no_contact_point'
            WHEN c.policy_customer IS NULL THEN %s
            WHEN c.policy_status = %s THEN 'withdrawn'
            WHEN c.policy_status = %s THEN 'refused'
            WHEN c.policy_expires IS NOT NULL AND c.policy_expires <= %s THEN 'expired'
            ELSE '' END AS policy_exclusion
        FROM ({members}) m
        LEFT JOIN ({latest}) c ON c.policy_customer = m.policy_id
    """
    params = (
        never_asked,
        ConsentStatus.WITHDRAWN.value,
        ConsentStatus.REFUSED.value,
        connection.ops.adapt_datetimefield_value(at),
        *member_params,
        *latest_params,
    )
    return sql, params


def _checked(purpose: str, channel: str) -> Purpose:
    found = purpose_get(purpose)
    if channel not in Channel.values:
        raise ValidationError(
            {"channel": f"“{channel}” is not a channel (one of: {', '.join(Channel.values)})."}
        )
    if not found.allows_channel(channel):
        raise ValidationError({"channel": f"{found.label} does not use {channel}."})
    return found


def judged(
    queryset: QuerySet, *, purpose: str, channel: str, at: dt.datetime | None = None
) -> tuple[str, tuple]:
    """SQL and its parameters selecting (customer id, reason) for every
    customer of ``queryset``, the reason "" when they may be contacted: for a
    caller that counts the reasons and copies the eligible in one statement
    (a campaign snapshot)."""
    found = _checked(purpose, channel)
    return _reasons(queryset, purpose=found, channel=channel, at=at or timezone.now())


def eligible(
    queryset: QuerySet, *, purpose: str, channel: str, at: dt.datetime | None = None
) -> Eligibility:
    at = at or timezone.now()
    found = _checked(purpose, channel)
    reasons, params = _reasons(queryset, purpose=found, channel=channel, at=at)
    # One statement counts every reason and the eligible ("") together.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A few scans, joins and sorts: JIT compilation (on by default)
            # costs more than it saves here, and the server's default 4 MB
            # per sort or hash spills the events' sort to disk. Only for this
            # transaction.
            cursor.execute("SET LOCAL jit TO off")
            cursor.execute("SET LOCAL work_mem TO '64MB'")
        cursor.execute(
            f"SELECT r.policy_exclusion, COUNT(*) FROM ({reasons}) r GROUP BY r.policy_exclusion",
            params,
        )
        counts = dict(cursor.fetchall())
    allowed = RawSQL(f"SELECT r.policy_id FROM ({reasons}) r WHERE r.policy_exclusion = ''", params)
    return Eligibility(
        eligible=queryset.filter(pk__in=allowed),
        excluded={reason: n for reason, n in counts.items() if reason},
        checked=True,
        eligible_count=counts.get("", 0),
    )


def suppressed(*, emails: list[str], phones: list[str]) -> set[tuple[str, str]]:
    by_hash: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for kind, values, digest in (
        (SuppressionKind.EMAIL, emails, hashing.email_hash),
        (SuppressionKind.PHONE, phones, hashing.phone_hash),
    ):
        for value in values:
            hashed = digest(value)
            if hashed:
                by_hash.setdefault((kind, hashed), set()).add((str(kind), value))
    if not by_hash:
        return set()
    listed = SuppressionEntry.objects.filter(
        value_hash__in={hashed for _, hashed in by_hash}
    ).values_list("kind", "value_hash")
    found: set[tuple[str, str]] = set()
    for key in listed:
        found |= by_hash.get(key, set())
    return found


def purposes() -> list[tuple[str, str]]:
    return list(Purpose.objects.filter(is_active=True).values_list("code", "label"))


def channels() -> list[tuple[str, str]]:
    return list(Channel.choices)


def opt_out(*, customer, purpose, channel, occurred_at, method, source, evidence) -> None:
    """A withdrawal reported by a campaign (an unsubscribe link followed, or a
    complaint), with what was reported as its proof."""
    from governance.models import CaptureMethod
    from governance.services.consent import consent_withdraw

    consent_withdraw(
        customer=customer,
        purpose=purpose,
        channel=channel,
        occurred_at=occurred_at,
        capture_method=CaptureMethod.UNSUBSCRIBE_LINK
        if method == "unsubscribe"
        else CaptureMethod.EMAIL_REPLY,
        source=source,
        evidence=evidence,
    )


# Reads to log and what a merge moves live in their own modules; they are
# re-exported here, the backend's one face (customers/policy.py).
__all__ = [
    "channels",
    "customer_merge_undone",
    "customer_merged",
    "eligible",
    "judged",
    "opt_out",
    "personal_data_read",
    "purposes",
    "suppressed",
]
