"""``metrics_refresh``: the one service that derives every customer's buying
pattern (CustomerMetrics) from the orders, for the command line, the nightly
Celery task and tests alike.

On PostgreSQL it is one set-based statement: aggregate the orders per
customer, score the buyers with window functions, upsert with INSERT ... ON
CONFLICT. Elsewhere (SQLite, the quick start) the same figures are computed
by the ORM and Python and written with bulk upserts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from customers.analytics import rfm
from customers.analytics.aggregates import aggregates_refresh
from customers.models import (
    Customer,
    CustomerMetrics,
    Order,
)
from customers.segments.facts import facts_rfm_refresh
from mis.bulk import vacuum_after_commit

UPSERT_BATCH = 2000
CENT = Decimal("0.01")

# Every figure of a CustomerMetrics row, in the order the API gives them.
METRIC_COLUMNS = (
    "order_count",
    "total_spent",
    "first_order_at",
    "last_order_at",
    "recency_days",
    "avg_order_value",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_segment",
    "as_of",
)


@dataclass(frozen=True)
class RefreshResult:
    as_of: dt.date
    customers: int  # one row per customer
    buyers: int  # customers with at least one order up to as_of
    written: int  # rows whose figures changed and were written


def _cutoff(as_of: dt.date) -> dt.datetime:
    """The first moment after ``as_of`` in the local time zone: orders up to
    and including that day count."""
    next_day = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(next_day, timezone.get_default_timezone())


@transaction.atomic
def metrics_refresh(*, as_of: dt.date | None = None) -> RefreshResult:
    """Recompute every customer's CustomerMetrics as of ``as_of`` (today by
    default) from their orders placed on or before that day. Idempotent: a
    second run for the same day writes the same figures."""
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise ValueError(f"Metrics cannot be computed as of a future day ({as_of}).")
    if connection.vendor == "postgresql":
        written = _refresh_postgresql(as_of)
    else:
        written = _refresh_portable(as_of)
    # The segment rules read the scores from the customers' facts.
    facts_rfm_refresh()
    counts = CustomerMetrics.objects.aggregate(
        customers=Count("pk"), buyers=Count("pk", filter=Q(order_count__gt=0))
    )
    # The analytics pages' figures, in the same transaction so that they
    # always agree with the per-customer metrics.
    aggregates_refresh(as_of=as_of)
    return RefreshResult(as_of=as_of, written=written, **counts)


def _refresh_postgresql(as_of: dt.date) -> int:
    """One statement: aggregate the orders per buyer (one pass over the
    orders, grouped by customer), score the buyers with window functions,
    and upsert a row for every customer. A row whose figures are already
    those computed is left as it is (the ``WHERE ... IS DISTINCT FROM`` of
    the upsert), so a second refresh for the same day writes nothing and a
    nightly one writes only the rows whose figures moved. Returns the rows
    written."""
    customer = Customer._meta.db_table
    order = Order._meta.db_table
    metrics = CustomerMetrics._meta.db_table
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in METRIC_COLUMNS)
    current = ", ".join(f"m.{column}" for column in METRIC_COLUMNS)
    computed = ", ".join(f"EXCLUDED.{column}" for column in METRIC_COLUMNS)
    sql = f"""
        WITH buyers AS (
            SELECT o.customer_id,
                   COUNT(*) AS order_count,
                   COALESCE(SUM(o.total_amount) FILTER (WHERE o.currency = %(currency)s), 0)
                       AS total_spent,
                   COUNT(*) FILTER (WHERE o.currency = %(currency)s) AS money_orders,
                   MIN(o.ordered_at) AS first_order_at,
                   MAX(o.ordered_at) AS last_order_at,
                   (%(as_of)s::date - (MAX(o.ordered_at) AT TIME ZONE %(tz)s)::date)
                       AS recency_days
            FROM {order} o
            WHERE o.ordered_at < %(cutoff)s
            GROUP BY o.customer_id
        ),
        scored AS (
            SELECT b.*,
                   {rfm.score_sql("recency_days", higher_is_better=False)} AS rfm_r,
                   {rfm.score_sql("order_count", higher_is_better=True)} AS rfm_f,
                   {rfm.score_sql("total_spent", higher_is_better=True)} AS rfm_m
            FROM buyers b
        )
        INSERT INTO {metrics} AS m (customer_id, {", ".join(METRIC_COLUMNS)})
        SELECT c.id, COALESCE(s.order_count, 0), COALESCE(s.total_spent, 0),
               s.first_order_at, s.last_order_at, s.recency_days,
               CASE WHEN s.money_orders > 0 THEN ROUND(s.total_spent / s.money_orders, 2) END,
               s.rfm_r, s.rfm_f, s.rfm_m,
               COALESCE({rfm.segment_sql("s.rfm_r", "s.rfm_f", "s.rfm_m")}, ''),
               %(as_of)s
        FROM {customer} c LEFT JOIN scored s ON s.customer_id = c.id
        ON CONFLICT (customer_id) DO UPDATE SET {updates}
        WHERE ({current}) IS DISTINCT FROM ({computed})
    """
    with connection.cursor() as cursor:
        # One aggregate over every order and three sorts of the buyers: with
        # the server's default 4 MB per hash or sort they spill to disk. The
        # plan is a few scans and sorts, which JIT compilation only delays
        # (seconds, on the planner's inflated row estimate). Only for this
        # transaction.
        cursor.execute("SET LOCAL work_mem TO '256MB'")
        cursor.execute("SET LOCAL jit TO off")
        cursor.execute(
            sql,
            {
                "currency": settings.REPORTING_CURRENCY,
                "cutoff": _cutoff(as_of),
                "as_of": as_of,
                "tz": settings.TIME_ZONE,
            },
        )
        written = cursor.rowcount
    if written:
        # Fresh statistics for the planner at once, and the old row versions
        # freed after the commit: the table keeps half of each page free
        # (migration 0030) so that tomorrow's new versions fit beside them.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {metrics}")
        vacuum_after_commit(metrics)
    return written


def _refresh_portable(as_of: dt.date) -> int:
    """The same figures through the ORM: one aggregate query, the scores in
    Python, bulk upserts. Holds one small tuple per customer in memory, which
    is fine at the sizes SQLite is used for."""
    counted = Q(orders__ordered_at__lt=_cutoff(as_of))
    in_currency = counted & Q(orders__currency=settings.REPORTING_CURRENCY)
    rows = list(
        Customer.objects.order_by()
        .values_list("pk")
        .annotate(
            order_count=Count("orders", filter=counted),
            total=Sum("orders__total_amount", filter=in_currency),
            money_orders=Count("orders", filter=in_currency),
            first=Min("orders__ordered_at", filter=counted),
            last=Max("orders__ordered_at", filter=counted),
        )
        .iterator(chunk_size=UPSERT_BATCH)
    )

    def recency(last: dt.datetime) -> int:
        return (as_of - timezone.localtime(last).date()).days

    buyers = [row for row in rows if row[1] > 0]
    score_r = rfm.Scorer([recency(row[5]) for row in buyers], higher_is_better=False)
    score_f = rfm.Scorer([row[1] for row in buyers], higher_is_better=True)
    score_m = rfm.Scorer([row[2] or Decimal(0) for row in buyers], higher_is_better=True)

    objects = []
    for pk, order_count, total, money_orders, first, last in rows:
        total = Decimal(total or 0).quantize(CENT)
        metrics = CustomerMetrics(
            customer_id=pk,
            order_count=order_count,
            total_spent=total,
            first_order_at=first,
            last_order_at=last,
            as_of=as_of,
            avg_order_value=(
                (total / money_orders).quantize(CENT, rounding=ROUND_HALF_UP)
                if money_orders
                else None
            ),
        )
        if order_count:
            metrics.recency_days = recency(last)
            metrics.rfm_r = score_r(metrics.recency_days)
            metrics.rfm_f = score_f(order_count)
            metrics.rfm_m = score_m(total)
            metrics.rfm_segment = rfm.segment_for(metrics.rfm_r, metrics.rfm_f, metrics.rfm_m)
        objects.append(metrics)
    CustomerMetrics.objects.bulk_create(
        objects,
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=list(METRIC_COLUMNS),
    )
    return len(objects)
