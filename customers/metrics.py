"""The customer database's measures in the metrics registry (mis.metrics)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, Q, Sum

from customers.models import DATA_COMPONENTS, Customer, Order, QualityIssue
from customers.models.quality import QualityIssueStatus
from mis import metrics

# The fields a completeness or validity rate can be asked of: every data
# component's fields. "interests" is a many-to-many, measured as "has any".
MEASURED_FIELDS = tuple(f for fields in DATA_COMPONENTS.values() for f in fields if f != "kind")
_NULLABLE = {"date_of_birth", "household_size", "last_verified_at"}


def _fields():
    return MEASURED_FIELDS


def _filled(path: str) -> Q:
    """The field (or a path to it, such as customer__email) has a value."""
    field = path.rsplit("__", 1)[-1]
    if field == "interests":
        return Q(**{f"{path}__isnull": False})
    if field in _NULLABLE:
        return Q(**{f"{path}__isnull": False})
    return ~Q(**{path: ""})


def _live():
    return Customer.objects.active()


def _year_before(as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=365)


@metrics.register(
    "customers",
    label="Customers",
    unit=metrics.Unit.COUNT,
    description="Customer and prospect records that are not archived, of every lifecycle stage.",
)
def customer_count(*, as_of: dt.date) -> int:
    return _live().filter(created_at__date__lte=as_of).count()


@metrics.register(
    "field_completeness",
    label="Field completeness",
    unit=metrics.Unit.PERCENT,
    description=(
        "Share of live records in which the field has a value. Measured on the records as "
        "they are when it is taken, whatever day it is taken for."
    ),
    params=("field",),
    choices={"field": _fields},
)
def field_completeness(*, as_of: dt.date, field: str):
    counts = _field_counts()
    return metrics.ratio(counts["filled"][field], counts["total"])


@metrics.register(
    "field_validity",
    label="Field validity",
    unit=metrics.Unit.PERCENT,
    description=(
        "Share of live records with a value in the field that carry no open quality issue "
        "on it. No data when no record has a value."
    ),
    params=("field",),
    choices={"field": _fields},
)
def field_validity(*, as_of: dt.date, field: str):
    counts = _field_counts()
    filled = counts["filled"][field]
    return metrics.ratio(filled - counts["flagged"][field], filled)


def _field_counts() -> dict:
    """Every field's counts in two scans, not two per field; within
    ``metrics.measuring()`` (the daily snapshot, a page of many measures)
    they are read once for all fields."""
    return metrics.memo("customers.field_counts", _count_fields)


def _count_fields() -> dict:
    live = _live()
    plain = [f for f in MEASURED_FIELDS if f != "interests"]
    row = live.aggregate(total=Count("pk"), **{f: Count("pk", filter=_filled(f)) for f in plain})
    filled = {f: row[f] for f in plain}
    filled["interests"] = live.filter(interests__isnull=False).values("pk").distinct().count()
    open_issues = QualityIssue.objects.filter(
        status=QualityIssueStatus.OPEN,
        customer__archived_at__isnull=True,
        customer__merged_into__isnull=True,
    )
    # A record counts as flagged on a field when it has a value there and an
    # open issue about it.
    flagged = open_issues.aggregate(
        **{
            f: Count(
                "customer",
                distinct=True,
                filter=Q(field=f) & _filled(f"customer__{f}"),
            )
            for f in plain
        }
    )
    flagged["interests"] = (
        open_issues.filter(field="interests", customer__interests__isnull=False)
        .values("customer")
        .distinct()
        .count()
    )
    return {"total": row["total"], "filled": filled, "flagged": flagged}


@metrics.register(
    "verified_recently",
    label="Verified in the last 12 months",
    unit=metrics.Unit.PERCENT,
    description="Share of live records whose last_verified_at is within 12 months.",
)
def verified_recently(*, as_of: dt.date):
    live = _live()
    recent = live.filter(
        last_verified_at__date__gt=_year_before(as_of), last_verified_at__date__lte=as_of
    ).count()
    return metrics.ratio(recent, live.count())


@metrics.register(
    "active_customers",
    label="Active customers",
    unit=metrics.Unit.COUNT,
    description="Customers with at least one order in the 12 months to the day.",
)
def active_customers(*, as_of: dt.date):
    if not Order.objects.exists():
        return None
    return (
        Order.objects.filter(ordered_at__date__gt=_year_before(as_of), ordered_at__date__lte=as_of)
        .values("customer")
        .distinct()
        .count()
    )


@metrics.register(
    "repeat_purchase_rate",
    label="Repeat-purchase rate",
    unit=metrics.Unit.PERCENT,
    description="Share of customers who have ordered that have ordered more than once.",
)
def repeat_purchase_rate(*, as_of: dt.date):
    per_customer = (
        Order.objects.filter(ordered_at__date__lte=as_of)
        .values("customer")
        .annotate(n=Count("pk"))
        .order_by()
    )
    buyers = per_customer.count()
    repeat = per_customer.filter(n__gte=2).count()
    return metrics.ratio(repeat, buyers)


def _orders_in_year(as_of: dt.date):
    # Amounts in different currencies are never added: figures are in the
    # reporting currency, from the orders placed in it.
    return Order.objects.filter(
        currency=settings.REPORTING_CURRENCY,
        ordered_at__date__gt=_year_before(as_of),
        ordered_at__date__lte=as_of,
    )


@metrics.register(
    "average_order_value",
    label="Average order value",
    unit=metrics.Unit.MONEY,
    description="Mean order total over the 12 months to the day, in the reporting currency.",
)
def average_order_value(*, as_of: dt.date):
    value = _orders_in_year(as_of).aggregate(v=Avg("total_amount"))["v"]
    return None if value is None else Decimal(value)


@metrics.register(
    "revenue_12m",
    label="Revenue, last 12 months",
    unit=metrics.Unit.MONEY,
    description="Sum of order totals over the 12 months to the day, in the reporting currency.",
)
def revenue_12m(*, as_of: dt.date):
    return _orders_in_year(as_of).aggregate(v=Sum("total_amount"))["v"]


# Measured by duplicate detection and the quality sweep: "no data" until
# they have run, rather than a made-up figure.
@metrics.register(
    "duplicate_rate",
    label="Duplicate rate",
    unit=metrics.Unit.PERCENT,
    better=metrics.Better.LOWER,
    description="Share of live records judged duplicates of another by the last duplicate sweep.",
)
def duplicate_rate(*, as_of: dt.date):
    from customers.models import DuplicateSweep, SweepStatus

    last = (
        DuplicateSweep.objects.filter(status=SweepStatus.DONE, finished_at__date__lte=as_of)
        .order_by("-finished_at")
        .first()
    )
    if last is None:
        return None
    return metrics.ratio(last.duplicate_records, last.records_checked)


@metrics.register(
    "quality_score",
    label="Quality score",
    unit=metrics.Unit.SCORE,
    description=(
        "Mean quality score (0 to 100) of the live records checked against the quality rules; "
        "no data until a record has been checked."
    ),
)
def quality_score(*, as_of: dt.date):
    value = _live().filter(quality__isnull=False).aggregate(v=Avg("quality__score"))["v"]
    return None if value is None else Decimal(value)
