"""Saving and deleting the records of the insight app (requirements, sources,
options, criteria, tasks, ...): permission checked, the status rules of
``guards`` enforced against the record as stored, validated by the model's
own rules, nothing written on any error. Pages, the API and admin all save
through here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from insight.services import guards
from insight.services.lifecycle import require_permission
from mis.locks import lock_one, locked

M = TypeVar("M", bound=models.Model)


def _require(actor, action: str, model: type[models.Model]) -> None:
    opts = model._meta
    verb = {"add": "add", "change": "change", "delete": "delete"}[action]
    require_permission(
        actor, f"{opts.app_label}.{action}_{opts.model_name}", f"{verb} {opts.verbose_name_plural}"
    )


@transaction.atomic
def record_save(instance: M, *, actor) -> M:
    """Save ``instance`` as it stands (new or changed). Raises
    PermissionDenied without ``add_``/``change_<model>``, ValidationError
    (per field) when a status rule or the model's rules refuse it."""
    model = type(instance)
    before = None
    if instance.pk is not None:
        before = locked(model).filter(pk=instance.pk).first()
    _require(actor, "change" if before is not None else "add", model)
    guards.require_changeable(instance, before=before)
    instance.full_clean()
    instance.save()
    return instance


def record_create(model: type[M], *, actor, data: Mapping[str, Any], **extra) -> M:
    return record_save(model(**data, **extra), actor=actor)


@transaction.atomic
def record_update(instance: M, *, actor, data: Mapping[str, Any]) -> M:
    instance = lock_one(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    return record_save(instance, actor=actor)


@transaction.atomic
def record_delete(instance: models.Model, *, actor) -> None:
    """Delete the record unless a status rule keeps it."""
    model = type(instance)
    _require(actor, "delete", model)
    stored = locked(model).filter(pk=instance.pk).first()
    if stored is None:
        return
    guards.require_deletable(stored)
    stored.delete()
