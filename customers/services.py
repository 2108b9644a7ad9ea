"""Writes to the customer database. Pages, the API, admin, commands and tasks
all call these functions, so validation, provenance and history are the same
whichever face a change comes through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from customers import fields as registry
from customers.masking import masked_fields_for
from customers.models import Contactability, Customer, Interest, Order, OrderLine
from customers.quality.services import quality_check_customers
from customers.validation import normalise_tag
from integrations.events import EventType
from integrations.services import webhook_emit
from mis.history import history_actor, history_note
from mis.locks import lock_one

# Fields a caller may set through customer_create / customer_update: the
# registry's (interests, many-to-many, are set on their own) and attributes.
CUSTOMER_WRITABLE_FIELDS = (
    *(spec.name for spec in registry.FIELDS if spec.type != registry.Type.TAGS),
    "attributes",
)


def _check_sensitive_write(actor, data: Mapping[str, Any], customer: Customer | None) -> None:
    """Someone who may not see a sensitive field may not write it either: they
    would be overwriting a value they cannot read."""
    if actor is None:
        return
    forbidden = [field for field in masked_fields_for(actor) if field in data]
    if forbidden:
        raise PermissionDenied(
            "You do not have permission to change sensitive data: " + ", ".join(forbidden) + "."
        )


def _interests_from(names: Iterable[str] | None) -> list[Interest]:
    wanted = sorted({normalise_tag(n) for n in names or () if normalise_tag(n)})
    longest = registry.limit("interests", "max_length")
    if any(len(name) > longest for name in wanted):
        raise ValidationError({"interests": f"An interest is at most {longest} characters."})
    existing = {i.name: i for i in Interest.objects.filter(name__in=wanted)}
    missing = [Interest(name=n) for n in wanted if n not in existing]
    if missing:
        Interest.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {i.name: i for i in Interest.objects.filter(name__in=wanted)}
    return [existing[n] for n in wanted]


def _apply(customer: Customer, data: Mapping[str, Any], *, source: str) -> list[str]:
    unknown = sorted(set(data) - set(CUSTOMER_WRITABLE_FIELDS) - {"interests"})
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be set."))
    changed = []
    for field in CUSTOMER_WRITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if value is None and field not in {
            "date_of_birth",
            "household_size",
            "last_verified_at",
            "attributes",
        }:
            value = ""
        if field == "attributes" and value is None:
            value = {}
        if getattr(customer, field) != value:
            setattr(customer, field, value)
            changed.append(field)
    return changed


def _record_sources(customer: Customer, fields: Iterable[str], source: str) -> None:
    now = timezone.now().isoformat()
    sources = dict(customer.field_sources or {})
    for field in fields:
        sources[field] = {"source": source, "at": now}
    customer.field_sources = sources


@transaction.atomic
def customer_create(*, data: Mapping[str, Any], source: str, actor=None) -> Customer:
    """Validate and store a new customer. Raises ValidationError (per field) or
    PermissionDenied; on either nothing is written."""
    _check_sensitive_write(actor, data, None)
    customer = Customer(source=source)
    fields = _apply(customer, data, source=source)
    customer.full_clean()
    interests = _interests_from(data.get("interests")) if "interests" in data else []
    _record_sources(customer, [*fields, *(["interests"] if interests else [])], source)
    history_note(customer, actor=actor, reason=f"created from {source}")
    customer.save()
    if interests:
        # Interests are a many-to-many, saved after the row: history records
        # them as a second entry, which says so.
        history_note(customer, actor=actor, reason=f"interests from {source}")
        customer.interests.set(interests)
    quality_check_customers(ids=[customer.pk])
    webhook_emit(event_type=EventType.CUSTOMER_CREATED, data={"id": customer.public_id})
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, data: Mapping[str, Any], source: str, actor=None
) -> Customer:
    """Apply a partial update. Only fields present in ``data`` change; each one's
    provenance becomes ``source``."""
    if customer.is_archived:
        raise ValidationError("This customer is archived; restore it before editing.")
    _check_sensitive_write(actor, data, customer)
    customer = lock_one(customer)
    stored = {field: getattr(customer, field) for field in CUSTOMER_WRITABLE_FIELDS}
    changed = _apply(customer, data, source=source)
    customer.full_clean()
    # Judge changes on normalised values: "ADA@example.com" for a stored
    # "ada@example.com" is no change, so it gets no provenance and no history.
    changed = [field for field in changed if getattr(customer, field) != stored[field]]
    if "email" in changed and customer.contactability == Contactability.HARD_BOUNCE:
        # A new address has not bounced.
        customer.contactability = Contactability.OK
        changed.append("contactability")
    interests_changed = False
    if "interests" in data:
        interests = _interests_from(data["interests"])
        current = set(customer.interests.values_list("pk", flat=True))
        interests_changed = current != {i.pk for i in interests}
    if not changed and not interests_changed:
        return customer
    _record_sources(customer, [*changed, *(["interests"] if interests_changed else [])], source)
    history_note(customer, actor=actor, reason=f"updated from {source}")
    customer.save()
    if interests_changed:
        customer.interests.set(interests)
    quality_check_customers(ids=[customer.pk])
    # The names of the fields that changed, never their values.
    webhook_emit(
        event_type=EventType.CUSTOMER_UPDATED,
        data={"id": customer.public_id, "fields": [*changed, *(["interests"] * interests_changed)]},
    )
    return customer


@transaction.atomic
def customer_mark_verified(*, customer: Customer, actor=None) -> Customer:
    """Someone checked the record with the person (or a trusted source):
    it is current as of now."""
    if customer.is_archived:
        raise ValidationError("This customer is archived; restore it before verifying.")
    customer = lock_one(customer)
    customer.last_verified_at = timezone.now()
    _record_sources(customer, ["last_verified_at"], "verified")
    history_note(customer, actor=actor, reason="marked verified")
    customer.save(update_fields=["last_verified_at", "field_sources", "updated_at"])
    quality_check_customers(ids=[customer.pk])
    return customer


@transaction.atomic
def customer_archive(*, customer: Customer, actor=None, reason: str = "") -> Customer:
    """Archive instead of delete: the record leaves lists and exports but keeps
    its history, and can be restored."""
    customer = lock_one(customer)
    if customer.is_archived:
        return customer
    customer.archived_at = timezone.now()
    history_note(customer, actor=actor, reason=f"archived: {reason}" if reason else "archived")
    customer.save(update_fields=["archived_at", "updated_at"])
    webhook_emit(event_type=EventType.CUSTOMER_ARCHIVED, data={"id": customer.public_id})
    return customer


@transaction.atomic
def customer_restore(*, customer: Customer, actor=None) -> Customer:
    customer = lock_one(customer)
    if not customer.is_archived:
        return customer
    customer.archived_at = None
    history_note(customer, actor=actor, reason="restored")
    customer.save(update_fields=["archived_at", "updated_at"])
    return customer


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    data: Mapping[str, Any],
    lines: list[Mapping[str, Any]],
    source: str,
    actor=None,
) -> Order:
    """Store an order with its lines; the order total is the sum of the lines."""
    if not lines:
        raise ValidationError({"lines": "An order needs at least one line."})
    # Missing values reach full_clean, which names the field.
    ordered_at: Any = data.get("ordered_at")
    order = Order(
        customer=customer,
        source=source,
        external_id=(data.get("external_id") or "").strip(),
        ordered_at=ordered_at,
        currency=(data.get("currency") or "GBP").upper(),
        channel=data.get("channel") or "",
    )
    line_objects: list[OrderLine] = []
    for given in lines:
        amount: Any = given.get("amount")
        line_objects.append(
            OrderLine(
                order=order,
                product_category=(given.get("product_category") or "").strip(),
                # Only a missing quantity means 1; a 0 must reach validation.
                quantity=1 if given.get("quantity") in (None, "") else given["quantity"],
                amount=amount,
            )
        )
    errors: dict[str, list] = {}
    try:
        order.full_clean(exclude=["customer"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for index, line in enumerate(line_objects):
        try:
            line.full_clean(exclude=["order"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"lines[{index}].{field}", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    order.total_amount = sum((line.amount for line in line_objects), Decimal("0.00"))
    history_note(order, actor=actor, reason=f"created from {source}")
    order.save()
    for line in line_objects:
        line.order = order
    bulk_create_with_history(line_objects, OrderLine, default_user=history_actor(actor))
    return order
