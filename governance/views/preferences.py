"""The public preference centre: no log-in, reached by a signed link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from governance.models import Channel
from governance.services.preferences import (
    LinkInvalid,
    preference_change,
    preference_confirm,
    preference_confirm_open,
    preference_link_open,
    preference_rows,
)


def _client(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:200]


def _masked(email: str) -> str:
    name, _, domain = (email or "").partition("@")
    return f"{name[:1]}•••@{domain}" if domain else ""


def _invalid(request, exc: LinkInvalid):
    return render(request, "governance/preferences_invalid.html", {"reason": str(exc)}, status=404)


@login_not_required
@require_http_methods(["GET", "POST"])
def preferences(request, token: str):
    try:
        customer = preference_link_open(token=token)
    except LinkInvalid as exc:
        return _invalid(request, exc)
    if request.method == "POST":
        give = request.POST.get("action") == "give"
        try:
            result = preference_change(
                token=token,
                purpose=request.POST.get("purpose", ""),
                channel=request.POST.get("channel", ""),
                give=give,
                client=_client(request),
            )
        except LinkInvalid as exc:
            return _invalid(request, exc)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            label = (
                f"{result.event.purpose.label} by {result.event.get_channel_display().lower()}"
                if result.event
                else ""
            )
            messages.success(
                request,
                {
                    "withdrawn": f"Done: you will no longer receive {label}.",
                    "granted": f"Thank you: you agreed to {label}.",
                    "confirmation_sent": (
                        "We have sent you an email: open the link in it to confirm. "
                        "Nothing changes until you do."
                    ),
                }[result.outcome],
            )
        return redirect(request.path)
    return render(
        request,
        "governance/preferences.html",
        {
            "customer_name": customer.first_name or customer.organisation_name,
            "email": _masked(customer.email),
            "rows": preference_rows(customer=customer),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def preferences_confirm(request, token: str):
    """GET shows what is to be confirmed (mail scanners open links; only the
    person's press of Confirm records anything), POST records it."""
    try:
        customer, purpose, channel = preference_confirm_open(token=token)
        if request.method == "POST":
            preference_confirm(token=token, client=_client(request))
            return render(
                request,
                "governance/preferences_confirm.html",
                {"purpose": purpose, "channel": Channel(channel).label.lower(), "done": True},
            )
    except LinkInvalid as exc:
        return _invalid(request, exc)
    return render(
        request,
        "governance/preferences_confirm.html",
        {
            "purpose": purpose,
            "channel": Channel(channel).label.lower(),
            "email": _masked(customer.email),
        },
    )
