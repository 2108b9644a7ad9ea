"""Erasing a customer: the one path for retention runs and for data-subject
erasure requests (Art. 17).

Personal data lives in more places than the customer row: django-simple-history
keeps a copy of every version (and of the interests), quality issues keep the
raw values they flagged, an import's error report keeps the rejected row,
admin's log keeps the record's name. ``customer_erase`` reaches all of them in
one transaction, leaves a tombstone with no personal data, puts the person's
contact points on the suppression list (so a later import does not bring them
back) and keeps their consent events as proof, without the personal data."""

from __future__ import annotations

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers import fields as registry
from customers.models import Customer, ImportRowError, Order, OrderLine, QualityIssue
from governance.models import (
    Consent,
    DataSubjectRequest,
    ErasureAction,
    ErasureReason,
    RetentionRun,
    SuppressionReason,
    Tombstone,
)
from governance.services.audit import audit_record
from governance.services.suppression import suppression_add
from integrations.events import EventType
from integrations.services import webhook_emit


def anonymised_values() -> dict:
    """What an anonymised record is left with: each field as the field
    registry says erasure leaves it (kind, lifecycle stage and country are
    kept, with the dates that say when it was active: the orders still count,
    anonymously), everything else blanked."""
    return {
        **registry.erased_values(),
        "attributes": {},
        "field_sources": {},
        "source": "erased",
    }


def _history_models():
    return (
        apps.get_model("customers", "HistoricalCustomer"),
        apps.get_model("customers", "HistoricalCustomer_interests"),
        apps.get_model("customers", "HistoricalOrder"),
        apps.get_model("customers", "HistoricalOrderLine"),
    )


def _purge_history(customer_id: int, order_ids: list[int], line_ids: list[int]) -> dict:
    customer_history, interest_history, order_history, line_history = _history_models()
    return {
        "customer_history": customer_history.objects.filter(id=customer_id).delete()[0],
        "interest_history": interest_history.objects.filter(customer_id=customer_id).delete()[0],
        "order_history": order_history.objects.filter(
            Q(customer_id=customer_id) | Q(id__in=order_ids)
        ).delete()[0],
        "order_line_history": line_history.objects.filter(
            Q(id__in=line_ids) | Q(order_id__in=order_ids)
        ).delete()[0],
    }


def _delete_request_packages(customer: Customer) -> int:
    """The zips made for the person's earlier access requests: files of
    personal data at rest. Deleted once the transaction commits, so that a
    rolled-back erasure keeps them."""
    requests = list(DataSubjectRequest.objects.filter(customer=customer).exclude(package=""))
    for request in requests:
        stored = request.package
        transaction.on_commit(lambda stored=stored: stored.storage.delete(stored.name))
    DataSubjectRequest.objects.filter(pk__in=[r.pk for r in requests]).update(package="")
    return len(requests)


def _scrub_elsewhere(customer: Customer) -> dict:
    """Copies outside the customer's own rows: quality issues (raw values),
    import error reports (the raw row), admin's log (the record's name) and
    the packages of earlier access requests."""
    counts = {"quality_issues": QualityIssue.objects.filter(customer=customer).delete()[0]}
    counts["request_packages"] = _delete_request_packages(customer)
    contact_points = [value for value in (customer.email, customer.phone) if value]
    if contact_points:
        matches = Q()
        for value in contact_points:
            matches |= Q(raw__icontains=value)
        counts["import_errors"] = ImportRowError.objects.filter(matches).delete()[0]
    counts["admin_log"] = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk)
    ).update(object_repr="erased customer", change_message="")
    return counts


@transaction.atomic
def customer_erase(
    *,
    customer: Customer,
    action: str,
    reason: str,
    actor=None,
    retention_run: RetentionRun | None = None,
) -> Tombstone:
    """Erase one customer everywhere, in one transaction: all of it or none."""
    if action not in ErasureAction.values:
        raise ValueError(f"Unknown erasure action {action!r}.")
    if reason not in ErasureReason.values:
        raise ValueError(f"Unknown erasure reason {reason!r}.")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    tombstone = Tombstone.objects.create(
        reason=reason,
        action=action,
        retention_run=retention_run,
        record_key=Tombstone.record_key_for(customer.public_id),
    )
    suppression_add(
        email=customer.email,
        phone=customer.phone,
        country=str(customer.country or "") or None,
        reason=SuppressionReason.ERASURE,
        actor=actor,
    )
    order_ids = list(Order.objects.filter(customer=customer).values_list("pk", flat=True))
    line_ids = list(OrderLine.objects.filter(order_id__in=order_ids).values_list("pk", flat=True))
    counts = _scrub_elsewhere(customer)
    # Proof of consent outlives the person, pointing at the tombstone.
    counts["consents_kept"] = Consent.objects.filter(customer=customer).update(
        customer=None, tombstone=tombstone, evidence=""
    )
    Customer.interests.through.objects.filter(customer_id=customer.pk).delete()
    if action == ErasureAction.DELETE:
        counts["order_lines"] = OrderLine.objects.filter(pk__in=line_ids).delete()[0]
        counts["orders"] = Order.objects.filter(pk__in=order_ids).delete()[0]
        Customer.objects.filter(pk=customer.pk).delete()
    else:
        # A queryset update: no new history row with the blanked values; the
        # external id keeps the database's "has an identity" check and says why.
        Customer.objects.filter(pk=customer.pk).update(
            **anonymised_values(),
            external_id=f"erased:{tombstone.reference}",
            archived_at=customer.archived_at or timezone.now(),
            updated_at=timezone.now(),
        )
    # Last: deleting rows above writes history rows of its own.
    counts.update(_purge_history(customer.pk, order_ids, line_ids))
    tombstone.counts = counts
    tombstone.save(update_fields=["counts"])
    audit_record(
        kind="customer_erased",
        actor=actor,
        subject=f"tombstone {tombstone.reference}",
        detail={"reason": reason, "action": action, **counts},
    )
    # The record's random public id (so that a receiver can erase its copy)
    # and the tombstone: nothing else of the person.
    webhook_emit(
        event_type=EventType.CUSTOMER_ERASED,
        data={
            "id": customer.public_id,
            "tombstone": tombstone.reference,
            "action": action,
            "reason": reason,
        },
    )
    return tombstone
