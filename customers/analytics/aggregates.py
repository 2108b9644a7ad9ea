"""The analytics pages' figures, derived once per metrics refresh into
AnalyticsFigure (a few thousand rows at most), and read back shaped for the
charts and tables.

- Cohort retention: customers grouped by the month of their first order; for
  each later month, how many of them ordered in it (a customer counts once a
  month). Month 0 is the cohort's size.
- Purchase frequency: live customers who have ordered, by number of orders.
- Revenue by channel, category and region, by month: order totals (order-line
  amounts for categories) in the reporting currency only.
- New customers by month the record was created, the lifecycle mix now, and
  the number of orders (for the overview).
- The RFM grid (recency x frequency) and the RFM segments of live customers.

Months are calendar months in the local time zone; the window is the
``MONTHS`` months up to the reference day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from customers.models import (
    AnalyticsFigure,
    Customer,
    CustomerMetrics,
    FigureKind,
    Order,
    OrderLine,
    RfmSegment,
)

MONTHS = 24
FREQUENCY_BUCKETS = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5", 5, 5),
    ("6–10", 6, 10),
    ("11+", 11, None),
)
NO_REGION = "(no region)"
BEFORE = "before"


def _month(value) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def _window_start(as_of: dt.date) -> dt.datetime:
    """The first moment of the first month of the window."""
    year, month = as_of.year, as_of.month - (MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return timezone.make_aware(dt.datetime(year, month, 1))


def _cutoff(as_of: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))


def _months_between(first: str, later: str) -> int:
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, later.split("-")))
    return (y2 - y1) * 12 + (m2 - m1)


def _figures(as_of: dt.date):
    start, cutoff = _window_start(as_of), _cutoff(as_of)
    orders = Order.objects.filter(ordered_at__gte=start, ordered_at__lt=cutoff)
    money = orders.filter(currency=settings.REPORTING_CURRENCY)
    live = Customer.objects.active()

    cohorts = (
        orders.filter(customer__metrics__first_order_at__gte=start)
        .annotate(
            cohort=TruncMonth("customer__metrics__first_order_at"), month=TruncMonth("ordered_at")
        )
        .order_by()
        .values("cohort", "month")
        .annotate(n=Count("customer_id", distinct=True))
    )
    for row in cohorts:
        cohort = _month(row["cohort"])
        yield (
            FigureKind.COHORT,
            cohort,
            str(_months_between(cohort, _month(row["month"]))),
            row["n"],
        )

    counts = dict(
        CustomerMetrics.objects.filter(customer__archived_at__isnull=True, order_count__gt=0)
        .order_by()
        .values_list("order_count")
        .annotate(n=Count("pk"))
    )
    for label, low, high in FREQUENCY_BUCKETS:
        n = sum(v for k, v in counts.items() if k >= low and (high is None or k <= high))
        yield FigureKind.FREQUENCY, label, "", n

    by_channel = (
        money.annotate(month=TruncMonth("ordered_at")).order_by().values("month", "channel")
    )
    for row in by_channel.annotate(total=Sum("total_amount")):
        yield FigureKind.REVENUE_CHANNEL, _month(row["month"]), row["channel"], row["total"]
    by_region = (
        money.annotate(month=TruncMonth("ordered_at"))
        .order_by()
        .values("month", "customer__region")
    )
    for row in by_region.annotate(total=Sum("total_amount")):
        region = row["customer__region"] or NO_REGION
        yield FigureKind.REVENUE_REGION, _month(row["month"]), region, row["total"]
    lines = (
        OrderLine.objects.filter(
            order__ordered_at__gte=start,
            order__ordered_at__lt=cutoff,
            order__currency=settings.REPORTING_CURRENCY,
        )
        .annotate(month=TruncMonth("order__ordered_at"))
        .order_by()
        .values("month", "product_category")
        .annotate(total=Sum("amount"))
    )
    for row in lines:
        yield (
            FigureKind.REVENUE_CATEGORY,
            _month(row["month"]),
            row["product_category"],
            row["total"],
        )

    new = (
        live.filter(created_at__gte=start, created_at__lt=cutoff)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in new:
        yield FigureKind.GROWTH, _month(row["month"]), "", row["n"]
    yield FigureKind.GROWTH, BEFORE, "", live.filter(created_at__lt=start).count()
    for stage, n in live.order_by().values_list("lifecycle_stage").annotate(n=Count("pk")):
        yield FigureKind.LIFECYCLE, stage, "", n
    yield FigureKind.TOTAL, "orders", "", Order.objects.filter(ordered_at__lt=cutoff).count()

    scored = CustomerMetrics.objects.filter(
        customer__archived_at__isnull=True, rfm_r__isnull=False
    ).order_by()
    for r, f, n in scored.values_list("rfm_r", "rfm_f").annotate(n=Count("pk")):
        yield FigureKind.RFM_GRID, str(r), str(f), n
    for segment, n in scored.values_list("rfm_segment").annotate(n=Count("pk")):
        yield FigureKind.RFM_SEGMENT, segment, "", n


def aggregates_refresh(*, as_of: dt.date) -> int:
    """Replace every figure with those as of ``as_of``. Run inside the metrics
    refresh's transaction, so that pages never see half of them."""
    rows = [
        AnalyticsFigure(kind=kind, key=key, detail=detail, value=Decimal(value or 0), as_of=as_of)
        for kind, key, detail, value in _figures(as_of)
    ]
    AnalyticsFigure.objects.all().delete()
    AnalyticsFigure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# Reading ----------------------------------------------------------------------


