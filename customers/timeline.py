"""A customer's activity in time order: orders, consents, changes, merges,
imports and quality events on one line, newest first.

Each source is read with its own bounded, indexed query (the newest
``limit`` of each), then merged; nothing reads a customer's whole past."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.urls import reverse

from customers.masking import masked_fields_for
from customers.models import Customer, Merge, Order, QualityIssue
from mis.labels import field_label

TIMELINE_LIMIT = 50


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str  # order, consent, change, import, merge, quality
    label: str  # what the badge says
    text: str
    url: str = ""


def _orders(customer: Customer, limit: int):
    for order in Order.objects.filter(customer=customer).order_by("-ordered_at")[:limit]:
        yield Event(
            order.ordered_at,
            "order",
            "Order",
            f"{order.external_id or 'Order'}: {order.total_amount:,.2f} {order.currency} "
            f"({order.get_channel_display().lower()})",
        )


def _consents(customer: Customer, user, limit: int):
    if not apps.is_installed("governance") or not user.has_perm("governance.view_consent"):
        return
    from governance.models import Consent

    events = (
        Consent.objects.filter(customer=customer)
        .select_related("purpose")
        .order_by("-occurred_at")[:limit]
    )
    url = reverse("governance:customer-consents", args=[customer.public_id])
    for event in events:
        yield Event(
            event.occurred_at,
            "consent",
            "Consent",
            f"{event.purpose.label} by {event.get_channel_display().lower()}: "
            f"{event.get_status_display().lower()} ({event.get_capture_method_display().lower()})",
            url,
        )


def _changes(history: list[dict]):
    for entry in history:
        record = entry["record"]
        reason = record.history_change_reason or ""
        kind = "import" if "import" in reason.lower() else "change"
        fields = ", ".join((field_label(name) or name).lower() for name in entry["changes"])
        who = record.history_user or "the system"
        text = f"{record.get_history_type_display()} by {who}"
        if reason:
            text += f": {reason}"
        if fields:
            text += f" ({fields})"
        yield Event(record.history_date, kind, "Import" if kind == "import" else "Change", text)


def _merges(customer: Customer, limit: int):
    merges = (
        Merge.objects.filter(Q(survivor=customer) | Q(merged=customer))
        .select_related("survivor", "merged", "merged_by")
        .order_by("-merged_at")[:limit]
    )
    for merge in merges:
        other = merge.merged if merge.survivor_id == customer.pk else merge.survivor
        verb = "absorbed" if merge.survivor_id == customer.pk else "merged into"
        state = " (undone)" if merge.status == "undone" else ""
        yield Event(
            merge.merged_at,
            "merge",
            "Merge",
            f"{verb} {other.display_name} by {merge.merged_by or 'the system'}{state}",
            other.get_absolute_url(),
        )


def _quality(customer: Customer, user, limit: int):
    masked = set(masked_fields_for(user))
    issues = QualityIssue.objects.filter(customer=customer).order_by("-created_at")[:limit]
    for issue in issues:
        field = (field_label(issue.field) or issue.field).lower()
        detail = "restricted" if issue.field in masked else issue.message
        yield Event(issue.created_at, "quality", "Quality", f"{field}: {detail}")
        if issue.resolved_at:
            yield Event(issue.resolved_at, "quality", "Quality", f"{field}: resolved")


def customer_timeline(
    customer: Customer, *, user, history: list[dict], limit: int = TIMELINE_LIMIT
) -> list[Event]:
    """The newest ``limit`` events of every kind, merged newest first.
    ``history`` is the page's change history (already without the fields
    the user may not see)."""
    events = [
        *_orders(customer, limit),
        *_consents(customer, user, limit),
        *_changes(history),
        *_merges(customer, limit),
        *_quality(customer, user, limit),
    ]
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]
