"""Reads of governance: the current consent state derived from the ledger."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from customers.models import Customer
from governance.models import (
    AccessAction,
    AccessLog,
    Acknowledgement,
    Channel,
    Consent,
    DataSubjectRequest,
    ProcedureVersion,
    Purpose,
    RequestStatus,
)


def consent_latest_ids(events: QuerySet[Consent] | None = None) -> QuerySet:
    """The ids of the latest event of each customer x purpose x channel among
    ``events`` (default: every event), as a subquery. One pass over the
    ``consent_latest`` index: DISTINCT ON on PostgreSQL, a correlated
    "latest id" elsewhere."""
    events = Consent.objects.all() if events is None else events
    if connection.vendor == "postgresql":
        return (
            events.order_by("customer_id", "purpose_id", "channel", "-occurred_at", "-id")
            .distinct("customer_id", "purpose_id", "channel")
            .values("pk")
        )
    latest = (
        events.filter(
            customer=OuterRef("customer"), purpose=OuterRef("purpose"), channel=OuterRef("channel")
        )
        .order_by("-occurred_at", "-id")
        .values("pk")[:1]
    )
    return events.filter(pk=Subquery(latest)).values("pk")


def consent_current(events: QuerySet[Consent] | None = None) -> QuerySet[Consent]:
    """The current state: the latest event of each customer x purpose x
    channel. Filter the result freely (``status="granted"``): the filters
    apply after the latest event was chosen."""
    return Consent.objects.filter(pk__in=consent_latest_ids(events))


def consent_history(customer: Customer) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(customer=customer)
        .select_related("purpose", "actor")
        .order_by("-occurred_at", "-id")
    )


def consent_state(customer: Customer) -> list[dict]:
    """One row per active purpose and channel it uses, with the latest event
    (or None: never asked). Two queries whatever the number of purposes."""
    current = {
        (event.purpose_id, event.channel): event
        for event in consent_current(Consent.objects.filter(customer=customer)).select_related(
            "purpose"
        )
    }
    rows = []
    for purpose in Purpose.objects.filter(is_active=True).order_by("label"):
        for channel in purpose.channels or Channel.values:
            rows.append(
                {
                    "purpose": purpose,
                    "channel": channel,
                    "channel_label": Channel(channel).label,
                    "event": current.get((purpose.pk, channel)),
                }
            )
    return rows


# Access monitoring ------------------------------------------------------------


def _usage_rows(logs: QuerySet[AccessLog], *, threshold: int, group_by: tuple[str, ...]):
    return (
        logs.values(*group_by)
        .annotate(
            views=Count("pk", filter=Q(action__in=[AccessAction.VIEW, AccessAction.API_READ])),
            lists=Count("pk", filter=Q(action=AccessAction.LIST)),
            exports=Count("pk", filter=Q(action=AccessAction.EXPORT)),
            records=Sum("record_count"),
            bulk=Count("pk", filter=Q(record_count__gt=threshold)),
        )
        .order_by(*(f"-{name}" if name == "day" else name for name in group_by))
    )


def access_usage(*, since: dt.datetime, until: dt.datetime, threshold: int) -> list[dict]:
    """Per day and user: record views, list reads, exports, records read and
    reads above the bulk threshold. One grouped query over the ``at`` index."""
    logs = AccessLog.objects.filter(at__gte=since, at__lt=until).annotate(day=TruncDate("at"))
    return list(_usage_rows(logs, threshold=threshold, group_by=("day", "username")))


def access_active_users(*, since: dt.datetime, until: dt.datetime) -> list[dict]:
    """Per day: how many different users read personal data."""
    return list(
        AccessLog.objects.filter(at__gte=since, at__lt=until)
        .exclude(username="")
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(users=Count("username", distinct=True))
        .order_by("-day")
    )


def access_bulk(
    *, since: dt.datetime, until: dt.datetime, threshold: int, limit: int = 100
) -> QuerySet[AccessLog]:
    """Reads of more records than the threshold: flagged for review."""
    return AccessLog.objects.filter(
        at__gte=since, at__lt=until, record_count__gt=threshold
    ).order_by("-at")[:limit]


def access_monthly_report(*, month: dt.date, threshold: int) -> list[dict]:
    """One row per user for the calendar month that ``month`` falls in."""
    since, until = month_bounds(month)
    logs = AccessLog.objects.filter(at__gte=since, at__lt=until)
    return list(_usage_rows(logs, threshold=threshold, group_by=("username",)))


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time())),
        timezone.make_aware(dt.datetime.combine(following, dt.time())),
    )


def access_log_about(customer_id: int) -> QuerySet[AccessLog]:
    """Every read that touched this customer's record (through the GIN index
    on PostgreSQL)."""
    logs = AccessLog.objects.order_by("at", "id")
    if connection.vendor == "postgresql":
        return logs.filter(customer_ids__contains=[customer_id])
    # SQLite has no JSON containment lookup: match the id as a list element.
    return logs.filter(Q(customer_ids__regex=rf"[\[ ,]{customer_id}[,\]]"))


# Data-subject requests ---------------------------------------------------------


def dsr_overdue(*, at: dt.datetime | None = None) -> QuerySet:
    """Open requests past their (possibly extended) due date."""
    at = at or timezone.now()
    return (
        DataSubjectRequest.objects.filter(status=RequestStatus.OPEN)
        .annotate(effective_due=Coalesce("extended_due_at", "due_at"))
        .filter(effective_due__lt=at)
        .order_by("effective_due")
    )


# Procedures ---------------------------------------------------------------------


def procedure_current_versions() -> list:
    """The current version of every procedure that has one: one query."""
    latest = ProcedureVersion.objects.filter(procedure=OuterRef("procedure")).order_by("-number")
    return list(
        ProcedureVersion.objects.filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("procedure")
        .order_by("procedure__topic", "procedure__title")
    )


def procedure_outstanding() -> list[dict]:
    """For each current version, the people with a role who have not
    acknowledged it. Three queries whatever the number of users."""
    versions = procedure_current_versions()
    users = list(
        get_user_model()
        .objects.filter(is_active=True, groups__isnull=False)
        .distinct()
        .order_by("username")
    )
    done = set(
        Acknowledgement.objects.filter(version__in=versions).values_list("version_id", "user_id")
    )
    return [
        {
            "version": version,
            "missing": [user for user in users if (version.pk, user.pk) not in done],
            "total": len(users),
        }
        for version in versions
    ]


# Audit view -------------------------------------------------------------------


def history_previous(rows: list) -> dict:
    """For customer history rows, the version of the same record just before
    each: {later history_id: earlier row}. Two queries for a whole page."""
    if not rows:
        return {}
    model = type(rows[0])
    earlier = model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    pairs = dict(
        model.objects.filter(history_id__in=[row.history_id for row in rows])
        .annotate(previous_id=Subquery(earlier.order_by("-history_id").values("history_id")[:1]))
        .values_list("history_id", "previous_id")
    )
    previous = model.objects.in_bulk([p for p in pairs.values() if p is not None])
    return {later: previous[p] for later, p in pairs.items() if p in previous}