class Figures:
    """Every figure, read in one query, shaped for the charts and tables."""

    def __init__(self):
        self.by_kind: dict[str, list[AnalyticsFigure]] = defaultdict(list)
        for figure in AnalyticsFigure.objects.order_by("kind", "key", "detail"):
            self.by_kind[figure.kind].append(figure)
        self.as_of = next((f.as_of for rows in self.by_kind.values() for f in rows), None)

    def rows(self, kind: str) -> list[AnalyticsFigure]:
        return self.by_kind.get(kind, [])

    def cohort_table(self) -> dict:
        """Rows of (cohort month, size, [retention % for month 1, 2, ...]): 0
        for a month that has passed with no order from the cohort, None for
        one that has not come yet."""
        cells: dict[str, dict[int, Decimal]] = defaultdict(dict)
        for figure in self.rows(FigureKind.COHORT):
            cells[figure.key][int(figure.detail)] = figure.value
        if not cells or self.as_of is None:
            return {"months": [], "rows": []}
        last = _month(self.as_of)
        width = _months_between(min(cells), last)
        rows = []
        for cohort in sorted(cells):
            size = cells[cohort].get(0, Decimal(0))
            passed = _months_between(cohort, last)
            retention = [
                (cells[cohort].get(m, Decimal(0)) * 100 / size).quantize(Decimal("0.1"))
                if size and m <= passed
                else None
                for m in range(1, width + 1)
            ]
            rows.append({"cohort": cohort, "size": int(size), "retention": retention})
        return {"months": list(range(1, width + 1)), "rows": rows}

    def series(self, kind: str, *, top: int = 6) -> dict:
        """Month-by-detail figures as chart series: the ``top`` details by
        total, the rest summed as "other"."""
        table: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for figure in self.rows(kind):
            table[figure.key][figure.detail] += figure.value
            totals[figure.detail] += figure.value
        leaders = sorted(totals, key=lambda d: (-totals[d], d))[:top]
        months = sorted(table)
        named = [(name, [table[m].get(name, Decimal(0)) for m in months]) for name in leaders]
        if len(totals) > top:
            rest = [sum(v for d, v in table[m].items() if d not in leaders) for m in months]
            named.append(("other", rest))
        return {"labels": months, "series": [{"name": n, "values": v} for n, v in named]}

    def simple(self, kind: str, order: list[str] | None = None) -> list[tuple[str, Decimal]]:
        """(key, value) pairs; with ``order``, every key of it in that order."""
        values = {figure.key: figure.value for figure in self.rows(kind)}
        if order is None:
            return sorted(values.items())
        return [(key, values.get(key, Decimal(0))) for key in order]

    def growth(self) -> dict:
        """New customers per month and the running total, month by month from
        the first month with a new customer to the reference day."""
        values = dict(self.simple(FigureKind.GROWTH))
        running = values.pop(BEFORE, Decimal(0))
        months = _month_range(min(values), _month(self.as_of)) if values and self.as_of else []
        new, total = [], []
        for month in months:
            running += values.get(month, Decimal(0))
            new.append(values.get(month, Decimal(0)))
            total.append(running)
        return {"labels": months, "new": new, "total": total}

    def rfm_grid(self) -> list[list[int]]:
        """Counts by R (rows, 5 first) and F (columns 1 to 5)."""
        cells = {(f.key, f.detail): int(f.value) for f in self.rows(FigureKind.RFM_GRID)}
        return [[cells.get((str(r), str(f)), 0) for f in range(1, 6)] for r in range(5, 0, -1)]


def _month_range(first: str, last: str) -> list[str]:
    months, (year, month) = [], map(int, first.split("-"))
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


FREQUENCY_ORDER = [label for label, _, _ in FREQUENCY_BUCKETS]
SEGMENT_ORDER = list(RfmSegment.values)
