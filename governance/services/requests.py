"""Data-subject requests: register, check identity, extend, fulfil."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from customers.models import Customer, Order, QualityIssue
from customers.services import customer_archive
from governance import selectors
from governance.models import (
    MAX_EXTENSION_DAYS,
    RESPONSE_DAYS,
    AccessAction,
    AccessVia,
    Consent,
    DataSubjectRequest,
    ErasureAction,
    ErasureReason,
    IdentityStatus,
    RequestKind,
    RequestStatus,
    SuppressionReason,
)
from governance.services.access import access_log_record
from governance.services.audit import audit_record
from governance.services.consent import objection_register
from governance.services.erasure import customer_erase
from governance.services.suppression import suppression_add
from mis.csvfiles import csv_dict_writer
from mis.locks import lock_one

HANDLE_PERMISSION = "governance.change_datasubjectrequest"


def _require(actor) -> None:
    if actor is None or not actor.has_perm(HANDLE_PERMISSION):
        raise PermissionDenied("Only the data protection lead handles data-subject requests.")


def _open(request: DataSubjectRequest) -> None:
    if request.status != RequestStatus.OPEN:
        raise ValidationError(f"This request is {request.get_status_display().lower()}.")


def _fulfil_without_record(request: DataSubjectRequest, *, outcome: str, actor) -> None:
    """A request from someone MIS holds nothing about. An objection or an
    erasure still puts their contact point on the suppression list, so that
    a later import does not bring them in."""
    if request.kind in (RequestKind.OBJECTION, RequestKind.ERASURE) and request.requester_contact:
        contact = request.requester_contact
        suppression_add(
            email=contact if "@" in contact else "",
            phone="" if "@" in contact else contact,
            reason=SuppressionReason.OBJECTION
            if request.kind == RequestKind.OBJECTION
            else SuppressionReason.REQUEST,
            actor=actor,
        )
    request.outcome = outcome or "No personal data about this person is held."


@transaction.atomic
def dsr_register(
    *,
    customer: Customer | None,
    kind: str,
    received_via: str,
    received_at: dt.datetime | None = None,
    requester_name: str = "",
    requester_contact: str = "",
    actor=None,
) -> DataSubjectRequest:
    """Register a request from a customer, or (``customer`` None) from a
    person who is not in the database, named by ``requester_name``."""
    errors = {}
    requester_name = " ".join((requester_name or "").split())
    requester_contact = (requester_contact or "").strip()
    if customer is None and not requester_name:
        errors["requester_name"] = (
            "Choose the customer, or give the name of a person who is not in the database."
        )
    if kind not in RequestKind.values:
        errors["kind"] = f"“{kind}” is not a kind (one of: {', '.join(RequestKind.values)})."
    if not (received_via or "").strip():
        errors["received_via"] = "Say how the request came (email, letter, phone, web form)."
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        errors["received_at"] = "A request cannot be received in the future."
    if errors:
        raise ValidationError(errors)
    request = DataSubjectRequest.objects.create(
        customer=customer,
        requester_name=requester_name,
        requester_contact=requester_contact,
        kind=kind,
        received_via=received_via.strip(),
        received_at=received_at,
        due_at=received_at + dt.timedelta(days=RESPONSE_DAYS),
    )
    audit_record(
        kind="dsr_registered",
        actor=actor,
        subject=f"request {request.public_id}",
        detail={"kind": kind},
    )
    return request


@transaction.atomic
def dsr_identity_check(
    *, request: DataSubjectRequest, verified: bool, method: str, actor
) -> DataSubjectRequest:
    _require(actor)
    _open(request)
    if not (method or "").strip():
        raise ValidationError({"identity_method": "Say how identity was checked."})
    request.identity_status = IdentityStatus.VERIFIED if verified else IdentityStatus.FAILED
    request.identity_method = method.strip()
    request.identity_checked_at = timezone.now()
    request.handled_by = actor
    if not verified:
        request.status = RequestStatus.REFUSED
        request.outcome = "Refused: the requester's identity could not be verified."
    request.save()
    audit_record(
        kind="dsr_identity_checked",
        actor=actor,
        subject=f"request {request.public_id}",
        detail={"verified": verified},
    )
    return request


@transaction.atomic
def dsr_extend(*, request: DataSubjectRequest, days: int, reason: str, actor) -> DataSubjectRequest:
    """Art. 12(3): up to two further months, once, with the reason."""
    _require(actor)
    _open(request)
    errors = {}
    if request.extended_due_at is not None:
        errors["extended_due_at"] = "The deadline was extended already."
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        errors["days"] = f"Extend by 1 to {MAX_EXTENSION_DAYS} days."
    if not (reason or "").strip():
        errors["extension_reason"] = "Give the reason (it is told to the person)."
    if errors:
        raise ValidationError(errors)
    request.extended_due_at = request.due_at + dt.timedelta(days=days)
    request.extension_reason = reason.strip()
    request.save(update_fields=["extended_due_at", "extension_reason"])
    audit_record(
        kind="dsr_extended",
        actor=actor,
        subject=f"request {request.public_id}",
        detail={"days": days},
    )
    return request


# The package (access, portability) -------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    """Dates, decimals and UUIDs as Django writes them; anything else (a
    country, a phone number object) as its text."""

    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _plain(row: dict) -> dict:
    return json.loads(json.dumps(row, cls=_Encoder))


def _fields(instance, exclude=()) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in exclude and not getattr(field, "generated", False)
    }


def customer_data(customer: Customer) -> dict[str, list[dict]]:
    """Everything held about the person, one list of rows per kind."""
    record = _fields(customer)
    record["interests"] = sorted(customer.interests.values_list("name", flat=True))
    record["country"] = str(customer.country)
    orders = (
        Order.objects.filter(customer=customer).prefetch_related("lines").order_by("ordered_at")
    )
    return {
        "customer": [record],
        "orders": [_fields(order) for order in orders],
        "order_lines": [_fields(line) for order in orders for line in order.lines.all()],
        "consents": [
            {**_fields(event, exclude=("actor_id",)), "purpose": event.purpose.code}
            for event in Consent.objects.filter(customer=customer).select_related("purpose")
        ],
        "quality_issues": [
            _fields(issue) for issue in QualityIssue.objects.filter(customer=customer)
        ],
        "history": [
            {
                **model_to_dict(row, exclude=["history_user", "interests"]),
                "history_date": row.history_date,
                "history_type": row.get_history_type_display(),
            }
            for row in customer.history.order_by("history_date")
        ],
        "access_log": [
            {
                "at": entry.at,
                "by": entry.username or "system",
                "action": entry.get_action_display(),
                "via": entry.get_via_display(),
                "records_in_that_read": entry.record_count,
            }
            for entry in selectors.access_log_about(customer.pk)
        ],
    }


def _csv(rows: list[dict]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv_dict_writer(buffer, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
        )
    return buffer.getvalue()


def dsr_package(customer: Customer) -> bytes:
    """A zip: ``data.json`` with everything, and one CSV per kind of row."""
    data = {kind: [_plain(row) for row in rows] for kind, rows in customer_data(customer).items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        for kind, rows in data.items():
            archive.writestr(f"{kind}.csv", _csv(rows))
    return buffer.getvalue()


# Fulfilment ------------------------------------------------------------------------


@transaction.atomic
def dsr_fulfil(*, request: DataSubjectRequest, actor, outcome: str = "") -> DataSubjectRequest:
    """Do what the request asks. Needs a verified identity and an open request."""
    _require(actor)
    request = lock_one(request)
    _open(request)
    if request.identity_status != IdentityStatus.VERIFIED:
        raise ValidationError("Check the requester's identity before fulfilling the request.")
    customer = request.customer
    kind = request.kind
    if customer is None and request.tombstone_id is None and request.requester_name:
        # Never in the database: nothing to hand over, erase or restrict.
        _fulfil_without_record(request, outcome=outcome, actor=actor)
    elif customer is None:
        raise ValidationError("The customer of this request no longer exists.")
    elif kind in (RequestKind.ACCESS, RequestKind.PORTABILITY):
        request.package.save(
            f"{request.public_id}.zip", ContentFile(dsr_package(customer)), save=False
        )
        access_log_record(
            user=actor,
            action=AccessAction.EXPORT,
            via=AccessVia.PAGE,
            customer_ids=[customer.pk],
            detail=f"data-subject request {request.public_id}",
        )
        request.outcome = outcome or "Package of all data held sent to the person."
    elif kind == RequestKind.ERASURE:
        tombstone = customer_erase(
            customer=customer,
            action=ErasureAction.DELETE,
            reason=ErasureReason.REQUEST,
            actor=actor,
        )
        request.customer = None
        request.tombstone = tombstone
        request.certificate = {
            "certificate": "Erasure of personal data (GDPR Art. 17)",
            "request": str(request.public_id),
            "received_at": request.received_at.isoformat(),
            "erased_at": tombstone.erased_at.isoformat(),
            "tombstone": str(tombstone.reference),
            "erased": tombstone.counts,
            "kept": "Consent events without personal data, as proof; keyed hashes of the "
            "email address and phone number on the suppression list, so that the person "
            "is not contacted or re-added.",
            "by": actor.get_username(),
        }
        request.outcome = outcome or "Erased everywhere; certificate issued."
    elif kind == RequestKind.OBJECTION:
        objection_register(customer=customer, source=f"request {request.public_id}", actor=actor)
        request.outcome = outcome or "Every marketing purpose withdrawn; contact points suppressed."
    elif kind == RequestKind.RESTRICTION:
        customer_archive(customer=customer, actor=actor)
        request.outcome = outcome or "Record archived: no longer in lists, exports or campaigns."
    else:  # rectification: the correction is made on the record's edit page
        if not (outcome or "").strip():
            raise ValidationError({"outcome": "Say what was corrected."})
        request.outcome = outcome
    request.status = RequestStatus.FULFILLED
    request.fulfilled_at = timezone.now()
    request.handled_by = actor
    request.save()
    audit_record(
        kind="dsr_fulfilled",
        actor=actor,
        subject=f"request {request.public_id}",
        detail={"kind": kind},
    )
    return request
