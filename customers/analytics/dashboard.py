"""The overview's key figures: the registry's measures as the daily snapshots
recorded them, each with its trend, so that the overview reads a few small
rows instead of measuring a million customers on every visit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from customers.models import AnalyticsFigure, FigureKind
from mis import metrics
from mis.models import MetricSnapshot

# In the order the overview shows them; a measure not registered (its app
# not installed) is left out, one with no snapshot yet says so.
KEY_FIGURES = (
    "customers",
    "active_customers",
    "revenue_12m",
    "quality_score",
    "duplicate_rate",
    "consent_coverage",
)
TREND_DAYS = 90


def key_figures(*, days: int = TREND_DAYS) -> list[dict]:
    """One entry per measure (per parameter set for measures with parameters):
    label, latest value as text, the day it was taken and the trend as
    (day, value) pairs, oldest first. One query."""
    registered = {metric.name: metric for metric in metrics.all_metrics()}
    names = [name for name in KEY_FIGURES if name in registered]
    since = timezone.localdate() - dt.timedelta(days=days)
    points: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    params_of: dict[tuple[str, str], dict] = {}
    rows = (
        MetricSnapshot.objects.filter(metric__in=names, taken_on__gte=since)
        .order_by("metric", "params_key", "taken_on")
        .values_list("metric", "params_key", "params", "taken_on", "value")
    )
    for name, key, params, day, value in rows:
        points[name][key].append((day, value))
        params_of[(name, key)] = params
    figures = []
    for name in names:
        metric = registered[name]
        if not points[name]:
            figures.append(_figure(metric, {}, []))
        for key, trend in sorted(points[name].items()):
            figures.append(_figure(metric, params_of[(name, key)], trend))
    for index, figure in enumerate(figures):
        figure["chart_id"] = f"trend-{index}"
    return figures


def _figure(metric: metrics.Metric, params: dict, trend: list[tuple[dt.date, Decimal | None]]):
    latest_day, latest = trend[-1] if trend else (None, None)
    measurement = metrics.Measurement(
        metric=metric, params=params, value=latest, as_of=latest_day or timezone.localdate()
    )
    suffix = f" ({', '.join(str(v) for v in params.values())})" if params else ""
    values = [None if value is None else float(value) for _, value in trend]
    return {
        "name": metric.name,
        "label": metric.label + suffix,
        "description": metric.description,
        "display": measurement.display if trend else "no snapshot yet",
        "as_of": latest_day,
        "trend": {"labels": [day.isoformat() for day, _ in trend], "values": values},
        # A sparkline: the shape of the trend, no axes.
        "chart": {
            "type": "line",
            "data": {
                "labels": [day.isoformat() for day, _ in trend],
                "datasets": [{"data": values, "borderColor": "#2f80ed", "pointRadius": 0}],
            },
            "options": {
                "animation": False,
                "plugins": {"legend": {"display": False}},
                "scales": {"x": {"display": False}, "y": {"display": False}},
            },
        },
    }


def overview_counts() -> dict | None:
    """Live customers by lifecycle stage and the number of orders, as of the
    last metrics refresh (one small query), or None before the first one."""
    rows = list(
        AnalyticsFigure.objects.filter(kind__in=[FigureKind.LIFECYCLE, FigureKind.TOTAL])
        .order_by()
        .values_list("kind", "key", "value", "as_of")
    )
    if not rows:
        return None
    stages = {key: int(value) for kind, key, value, _ in rows if kind == FigureKind.LIFECYCLE}
    orders = next((int(v) for kind, key, v, _ in rows if kind == FigureKind.TOTAL), 0)
    return {"stages": stages, "orders": orders, "as_of": rows[0][3]}
