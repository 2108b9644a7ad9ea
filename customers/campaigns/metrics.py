"""Campaign measures in the metrics registry (mis.metrics): success criteria
and evaluations can aim at a campaign's response and conversion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from customers.campaigns.selectors import campaign_funnel
from customers.models import Campaign
from mis import metrics


def _campaigns():
    return Campaign.objects.values_list("name", flat=True)


def _figure(campaign: str, as_of: dt.date, pick) -> Decimal | None:
    """``pick(funnel)`` for the campaign, or no data before its first response."""
    found = Campaign.objects.filter(name=campaign).first()
    funnel = None if found is None else campaign_funnel(found, as_of=as_of)
    if funnel is None or not any(funnel.by_kind.values()):
        return None
    return pick(funnel)


@metrics.register(
    "campaign_response_rate",
    label="Campaign response rate",
    unit=metrics.Unit.PERCENT,
    description=(
        "Share of a campaign's members (every snapshot it was sent to) who opened, clicked "
        "or converted. No data until a response is reported."
    ),
    params=("campaign",),
    choices={"campaign": _campaigns},
)
def campaign_response_rate(*, as_of: dt.date, campaign: str) -> Decimal | None:
    return _figure(campaign, as_of, lambda funnel: funnel.rate(funnel.responded))


@metrics.register(
    "campaign_conversion_rate",
    label="Campaign conversion rate",
    unit=metrics.Unit.PERCENT,
    description="Share of a campaign's members who converted (bought or signed up).",
    params=("campaign",),
    choices={"campaign": _campaigns},
)
def campaign_conversion_rate(*, as_of: dt.date, campaign: str) -> Decimal | None:
    return _figure(campaign, as_of, lambda funnel: funnel.rate(funnel.by_kind["converted"]))


@metrics.register(
    "campaign_revenue",
    label="Campaign revenue",
    unit=metrics.Unit.MONEY,
    description=(
        "The value of a campaign's conversions, in the reporting currency (conversions in "
        "other currencies are not added)."
    ),
    params=("campaign",),
    choices={"campaign": _campaigns},
)
def campaign_revenue(*, as_of: dt.date, campaign: str) -> Decimal | None:
    return _figure(campaign, as_of, lambda funnel: funnel.revenue)
