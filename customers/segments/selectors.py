"""Reads for segments: the live count, members, saved segments."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from customers.models import CampaignSnapshot, CampaignSnapshotMember, Customer, Segment
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


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.select_related("owner").order_by("name")


def segment_get(public_id) -> Segment:
    return Segment.objects.select_related("owner").get(public_id=public_id)


def snapshot_customers(snapshot: CampaignSnapshot) -> QuerySet[Customer]:
    """The customers frozen in a snapshot, for its export."""
    return Customer.objects.filter(
        pk__in=CampaignSnapshotMember.objects.filter(snapshot=snapshot).values("customer_id")
    )


def segment_snapshots(segment: Segment) -> QuerySet[CampaignSnapshot]:
    return segment.snapshots.select_related("taken_by").order_by("-taken_at")
