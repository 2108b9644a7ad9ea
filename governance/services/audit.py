from __future__ import annotations

from governance.models import AuditEvent

SYSTEM = "system"


def actor_name(actor) -> str:
    return actor.get_username() if actor is not None else SYSTEM


def audit_record(*, kind: str, actor=None, subject: str = "", detail: dict | None = None):
    """Record what a state change meant. Call inside the service's transaction."""
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_name=actor_name(actor),
        subject=subject,
        detail=detail or {},
    )
