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

Everything is answered in two queries whatever the number of customers: the
reason is computed by the database for every row (the latest event through
the ``consent_latest`` index, the suppression hashes by the database's own
HMAC), then counted per reason.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
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


def with_exclusion(
    queryset: QuerySet, *, purpose: Purpose, channel: str, at: dt.datetime
) -> QuerySet:
    """``queryset`` with ``policy_exclusion``: the reason code, or "" when the
    customer may be contacted.

    The consent part is one correlated subquery per customer (the latest
    event through the ``consent_latest`` index) that returns its own verdict,
    referenced once: PostgreSQL does not share a subquery repeated in an
    expression, so every mention would cost another index probe per row."""
    verdict = Case(
        When(status=ConsentStatus.WITHDRAWN, then=Value("withdrawn")),
        When(status=ConsentStatus.REFUSED, then=Value("refused")),
        When(expires_at__isnull=False, expires_at__lte=at, then=Value("expired")),
        default=Value(""),
        output_field=CharField(),
    )
    latest = (
        Consent.objects.filter(
            customer=OuterRef("pk"), purpose=purpose, channel=channel, occurred_at__lte=at
        )
        .order_by("-occurred_at", "-id")
        .annotate(verdict=verdict)
        .values("verdict")[:1]
    )
    never_asked = Value("no_consent" if purpose.needs_consent else "")
    whens = [When(_suppressed_expression(), then=Value("suppressed"))]
    if channel in _CONTACT_POINT:
        whens.append(When(~_CONTACT_POINT[channel], then=Value("no_contact_point")))
    return queryset.annotate(
        policy_exclusion=Case(
            *whens,
            default=Coalesce(Subquery(latest, output_field=CharField()), never_asked),
            output_field=CharField(),
        )
    )


def judged(
    queryset: QuerySet, *, purpose: str, channel: str, at: dt.datetime | None = None
) -> QuerySet:
    """``queryset`` annotated with ``policy_exclusion`` (see with_exclusion),
    for a caller that counts the reasons and copies the eligible in one pass
    (a campaign snapshot)."""
    at = at or timezone.now()
    found = purpose_get(purpose)
    if channel not in Channel.values:
        raise ValidationError(
            {"channel": f"“{channel}” is not a channel (one of: {', '.join(Channel.values)})."}
        )
    if not found.allows_channel(channel):
        raise ValidationError({"channel": f"{found.label} does not use {channel}."})
    return with_exclusion(queryset.order_by(), purpose=found, channel=channel, at=at)


def eligible(
    queryset: QuerySet, *, purpose: str, channel: str, at: dt.datetime | None = None
) -> Eligibility:
    annotated = judged(queryset, purpose=purpose, channel=channel, at=at)
    # Grouped by the reason in the select list (GROUP BY 1), so that each
    # customer's reason is computed once; "" (eligible) is dropped here rather
    # than by a WHERE that would compute it a second time.
    excluded = {
        row["policy_exclusion"]: row["n"]
        for row in annotated.values("policy_exclusion").annotate(n=Count("pk")).order_by()
        if row["policy_exclusion"]
    }
    allowed = annotated.filter(policy_exclusion="").values("pk")
    return Eligibility(eligible=queryset.filter(pk__in=allowed), excluded=excluded, checked=True)


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
