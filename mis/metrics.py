"""The metrics registry: named, documented measures of the database.

Success criteria, requirement coverage, dashboards, review triggers and the
API all read measures from here, and a daily task snapshots every one of them
so that trends can be drawn. Each app registers its own measures in its
``metrics.py`` (imported by its AppConfig.ready()); this module holds no
domain logic, only the registry, the measuring and the snapshots.

A measure returns a number, or ``None`` when the data it needs does not exist
yet (no orders, no consents recorded, no duplicate sweep run): the registry
reports "no data" rather than a made-up figure.

Registering::

    @metrics.register(
        "active_customers",
        label="Active customers",
        unit=metrics.Unit.COUNT,
        description="Customers with an order in the last 12 months.",
    )
    def active_customers(*, as_of: date) -> Decimal | None: ...

A measure with parameters (the field of a completeness rate, the purpose of a
consent coverage) declares them with ``params=`` and their allowed values with
``choices=``; each is a keyword argument of the function.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone


class Unit(models.TextChoices):
    PERCENT = "percent", "%"  # 0 to 100
    COUNT = "count", "count"
    MONEY = "money", "£"  # in the reporting currency
    SCORE = "score", "score"  # a rating or score on the measure's own scale
    DAYS = "days", "days"


class Better(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


Compute = Callable[..., Decimal | int | float | None]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    unit: str
    compute: Compute
    better: str = Better.HIGHER
    params: tuple[str, ...] = ()
    # For each parameter, the values it may take (a callable, so that choices
    # read from the database, such as attribute or purpose names, stay live).
    choices: Mapping[str, Callable[[], Iterable[str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Measurement:
    metric: Metric
    params: dict
    value: Decimal | None
    as_of: dt.date

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def display(self) -> str:
        if self.value is None:
            return "no data"
        if self.metric.unit == Unit.PERCENT:
            return f"{self.value:.1f}%"
        if self.metric.unit == Unit.MONEY:
            return f"£{self.value:,.2f}"
        if self.metric.unit == Unit.COUNT:
            return f"{self.value:,.0f}"
        return f"{self.value:,.2f}".rstrip("0").rstrip(".")


_REGISTRY: dict[str, Metric] = {}
_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("metrics_memo", default=None)


@contextlib.contextmanager
def measuring():
    """Within this block, what several measures share (one scan of the
    customer table for every field's completeness, say) is read once."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memo(key: str, compute: Callable[[], object]):
    """``compute()``, once per ``measuring()`` block (every time outside one)."""
    store = _MEMO.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def register(
    name: str,
    *,
    label: str,
    unit: str,
    description: str,
    better: str = Better.HIGHER,
    params: tuple[str, ...] = (),
    choices: Mapping[str, Callable[[], Iterable[str]]] | None = None,
) -> Callable[[Compute], Compute]:
    def decorator(compute: Compute) -> Compute:
        if name in _REGISTRY and _REGISTRY[name].compute is not compute:
            raise ValueError(f"The metric {name!r} is registered twice.")
        _REGISTRY[name] = Metric(
            name=name,
            label=label,
            description=description,
            unit=unit,
            compute=compute,
            better=better,
            params=tuple(params),
            choices=dict(choices or {}),
        )
        return compute

    return decorator


def get(name: str) -> Metric:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValidationError(
            {"metric": f"“{name}” is not a metric. Known metrics: {', '.join(sorted(_REGISTRY))}."}
        ) from None


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: m.label)


def check_params(metric: Metric, params: Mapping | None) -> dict:
    """The parameters of a measure, checked: each one given, none unknown,
    each value among its choices. Raises ValidationError naming the problem."""
    params = dict(params or {})
    unknown = set(params) - set(metric.params)
    missing = [p for p in metric.params if not params.get(p)]
    errors = []
    if unknown:
        errors.append(f"{metric.label} takes no {', '.join(sorted(unknown))}.")
    if missing:
        errors.append(f"{metric.label} needs: {', '.join(missing)}.")
    for name, allowed in metric.choices.items():
        value = params.get(name)
        if value and value not in set(allowed()):
            errors.append(
                f"“{value}” is not a {name} of {metric.label} "
                f"(one of: {', '.join(sorted(allowed()))})."
            )
    if errors:
        raise ValidationError({"params": errors})
    return {p: params[p] for p in metric.params}


def measure(name: str, *, params: Mapping | None = None, as_of: dt.date | None = None):
    """Measure one metric now (or as of a day). Returns a Measurement whose
    value is None when the data does not exist yet."""
    metric = get(name)
    checked = check_params(metric, params)
    as_of = as_of or timezone.localdate()
    value = metric.compute(as_of=as_of, **checked)
    if value is not None:
        value = Decimal(str(value)).quantize(Decimal("0.0001"))
    return Measurement(metric=metric, params=checked, value=value, as_of=as_of)


def ratio(part: int, whole: int) -> Decimal | None:
    """A percentage, or no data when there is nothing to measure."""
    if not whole:
        return None
    return Decimal(100 * part) / Decimal(whole)


def snapshot_targets() -> list[tuple[Metric, dict]]:
    """Every metric with every combination of its parameters' choices."""
    targets = []
    for metric in all_metrics():
        combos: list[dict] = [{}]
        for param in metric.params:
            allowed = metric.choices.get(param)
            values = sorted(allowed()) if allowed else []
            combos = [{**c, param: v} for c in combos for v in values]
        targets.extend((metric, combo) for combo in combos)
    return targets


def params_key(params: Mapping) -> str:
    """A stable text form of a measure's parameters, for the snapshot table."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params))


@transaction.atomic
def metrics_snapshot(*, as_of: dt.date | None = None) -> int:
    """Record every metric's value for a day. Idempotent: a second snapshot of
    the same day replaces the first. Returns the number of values stored."""
    from mis.models import MetricSnapshot

    as_of = as_of or timezone.localdate()
    rows = []
    with measuring():
        measurements = [
            (metric, params, measure(metric.name, params=params, as_of=as_of))
            for metric, params in snapshot_targets()
        ]
    for metric, params, measurement in measurements:
        rows.append(
            MetricSnapshot(
                metric=metric.name,
                params_key=params_key(params),
                params=params,
                taken_on=as_of,
                value=measurement.value,
            )
        )
    MetricSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["metric", "params_key", "taken_on"],
        update_fields=["value", "params", "taken_at"],
    )
    return len(rows)


def trend(name: str, *, params: Mapping | None = None, days: int = 90):
    """The snapshots of one measure over the last ``days`` days, oldest first:
    a list of (day, value or None)."""
    from mis.models import MetricSnapshot

    since = timezone.localdate() - dt.timedelta(days=days)
    return list(
        MetricSnapshot.objects.filter(
            metric=name, params_key=params_key(params or {}), taken_on__gte=since
        )
        .order_by("taken_on")
        .values_list("taken_on", "value")
    )
