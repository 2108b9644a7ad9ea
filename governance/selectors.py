"""Reads of governance: the current consent state derived from the ledger."""

from __future__ import annotations

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from customers.models import Customer
from governance.models import Channel, Consent, Purpose


def consent_latest_ids(events: QuerySet[Consent] | None = None) -> QuerySet:
    """The ids of the latest event of each customer x purpose x channel among
    ``events`` (default: every event), as a subquery. One pass over the
    ``consent_latest`` index: DISTINCT ON on PostgreSQL, a correlated
    "latest id" elsewhere."""
    events = Consent.objects.all() if events is None else events
    if connection.vendor == "postgresql":
        return (
            events.order_by("customer_id", "purpose_id", "channel", "-occurred_at", "-id")
            .distinct("customer_id", "purpose_id", "channel")
            .values("pk")
        )
    latest = (
        events.filter(
            customer=OuterRef("customer"), purpose=OuterRef("purpose"), channel=OuterRef("channel")
        )
        .order_by("-occurred_at", "-id")
        .values("pk")[:1]
    )
    return events.filter(pk=Subquery(latest)).values("pk")


def consent_current(events: QuerySet[Consent] | None = None) -> QuerySet[Consent]:
    """The current state: the latest event of each customer x purpose x
    channel. Filter the result freely (``status="granted"``): the filters
    apply after the latest event was chosen."""
    return Consent.objects.filter(pk__in=consent_latest_ids(events))


def consent_history(customer: Customer) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(customer=customer)
        .select_related("purpose", "actor")
        .order_by("-occurred_at", "-id")
    )


def consent_state(customer: Customer) -> list[dict]:
    """One row per active purpose and channel it uses, with the latest event
    (or None: never asked). Two queries whatever the number of purposes."""
    current = {
        (event.purpose_id, event.channel): event
        for event in consent_current(Consent.objects.filter(customer=customer)).select_related(
            "purpose"
        )
    }
    rows = []
    for purpose in Purpose.objects.filter(is_active=True).order_by("label"):
        for channel in purpose.channels or Channel.values:
            rows.append(
                {
                    "purpose": purpose,
                    "channel": channel,
                    "channel_label": Channel(channel).label,
                    "event": current.get((purpose.pk, channel)),
                }
            )
    return rows
