"""Campaign pages: the list, and one campaign's funnel with its responses upload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from customers import policy
from customers.campaigns.responses_import import response_import_create
from customers.campaigns.selectors import campaign_funnel
from customers.models import Campaign

VIEW = "customers.view_campaign"


@permission_required(VIEW, raise_exception=True)
def campaign_list(request):
    campaigns = Campaign.objects.prefetch_related("snapshots__segment")
    rows = [(campaign, campaign_funnel(campaign)) for campaign in campaigns[:200]]
    return render(request, "segments/campaigns.html", {"rows": rows})


def _chart(funnel) -> dict:
    stages = funnel.stages[:4]
    return {
        "type": "bar",
        "data": {
            "labels": ["Members", *(label for _, label, _, _ in stages)],
            "datasets": [
                {
                    "label": "Members reached",
                    "data": [funnel.members, *(count for _, _, count, _ in stages)],
                    "backgroundColor": "#3b82f6",
                }
            ],
        },
        "options": {
            "indexAxis": "y",
            "plugins": {"legend": {"display": False}},
            "scales": {"x": {"beginAtZero": True, "ticks": {"precision": 0}}},
        },
    }


@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET", "POST"])
def campaign_detail(request, public_id):
    campaign = get_object_or_404(
        Campaign.objects.prefetch_related("snapshots"), public_id=public_id
    )
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "Choose a CSV or XLSX file of responses.")
        else:
            try:
                response_import_create(
                    campaign=campaign, file=upload, original_name=upload.name, actor=request.user
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"“{upload.name}” is queued: its responses appear below when it is imported.",
                )
        return redirect(campaign.get_absolute_url())
    funnel = campaign_funnel(campaign)
    purposes, channels = dict(policy.purposes()), dict(policy.channels())
    sent_to = [
        (
            snapshot,
            purposes.get(snapshot.purpose, snapshot.purpose),
            channels.get(snapshot.channel, snapshot.channel),
        )
        for snapshot in campaign.snapshots.select_related("segment")
    ]
    return render(
        request,
        "segments/campaign.html",
        {
            "campaign": campaign,
            "sent_to": sent_to,
            "funnel": funnel,
            "chart": _chart(funnel),
            "responded_rate": funnel.rate(funnel.responded),
            "imports": campaign.imports.select_related("created_by")[:10],
            "recent": campaign.responses.select_related("member__customer")[:20],
        },
    )
