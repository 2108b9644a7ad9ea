"""Bulk actions on the customer list: one service call for all the chosen
customers, in one transaction, with a history row per customer that names
the action and who took it (set-based writes: ``mis.bulk``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from customers.masking import can_view_sensitive
from customers.models import Customer, LifecycleStage, StaticList, StaticListMember
from customers.quality.services import quality_check_customers
from customers.services import _interests_from
from mis.bulk import update_with_history
from mis.history import history_actor
from mis.locks import locked

# The most customers one action takes: a page of the list at its largest.
BULK_LIMIT = 1000


class BulkAction(models.TextChoices):
    STAGE = "stage", "Set the lifecycle stage"
    INTERESTS = "interests", "Add interests"
    VERIFY = "verify", "Mark verified today"
    ADD_TO_LIST = "add_to_list", "Add to a static list"


_PERMISSIONS = {
    BulkAction.STAGE: "customers.change_customer",
    BulkAction.INTERESTS: "customers.change_customer",
    BulkAction.VERIFY: "customers.change_customer",
    BulkAction.ADD_TO_LIST: "customers.add_staticlistmember",
}


def _customers(public_ids: Sequence) -> list[Customer]:
    wanted = {str(public_id) for public_id in public_ids}
    if not wanted:
        raise ValidationError({"customers": "Choose at least one customer."})
    if len(wanted) > BULK_LIMIT:
        raise ValidationError(
            {"customers": f"Choose at most {BULK_LIMIT:,} customers for one action."}
        )
    try:
        found = list(locked(Customer.objects.filter(public_id__in=wanted)))
    except ValidationError as exc:
        raise ValidationError({"customers": "A customer id is not valid."}) from exc
    missing = len(wanted) - len(found)
    if missing:
        raise ValidationError({"customers": f"{missing} of the chosen customers no longer exist."})
    unusable = [c.display_name for c in found if c.is_archived or c.merged_into_id]
    if unusable:
        raise ValidationError(
            {"customers": "Archived or merged records cannot be changed: " + ", ".join(unusable)}
        )
    return found


def _touch(customers: list[Customer], fields: list[str], source: str) -> None:
    now = timezone.now()
    for customer in customers:
        sources = dict(customer.field_sources or {})
        for field in fields:
            sources[field] = {"source": source, "at": now.isoformat()}
        customer.field_sources = sources
        customer.updated_at = now


@transaction.atomic
def customers_bulk_update(
    *, public_ids: Sequence, action: str, value: str = "", actor
) -> dict[str, int | str]:
    """Apply ``action`` to every chosen customer, or to none: a bad value, a
    missing permission or an unusable record writes nothing. Returns the
    number changed and what was done, for the page's message."""
    if action not in BulkAction.values:
        raise ValidationError({"action": "Choose what to do with the chosen customers."})
    if actor is None or not actor.has_perm(_PERMISSIONS[action]):
        raise PermissionDenied("Your role may not do this to customers.")
    value = " ".join((value or "").split())
    source = "bulk action"
    user = history_actor(actor)
    if action == BulkAction.STAGE:
        if value not in LifecycleStage.values:
            raise ValidationError({"value": "Choose a lifecycle stage."})
        customers = _customers(public_ids)
        changed = [c for c in customers if c.lifecycle_stage != value]
        for customer in changed:
            customer.lifecycle_stage = value
        _touch(changed, ["lifecycle_stage"], source)
        label = LifecycleStage(value).label
        update_with_history(
            changed,
            Customer,
            ["lifecycle_stage", "field_sources", "updated_at"],
            user=user,
            reason=f"bulk action: lifecycle stage set to {label}",
        )
        return {"changed": len(changed), "done": f"lifecycle stage set to {label}"}
    if action == BulkAction.VERIFY:
        customers = _customers(public_ids)
        now = timezone.now()
        for customer in customers:
            customer.last_verified_at = now
        _touch(customers, ["last_verified_at"], "verified")
        update_with_history(
            customers,
            Customer,
            ["last_verified_at", "field_sources", "updated_at"],
            user=user,
            reason="bulk action: marked verified",
        )
        quality_check_customers(ids=[c.pk for c in customers])
        return {"changed": len(customers), "done": "marked verified"}
    if action == BulkAction.INTERESTS:
        if not can_view_sensitive(actor):
            raise PermissionDenied("Interests are sensitive data; your role may not set them.")
        names = [part for part in value.split(",") if part.strip()]
        if not names:
            raise ValidationError({"value": "Give one or more interests, separated by commas."})
        interests = _interests_from(names)
        customers = _customers(public_ids)
        through = Customer.interests.through
        have = set(
            through.objects.filter(customer__in=customers).values_list("customer_id", "interest_id")
        )
        new = [
            through(customer_id=c.pk, interest_id=i.pk)
            for c in customers
            for i in interests
            if (c.pk, i.pk) not in have
        ]
        through.objects.bulk_create(new)
        changed = sorted({row.customer_id for row in new})
        touched = [c for c in customers if c.pk in set(changed)]
        _touch(touched, ["interests"], source)
        words = ", ".join(i.name for i in interests)
        update_with_history(
            touched,
            Customer,
            ["field_sources", "updated_at"],
            user=user,
            reason=f"bulk action: interests added: {words}",
        )
        return {"changed": len(touched), "done": f"interests added: {words}"}
    # Add to a static list, made if it does not exist yet.
    if not value:
        raise ValidationError({"value": "Name the static list."})
    if len(value) > StaticList._meta.get_field("name").max_length:
        raise ValidationError({"value": "A list name is at most 120 characters."})
    customers = _customers(public_ids)
    static_list, _ = StaticList.objects.get_or_create(name=value, defaults={"created_by": user})
    already = set(
        StaticListMember.objects.filter(
            static_list=static_list, customer__in=customers
        ).values_list("customer_id", flat=True)
    )
    added = StaticListMember.objects.bulk_create(
        [
            StaticListMember(static_list=static_list, customer=c, added_by=user)
            for c in customers
            if c.pk not in already
        ]
    )
    return {"changed": len(added), "done": f"added to the list “{static_list.name}”"}
