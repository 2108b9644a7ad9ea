"""Recording consent events: grant, withdraw, refuse, and an objection to
direct marketing. Every face (API, page, admin, CSV import) calls these."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from governance.models import (
    CaptureMethod,
    Channel,
    Consent,
    ConsentStatus,
    Purpose,
    SuppressionReason,
)
from governance.services.audit import audit_record
from governance.services.suppression import suppression_add
from integrations.events import EventType
from integrations.services import webhook_emit

# Clocks disagree a little; an event further in the future than this is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=5)


def purpose_get(purpose: Purpose | str) -> Purpose:
    if isinstance(purpose, Purpose):
        return purpose
    try:
        return Purpose.objects.get(code=purpose)
    except Purpose.DoesNotExist:
        known = ", ".join(Purpose.objects.filter(is_active=True).values_list("code", flat=True))
        raise ValidationError(
            {"purpose": f"“{purpose}” is not a purpose. Known purposes: {known}."}
        ) from None


def consent_check(
    *,
    purpose: Purpose | str,
    channel: str,
    status: str,
    occurred_at: dt.datetime,
    capture_method: str,
    source: str,
    wording_version: str = "",
    wording_text: str = "",
    expires_at: dt.datetime | None = None,
) -> Purpose:
    """Every reason an event cannot be recorded, by field, in one error."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    found = None
    try:
        found = purpose_get(purpose)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if channel not in Channel.values:
        add("channel", f"“{channel}” is not a channel (one of: {', '.join(Channel.values)}).")
    elif found is not None and not found.allows_channel(channel):
        add(
            "channel",
            f"{found.label} does not use {channel} (it uses: {', '.join(found.channels)}).",
        )
    if found is not None and not found.is_active and status == ConsentStatus.GRANTED:
        add("purpose", f"{found.label} is retired and takes no new consent.")
    if status not in ConsentStatus.values:
        add("status", f"“{status}” is not a status (one of: {', '.join(ConsentStatus.values)}).")
    if capture_method not in CaptureMethod.values:
        add(
            "capture_method",
            f"“{capture_method}” is not a capture method "
            f"(one of: {', '.join(CaptureMethod.values)}).",
        )
    if not (source or "").strip():
        add("source", "Say where it was captured (the form, campaign, file or system).")
    if occurred_at > timezone.now() + CLOCK_SKEW:
        add("occurred_at", "An event cannot be in the future.")
    if status == ConsentStatus.GRANTED and not (wording_version or wording_text):
        add("wording_version", "A grant needs the wording the person agreed to, or its version.")
    if expires_at is not None:
        if status != ConsentStatus.GRANTED:
            add("expires_at", "Only a grant can expire.")
        elif expires_at <= occurred_at:
            add("expires_at", "Expiry must be after the event.")
    if errors or found is None:
        raise ValidationError(errors)
    return found


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    purpose: Purpose | str,
    channel: str,
    status: str,
    capture_method: str,
    source: str,
    occurred_at: dt.datetime | None = None,
    wording_version: str = "",
    wording_text: str = "",
    evidence: str = "",
    actor=None,
    expires_at: dt.datetime | None = None,
) -> Consent:
    """Append one consent event for a customer. Raises ValidationError with a
    message per field when it cannot be recorded."""
    occurred_at = occurred_at or timezone.now()
    found = consent_check(
        purpose=purpose,
        channel=channel,
        status=status,
        occurred_at=occurred_at,
        capture_method=capture_method,
        source=source,
        wording_version=wording_version,
        wording_text=wording_text,
        expires_at=expires_at,
    )
    event = Consent.objects.create(
        customer=customer,
        purpose=found,
        channel=channel,
        status=status,
        occurred_at=occurred_at,
        capture_method=capture_method,
        source=source.strip(),
        wording_version=wording_version.strip(),
        wording_text=wording_text,
        evidence=evidence,
        actor=actor,
        expires_at=expires_at,
    )
    _consent_changed(event)
    return event


def _consent_changed(event: Consent) -> None:
    """Tell webhook subscribers of one new consent event."""
    webhook_emit(
        event_type=EventType.CONSENT_CHANGED,
        data={
            "id": event.public_id,
            # A new event is always someone's (the customer goes only at erasure).
            "customer": event.customer.public_id if event.customer else None,
            "purpose": event.purpose.code,
            "channel": event.channel,
            "status": event.status,
            "occurred_at": event.occurred_at,
        },
    )


def consent_grant(*, customer: Customer, purpose, channel: str, **kwargs) -> Consent:
    return consent_record(
        customer=customer, purpose=purpose, channel=channel, status=ConsentStatus.GRANTED, **kwargs
    )


def consent_withdraw(*, customer: Customer, purpose, channel: str, **kwargs) -> Consent:
    """Withdrawal is one call with nothing to fill in but who and what: it must
    be as easy as giving consent (Art. 7(3))."""
    kwargs.setdefault("capture_method", CaptureMethod.STAFF)
    kwargs.setdefault("source", "withdrawal")
    return consent_record(
        customer=customer,
        purpose=purpose,
        channel=channel,
        status=ConsentStatus.WITHDRAWN,
        **kwargs,
    )


def consent_refuse(*, customer: Customer, purpose, channel: str, **kwargs) -> Consent:
    return consent_record(
        customer=customer, purpose=purpose, channel=channel, status=ConsentStatus.REFUSED, **kwargs
    )


@transaction.atomic
def objection_register(
    *,
    customer: Customer,
    capture_method: str = CaptureMethod.STAFF,
    source: str = "objection to direct marketing",
    occurred_at: dt.datetime | None = None,
    evidence: str = "",
    actor=None,
) -> list[Consent]:
    """An objection to direct marketing (Art. 21(2)-(3)): withdraw every
    marketing purpose on every channel it uses, whatever the legal basis, and
    put the person's contact points on the suppression list."""
    occurred_at = occurred_at or timezone.now()
    consent_check(
        purpose=Purpose(code="objection", label="objection"),
        channel=Channel.EMAIL,
        status=ConsentStatus.WITHDRAWN,
        occurred_at=occurred_at,
        capture_method=capture_method,
        source=source,
    )
    events = [
        Consent(
            customer=customer,
            purpose=purpose,
            channel=channel,
            status=ConsentStatus.WITHDRAWN,
            occurred_at=occurred_at,
            capture_method=capture_method,
            source=source.strip(),
            evidence=evidence,
            actor=actor,
        )
        for purpose in Purpose.objects.filter(is_marketing=True).order_by("code")
        for channel in (purpose.channels or Channel.values)
    ]
    Consent.objects.bulk_create(events)
    for event in events:
        _consent_changed(event)
    suppression_add(
        email=customer.email,
        phone=customer.phone,
        country=str(customer.country or "") or None,
        reason=SuppressionReason.OBJECTION,
        actor=actor,
    )
    audit_record(
        kind="objection_registered",
        actor=actor,
        subject=f"customer {customer.public_id}",
        detail={"withdrawn": len(events)},
    )
    return events
