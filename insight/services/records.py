"""Creating the plain records of the insight app (requirements, sources,
options, ...): permission checked, validated by the model's own rules,
nothing written on any error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from insight.services.lifecycle import require_permission
from mis.locks import lock_one

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def record_create(model: type[M], *, actor, data: Mapping[str, Any], **extra) -> M:
    """Raises PermissionDenied without ``add_<model>``, ValidationError (per
    field) on bad data."""
    opts = model._meta
    require_permission(
        actor, f"{opts.app_label}.add_{opts.model_name}", f"add {opts.verbose_name_plural}"
    )
    instance = model(**data, **extra)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def record_update(instance: M, *, actor, data: Mapping[str, Any]) -> M:
    opts = instance._meta
    require_permission(
        actor, f"{opts.app_label}.change_{opts.model_name}", f"change {opts.verbose_name_plural}"
    )
    instance = lock_one(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance
