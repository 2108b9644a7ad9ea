"""Reads for segments: the live count, members, saved segments."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet

from customers.masking import can_view_sensitive
from customers.models import CampaignSnapshot, CampaignSnapshotMember, Customer, Segment
from customers.segments.compiler import segment_queryset

# Counting stops here: beyond it an exact figure costs a scan of most of the
# table on every edit, and "more than 50,000" is what a person needs to know
# while building. The planner's estimate is given beside it.
COUNT_CAP = 50_000
# A count that takes longer than this is abandoned for the planner's estimate,
# so that the builder answers within its budget whatever the rules (PostgreSQL).
COUNT_TIMEOUT_MS = 200


@dataclass(frozen=True)
class LiveCount:
    value: int  # exact when neither capped nor estimated, else COUNT_CAP or the estimate
    capped: bool
    estimate: int | None = None  # the planner's estimate when capped or timed out
    estimated: bool = False  # the count took too long: value is the estimate


def live_count(
    queryset: QuerySet[Customer], *, cap: int = COUNT_CAP, timeout_ms: int = COUNT_TIMEOUT_MS
) -> LiveCount:
    """How many customers match: exact up to ``cap``; on PostgreSQL, the
    planner's estimate when counting would take more than ``timeout_ms``."""
    limited = queryset.order_by()[: cap + 1]
    if connection.vendor != "postgresql":
        counted = limited.count()
    else:
        try:
            # Its own (sub)transaction: a cancelled count rolls back only itself,
            # and the limit is lifted again after a count that finished.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [f"{int(timeout_ms)}ms"])
                counted = limited.count()
                cursor.execute("SET LOCAL statement_timeout = DEFAULT")
        except OperationalError:  # cancelled by statement_timeout
            estimate = _planner_estimate(queryset)
            return LiveCount(value=estimate or 0, capped=False, estimate=estimate, estimated=True)
    if counted <= cap:
        return LiveCount(value=counted, capped=False)
    return LiveCount(value=cap, capped=True, estimate=_planner_estimate(queryset))


def _planner_estimate(queryset: QuerySet) -> int | None:
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def segment_members(segment: Segment) -> QuerySet[Customer]:
    """The live customers a saved segment matches now. Its rules were checked
    when it was saved, as the person who saved them."""
    return segment_queryset(segment.rules)


def segments_visible_to(user) -> QuerySet[Segment]:
    """The segments ``user`` may see: a segment whose rules use a sensitive
    field only for those who may use that field (its members, snapshots and
    exports follow it). ``None`` is the command line, which may not use
    sensitive filters either."""
    segments = Segment.objects.all()
    return segments if can_view_sensitive(user) else segments.filter(uses_sensitive_data=False)


def snapshots_visible_to(user) -> QuerySet[CampaignSnapshot]:
    snapshots = CampaignSnapshot.objects.all()
    if can_view_sensitive(user):
        return snapshots
    return snapshots.filter(uses_sensitive_data=False, segment__uses_sensitive_data=False)


def segment_list(user) -> QuerySet[Segment]:
    return segments_visible_to(user).select_related("owner").order_by("name")


def segment_get(public_id, *, user) -> Segment:
    return segments_visible_to(user).select_related("owner").get(public_id=public_id)


def snapshot_customers(snapshot: CampaignSnapshot) -> QuerySet[Customer]:
    """The customers frozen in a snapshot, for its export."""
    return Customer.objects.filter(
        pk__in=CampaignSnapshotMember.objects.filter(snapshot=snapshot).values("customer_id")
    )


def segment_snapshots(segment: Segment, *, user) -> QuerySet[CampaignSnapshot]:
    return (
        snapshots_visible_to(user)
        .filter(segment=segment)
        .select_related("taken_by")
        .order_by("-taken_at")
    )
