"""Erasing a customer: the one path for retention runs and for data-subject
erasure requests (Art. 17).

Personal data lives in more places than the customer row: django-simple-history
keeps a copy of every version (and of the interests), quality issues keep the
raw values they flagged, an import's error report keeps the rejected row,
admin's log keeps the record's name, a merge keeps the survivor's earlier
values. ``customer_erase`` reaches all of them in one transaction (what the
customer database keeps through its own steps, ``customers.erasure``),
leaves a tombstone with no personal data, puts the person's contact points
on the suppression list (so a later import does not bring them back) and
keeps their consent events as proof, without the personal data."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from customers.erasure import (
    customer_data_scrub,
    customer_erasure_family,
    customer_history_purge,
    customer_records_erase,
)
from customers.models import Customer
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


def _delete_request_packages(customer_ids: list[int]) -> int:
    """The zips made for the person's earlier access requests: files of
    personal data at rest. Deleted once the transaction commits, so that a
    rolled-back erasure keeps them."""
    requests = list(
        DataSubjectRequest.objects.filter(customer_id__in=customer_ids).exclude(package="")
    )
    for request in requests:
        stored = request.package
        transaction.on_commit(partial(stored.storage.delete, stored.name))
    DataSubjectRequest.objects.filter(pk__in=[r.pk for r in requests]).update(package="")
    return len(requests)


@transaction.atomic
def customer_erase(
    *,
    customer: Customer,
    action: str,
    reason: str,
    actor=None,
    retention_run: RetentionRun | None = None,
) -> Tombstone:
    """Erase one person everywhere, in one transaction: all of it or none.
    A person is every record a merge joined to this one, on either side
    (``customers.erasure.customer_erasure_family``); their merges are
    scrubbed and can no longer be undone."""
    if action not in ErasureAction.values:
        raise ValueError(f"Unknown erasure action {action!r}.")
    if reason not in ErasureReason.values:
        raise ValueError(f"Unknown erasure reason {reason!r}.")
    family = customer_erasure_family(customer=customer)
    ids = [record.pk for record in family]
    tombstone = Tombstone.objects.create(
        reason=reason,
        action=action,
        retention_run=retention_run,
        # The erased record's old address can then say "erased" (customers' page).
        record_key=Tombstone.record_key_for(customer.public_id),
    )
    for record in family:
        suppression_add(
            email=record.email,
            phone=record.phone,
            country=str(record.country or "") or None,
            reason=SuppressionReason.ERASURE,
            actor=actor,
        )
    counts = {"records": len(family), **customer_data_scrub(customers=family)}
    counts["request_packages"] = _delete_request_packages(ids)
    # Proof of consent outlives the person, pointing at the tombstone.
    counts["consents_kept"] = Consent.objects.filter(customer_id__in=ids).update(
        customer=None, tombstone=tombstone, evidence=""
    )
    order_ids, line_ids = customer_records_erase(
        customers=family, delete=action == ErasureAction.DELETE, reference=str(tombstone.reference)
    )
    if action == ErasureAction.DELETE:
        counts["orders"] = len(order_ids)
        counts["order_lines"] = len(line_ids)
    # Last: deleting rows above writes history rows of its own.
    counts.update(customer_history_purge(customer_ids=ids, order_ids=order_ids, line_ids=line_ids))
    tombstone.counts = counts
    tombstone.save(update_fields=["counts"])
    audit_record(
        kind="customer_erased",
        actor=actor,
        subject=f"tombstone {tombstone.reference}",
        detail={"reason": reason, "action": action, **counts},
    )
    # Each record's random public id (so that a receiver can erase its copy)
    # and the tombstone: nothing else of the person.
    for record in family:
        webhook_emit(
            event_type=EventType.CUSTOMER_ERASED,
            data={
                "id": record.public_id,
                "tombstone": tombstone.reference,
                "action": action,
                "reason": reason,
            },
        )
    return tombstone
