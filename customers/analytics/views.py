"""The analytics pages: every chart beside its figures as a table and a CSV
download, all read from the pre-aggregated figures (AnalyticsFigure)."""

from __future__ import annotations

import colorsys
import io
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET

from customers.analytics import aggregates
from customers.models import AnalyticsFigure, FigureKind, LifecycleStage, OrderChannel, RfmSegment
from mis.csvfiles import csv_writer

VIEW = "customers.view_customer"
PALETTE = ("#2f80ed", "#219653", "#b7791f", "#c0392b", "#8e44ad", "#16a085", "#7a869a")

# The columns of each figure's CSV: what key and detail mean for it.
CSV_COLUMNS = {
    FigureKind.COHORT: ("first_order_month", "months_since", "customers"),
    FigureKind.FREQUENCY: ("orders", "", "customers"),
    FigureKind.REVENUE_CHANNEL: ("month", "channel", "revenue"),
    FigureKind.REVENUE_CATEGORY: ("month", "category", "revenue"),
    FigureKind.REVENUE_REGION: ("month", "region", "revenue"),
    FigureKind.GROWTH: ("month_created", "", "new_customers"),
    FigureKind.LIFECYCLE: ("lifecycle_stage", "", "customers"),
    FigureKind.RFM_GRID: ("rfm_r", "rfm_f", "customers"),
    FigureKind.RFM_SEGMENT: ("rfm_segment", "", "customers"),
}


def _number(value) -> float:
    return float(value) if isinstance(value, Decimal) else value


def _chart(kind: str, labels: list, datasets: list[tuple[str, list]], **options) -> dict:
    """A Chart.js configuration."""
    return {
        "type": kind,
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": name,
                    "data": [_number(v) for v in values],
                    "backgroundColor": PALETTE[i % len(PALETTE)]
                    if kind != "doughnut"
                    else list(PALETTE),
                    "borderColor": PALETTE[i % len(PALETTE)],
                }
                for i, (name, values) in enumerate(datasets)
            ],
        },
        "options": {"responsive": True, "animation": False, **options},
    }


def _stacked(series: dict) -> dict:
    return _chart(
        "bar",
        series["labels"],
        [(s["name"], s["values"]) for s in series["series"]],
        scales={"x": {"stacked": True}, "y": {"stacked": True}},
    )


def _heat(percent) -> str:
    """A cell's background for a retention share: deeper blue for more."""
    if percent is None:
        return ""
    lightness = round(96 - min(float(percent), 100) * 0.5)
    return f"background: hsl(214, 80%, {lightness}%); color: {_ink(214, 0.8, lightness / 100)}"


def _ink(hue: int, saturation: float, lightness: float) -> str:
    """Black or white text, whichever contrasts more with the background: at
    least 4.5:1 on any background (WCAG AA)."""
    rgb = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#fff"


def _drill(**filters) -> str:
    """The customer list filtered to the customers behind a figure."""
    return f"{reverse('customers:list')}?{urlencode(filters)}"


def _month_after(month: str, months: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@require_GET
@permission_required(VIEW, raise_exception=True)
def analytics_index(request):
    figures = aggregates.Figures()
    cohorts = figures.cohort_table()
    for row in cohorts["rows"]:
        row["link"] = _drill(first_order_month=row["cohort"])
        row["cells"] = [
            (
                value,
                _heat(value),
                _drill(
                    first_order_month=row["cohort"],
                    ordered_month=_month_after(row["cohort"], months),
                ),
            )
            for months, value in enumerate(row["retention"], start=1)
        ]
    frequency = figures.simple(FigureKind.FREQUENCY, aggregates.FREQUENCY_ORDER)
    revenue = {
        "channel": figures.series(FigureKind.REVENUE_CHANNEL),
        "category": figures.series(FigureKind.REVENUE_CATEGORY),
        "region": figures.series(FigureKind.REVENUE_REGION),
    }
    growth = figures.growth()
    stages = dict(LifecycleStage.choices)
    lifecycle = [
        (stages.get(key, key), value)
        for key, value in figures.simple(FigureKind.LIFECYCLE, list(stages))
    ]
    segment_labels = dict(RfmSegment.choices)
    segment_figures = figures.simple(FigureKind.RFM_SEGMENT, aggregates.SEGMENT_ORDER)
    segments = [(segment_labels[key], value) for key, value in segment_figures]
    segment_links = [_drill(rfm_segment=key) for key, _ in segment_figures]
    lifecycle_links = [
        _drill(lifecycle_stage=key) for key, _ in figures.simple(FigureKind.LIFECYCLE, list(stages))
    ]
    grid = figures.rfm_grid()
    grid_max = max((max(row) for row in grid), default=0) or 1
    channel_names = dict(OrderChannel.choices)
    for series in revenue["channel"]["series"]:
        series["name"] = channel_names.get(series["name"], series["name"])
    context = {
        "as_of": figures.as_of,
        "reporting_currency": settings.REPORTING_CURRENCY,
        "cohorts": cohorts,
        "frequency": frequency,
        "revenue": revenue,
        "growth": growth,
        "lifecycle": list(zip(lifecycle, lifecycle_links, strict=True)),
        "segments": list(zip(segments, segment_links, strict=True)),
        "grid": [
            (
                5 - i,
                [
                    (n, _heat(n * 100 / grid_max), _drill(rfm_r=5 - i, rfm_f=f))
                    for f, n in enumerate(row, start=1)
                ],
            )
            for i, row in enumerate(grid)
        ],
        "charts": {
            "frequency": _chart(
                "bar",
                [label for label, _ in frequency],
                [("Customers", [v for _, v in frequency])],
                plugins={"legend": {"display": False}},
            ),
            "revenue_channel": _stacked(revenue["channel"]),
            "revenue_category": _stacked(revenue["category"]),
            "revenue_region": _stacked(revenue["region"]),
            "growth": _chart(
                "line",
                growth["labels"],
                [("All customers", growth["total"]), ("New in the month", growth["new"])],
            ),
            # "links": where a click on a slice or bar leads (static/js/charts.js).
            "lifecycle": {
                **_chart(
                    "doughnut",
                    [label for label, _ in lifecycle],
                    [("Customers", [v for _, v in lifecycle])],
                ),
                "links": lifecycle_links,
            },
            "segments": {
                **_chart(
                    "bar",
                    [label for label, _ in segments],
                    [("Customers", [v for _, v in segments])],
                    indexAxis="y",
                    plugins={"legend": {"display": False}},
                ),
                "links": segment_links,
            },
        },
    }
    return render(request, "analytics/index.html", context)


@require_GET
@permission_required(VIEW, raise_exception=True)
def analytics_csv(request, kind: str):
    """One figure's rows as CSV, with columns named for what they hold."""
    if kind not in CSV_COLUMNS:
        raise Http404("No such figure.")
    key, detail, value = CSV_COLUMNS[kind]
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([c for c in (key, detail, value, "as_of") if c])
    for figure in AnalyticsFigure.objects.filter(kind=kind).order_by("key", "detail"):
        cells = [figure.key, figure.detail, f"{figure.value:f}", figure.as_of.isoformat()]
        if not detail:
            del cells[1]
        writer.writerow(cells)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{kind}.csv")
    return response
