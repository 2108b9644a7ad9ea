"""What every guarded transition in the insight app shares: who may, from
which state, and the record of it written in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from insight.models import Transition

SYSTEM = "system"  # the actor name of changes made by scheduled tasks

M = TypeVar("M", bound=models.Model)


def require_permission(actor, permission: str, doing: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(f"You do not have permission to {doing}.")


def require_status(subject: Any, allowed: Iterable[str], doing: str) -> None:
    """``subject`` is a model with a ``status`` field of choices."""
    allowed = tuple(allowed)
    if subject.status not in allowed:
        labels = dict(subject._meta.get_field("status").choices)
        wanted = " or ".join(f"“{labels[s]}”" for s in allowed)
        raise ValidationError(
            {
                "status": f"Only {_article(subject._meta.verbose_name)} in {wanted} can {doing}; "
                f"this one is “{subject.get_status_display()}”."
            },
            code="wrong_status",
        )


def _article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def refuse(field: str, message: str, code: str) -> None:
    raise ValidationError({field: message}, code=code)


def transition_record(
    *, subject: Any, to_status: str, actor, reason: str = "", **changes
) -> Transition:
    """Move ``subject`` to ``to_status`` (saving ``changes`` with it) and record
    who, when and why. Call inside the service's transaction, after its guards."""
    from_status = subject.status
    subject.status = to_status
    for field, value in changes.items():
        setattr(subject, field, value)
    update_fields = ["status", *changes]
    if any(f.name == "updated_at" for f in subject._meta.fields):
        update_fields.append("updated_at")
    subject.save(update_fields=update_fields)
    return Transition.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM,
        reason=reason,
    )


def now():
    return timezone.now()
