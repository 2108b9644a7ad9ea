"""Reads of campaigns: the funnel of one campaign, in one query per figure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum

from customers.models import Campaign, CampaignResponse, CampaignSnapshotMember, ResponseKind

# The funnel's stages, in order; each counts members, not responses.
FUNNEL = (
    ResponseKind.DELIVERED,
    ResponseKind.OPENED,
    ResponseKind.CLICKED,
    ResponseKind.CONVERTED,
)
# Responding is opening, clicking or converting.
RESPONDED = (ResponseKind.OPENED, ResponseKind.CLICKED, ResponseKind.CONVERTED)


@dataclass(frozen=True)
class Funnel:
    members: int
    # kind -> members with at least one response of that kind
    by_kind: dict[str, int]
    responded: int
    revenue: Decimal
    currency: str

    def rate(self, count: int) -> Decimal | None:
        if not self.members:
            return None
        return Decimal(100 * count) / Decimal(self.members)

    @property
    def stages(self) -> list[tuple[str, str, int, Decimal | None]]:
        """(kind, label, members, % of members) in funnel order, then the rest."""
        labels = dict(ResponseKind.choices)
        order = [*FUNNEL, *(k for k in ResponseKind.values if k not in FUNNEL)]
        return [
            (k, labels[k], self.by_kind.get(k, 0), self.rate(self.by_kind.get(k, 0))) for k in order
        ]


def campaign_members(campaign: Campaign):
    return CampaignSnapshotMember.objects.filter(snapshot__campaigns=campaign)


def campaign_funnel(campaign: Campaign, *, as_of: dt.date | None = None) -> Funnel:
    """How many of the campaign's members reached each stage (by ``as_of``'s
    end), and the revenue of its conversions in the reporting currency."""
    members = campaign_members(campaign).values("customer_id").distinct().count()
    responses = CampaignResponse.objects.filter(campaign=campaign)
    if as_of is not None:
        responses = responses.filter(occurred_at__date__lte=as_of)
    counts = responses.aggregate(
        **{
            kind: Count("member__customer_id", filter=Q(kind=kind), distinct=True)
            for kind in ResponseKind.values
        },
        responded=Count("member__customer_id", filter=Q(kind__in=RESPONDED), distinct=True),
        revenue=Sum(
            "value",
            filter=Q(kind=ResponseKind.CONVERTED, currency=settings.REPORTING_CURRENCY),
            default=Decimal("0"),
        ),
    )
    return Funnel(
        members=members,
        by_kind={k: counts[k] for k in ResponseKind.values},
        responded=counts["responded"],
        revenue=counts["revenue"],
        currency=settings.REPORTING_CURRENCY,
    )
