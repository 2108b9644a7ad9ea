"""The customer database's part of an erasure: everything ``customers`` keeps
about a person, wherever it keeps it.

Governance decides that a person is erased, and how (retention, a request;
``governance.services.erasure.customer_erase``), keeps the tombstone, the
suppression entry and the proof of consent, and calls these steps in its
transaction. They know where customers keeps copies: the record itself, the
records merged into it (its own past, kept for undo), their history and that
of their orders, quality issues with raw values, import error rows, merge
snapshots (``survivor_before``) and the change reasons of other records
that name them, duplicate pairs, snapshots' member lists, admin's log.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from customers import fields as registry
from customers.models import (
    CampaignSnapshotMember,
    Customer,
    DuplicateCandidate,
    ImportRowError,
    Merge,
    Order,
    OrderLine,
    QualityIssue,
    RedundancyProposal,
)
from mis.locks import lock_many


# What an anonymised record keeps: kind, lifecycle stage, country and the
# dates that say when it was active (the orders still count, anonymously).
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


MERGE_REASON_SCRUBBED = "merged with an erased record"


def _family_ids(customer_id: int) -> set[int]:
    root = customer_id
    seen = {root}
    while True:
        up = Customer.objects.filter(pk=root).values_list("merged_into_id", flat=True).first()
        if up is None or up in seen:
            break
        root = up
        seen.add(root)
    ids = frontier = {root}
    while frontier:
        frontier = (
            set(Customer.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
            - ids
        )
        ids = ids | frontier
    return ids


def customer_erasure_family(*, customer: Customer) -> list[Customer]:
    """Every record of the person, locked in primary-key order: what is
    erased together. A merge said that its two records are one person, so
    erasing either erases both: the survivor the record was merged into (up
    to the last), and every record merged into those, however deep. The
    family is read again once locked, until a merge meanwhile changes
    nothing."""
    ids = _family_ids(customer.pk)
    while True:
        locked = lock_many(Customer, ids)
        if customer.pk not in locked:
            raise Customer.DoesNotExist("This customer no longer exists.")
        again = _family_ids(customer.pk)
        if again <= set(locked):
            return [locked[pk] for pk in sorted(locked) if pk in again]
        ids = again | set(locked)


def customer_data_scrub(*, customers: list[Customer]) -> dict[str, int]:
    """Remove the copies of these records' data held outside their rows (run
    before the rows are deleted or anonymised; history last, by
    ``customer_history_purge``)."""
    ids = [c.pk for c in customers]
    counts = {"quality_issues": QualityIssue.objects.filter(customer_id__in=ids).delete()[0]}
    contact_points = [v for c in customers for v in (c.email, c.phone) if v]
    counts["import_errors"] = 0
    if contact_points:
        matches = Q()
        for value in contact_points:
            matches |= Q(raw__icontains=value)
        counts["import_errors"] = ImportRowError.objects.filter(matches).delete()[0]
    # A merge with an erased record can no longer be undone, and its
    # snapshot of the survivor's earlier values is the person's data.
    merges = Merge.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids))
    public_ids = [str(c.public_id) for c in customers]
    counts["merges"] = merges.count()
    merges.delete()
    # The change reasons of other records name the erased one ("merged with
    # Ada Lovelace (uuid)").
    history = apps.get_model("customers", "HistoricalCustomer")
    named = Q()
    for public_id in public_ids:
        named |= Q(history_change_reason__contains=public_id)
    counts["history_reasons"] = (
        history.objects.filter(named)
        .exclude(id__in=ids)
        .update(history_change_reason=MERGE_REASON_SCRUBBED)
        if public_ids
        else 0
    )
    counts["duplicate_pairs"] = DuplicateCandidate.objects.filter(
        Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids)
    ).delete()[0]
    counts["snapshot_memberships"] = CampaignSnapshotMember.objects.filter(
        customer_id__in=ids
    ).delete()[0]
    RedundancyProposal.objects.filter(customer_id__in=ids).delete()
    Customer.interests.through.objects.filter(customer_id__in=ids).delete()
    counts["admin_log"] = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer),
        object_id__in=[str(pk) for pk in ids],
    ).update(object_repr="erased customer", change_message="")
    return counts


def customer_records_erase(
    *, customers: list[Customer], delete: bool, reference: str
) -> tuple[list[int], list[int]]:
    """Delete the records (with their orders) or blank them, keeping kind,
    stage, country, dates and orders. Returns the order and order-line ids
    that were theirs, for ``customer_history_purge``."""
    ids = [c.pk for c in customers]
    order_ids = list(Order.objects.filter(customer_id__in=ids).values_list("pk", flat=True))
    line_ids = list(OrderLine.objects.filter(order_id__in=order_ids).values_list("pk", flat=True))
    if delete:
        OrderLine.objects.filter(pk__in=line_ids).delete()
        Order.objects.filter(pk__in=order_ids).delete()
        # Merged records first: they point at the record they were merged into.
        Customer.objects.filter(pk__in=ids).update(merged_into=None)
        Customer.objects.filter(pk__in=ids).delete()
    else:
        now = timezone.now()
        for customer in customers:
            # A queryset update: no new history row with the blanked values;
            # the external id keeps the database's "has an identity" check
            # and says why.
            Customer.objects.filter(pk=customer.pk).update(
                **anonymised_values(),
                external_id=f"erased:{reference}"
                + (f":{customer.pk}" if len(customers) > 1 else ""),
                archived_at=customer.archived_at or now,
                updated_at=now,
            )
    return order_ids, line_ids


def customer_history_purge(
    *, customer_ids: list[int], order_ids: list[int], line_ids: list[int]
) -> dict[str, int]:
    """Every version django-simple-history kept of the records, their
    interests, orders and order lines. Last: deleting rows writes history
    rows of its own."""
    customer_history = apps.get_model("customers", "HistoricalCustomer")
    interest_history = apps.get_model("customers", "HistoricalCustomer_interests")
    order_history = apps.get_model("customers", "HistoricalOrder")
    line_history = apps.get_model("customers", "HistoricalOrderLine")
    return {
        "customer_history": customer_history.objects.filter(id__in=customer_ids).delete()[0],
        "interest_history": interest_history.objects.filter(customer_id__in=customer_ids).delete()[
            0
        ],
        "order_history": order_history.objects.filter(
            Q(customer_id__in=customer_ids) | Q(id__in=order_ids)
        ).delete()[0],
        "order_line_history": line_history.objects.filter(
            Q(id__in=line_ids) | Q(order_id__in=order_ids)
        ).delete()[0],
    }
