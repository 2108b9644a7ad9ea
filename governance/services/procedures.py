"""Publishing procedures and acknowledging them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from governance.models import Acknowledgement, Procedure, ProcedureVersion
from governance.services.audit import audit_record
from mis.locks import lock_one

PUBLISH_PERMISSION = "governance.add_procedureversion"


@transaction.atomic
def procedure_publish(
    *, procedure: Procedure, body: str, change_summary: str = "", actor
) -> ProcedureVersion:
    """A new current version: everyone is asked to acknowledge it."""
    if actor is None or not actor.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("Only the data protection lead publishes procedures.")
    if not (body or "").strip():
        raise ValidationError({"body": "A procedure needs its text."})
    procedure = lock_one(procedure)
    latest = procedure.versions.aggregate(n=Max("number"))["n"] or 0
    if latest and not (change_summary or "").strip():
        raise ValidationError({"change_summary": "Say what changed since the last version."})
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=latest + 1,
        body=body.strip(),
        change_summary=(change_summary or "").strip(),
        published_by=actor,
    )
    audit_record(
        kind="procedure_published",
        actor=actor,
        subject=f"procedure {procedure.code}",
        detail={"version": version.number},
    )
    return version


def procedure_acknowledge(*, version: ProcedureVersion, user) -> Acknowledgement:
    """The user has read this version. Only the current version can be
    acknowledged; acknowledging twice is harmless."""
    current = version.procedure.versions.order_by("-number").first()
    if current is None or current.pk != version.pk:
        raise ValidationError("A newer version has been published: read that one.")
    try:
        with transaction.atomic():
            return Acknowledgement.objects.create(version=version, user=user)
    except IntegrityError:
        return Acknowledgement.objects.get(version=version, user=user)
