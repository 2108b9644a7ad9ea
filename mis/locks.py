"""Row locks, taken one way everywhere.

Rows are locked in primary-key order, whatever the model's default ordering
(customers sort by ``-created_at``): two transactions that lock an
overlapping set of rows then queue instead of each holding what the other
waits for (a deadlock). Only the model's own rows are locked (``of=self``),
not those of a ``select_related`` join.

Check a row's state *after* locking it, on the row the lock returned, never
before: a check made before the lock may be stale by the time it is taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def locked(source: type[M] | models.QuerySet[M]) -> models.QuerySet[M]:
    """``source`` (a model or a queryset) as a locking queryset, in
    primary-key order. Must run inside a transaction."""
    queryset = source._default_manager.all() if isinstance(source, type) else source
    return queryset.order_by("pk").select_for_update(of=("self",))


def lock_one(instance: M) -> M:
    """``instance`` fetched again under a row lock (raises DoesNotExist
    when it was deleted meanwhile)."""
    return locked(type(instance)).get(pk=instance.pk)


def lock_many(model: type[M], pks: Iterable[int]) -> dict[int, M]:
    """The rows of ``pks`` that still exist, locked in primary-key order."""
    return {row.pk: row for row in locked(model).filter(pk__in=set(pks))}
