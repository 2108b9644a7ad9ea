"""Reads for segments: the live count, members, saved segments."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from customers.masking import can_view_sensitive
from customers.models import (
    CampaignSnapshot,
    CampaignSnapshotMember,
    Customer,
    Segment,
    SegmentVersion,
)
from customers.segments.compiler import facts_matching, segment_queryset


@dataclass(frozen=True)
class LiveCount:
    value: int  # always exact


def live_count(condition: Q) -> LiveCount:
    """How many live customers a compiled condition matches, exactly: one
    count over the narrow facts table (customers.segments.facts), current
    with every committed change to customers and orders."""
    return LiveCount(value=facts_matching(condition).count())


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


def segment_versions_visible_to(user) -> QuerySet[SegmentVersion]:
    """The saved segment versions ``user`` may read: a version whose rules
    used a sensitive field stays hidden, even after its segment stopped using
    that field."""
    versions = SegmentVersion.objects.select_related("saved_by")
    return versions if can_view_sensitive(user) else versions.filter(uses_sensitive_data=False)


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
