from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.analytics.dashboard import key_figures, overview_counts
from customers.models import Customer, LifecycleStage, Order
from insight.admin_actions import refusal_text
from mis.approvals import KINDS, approvals_waiting
from mis.approvals import approval_decide as services_approval_decide
from mis.context_processors import may_approve
from mis.models import NotificationSetting
from mis.notifications import kinds_for, notification_settings_save


@require_GET
def home(request):
    if not request.user.has_perm("customers.view_customer"):
        # No role (yet): no customer names, not even counts.
        return render(request, "home.html")
    # As of the last metrics refresh: counting a million rows on every visit
    # would cost seconds. Before the first refresh, counted live.
    counts = overview_counts()
    if counts is None:
        by_stage = dict(
            Customer.objects.active()
            .values_list("lifecycle_stage")
            .annotate(n=Count("pk"))
            .order_by()
        )
        order_total = Order.objects.count()
    else:
        by_stage, order_total = counts["stages"], counts["orders"]
    stages = [(label, by_stage.get(value, 0)) for value, label in LifecycleStage.choices]
    context = {
        "stages": stages,
        "customer_total": sum(by_stage.values()),
        "order_total": order_total,
        "counts_as_of": counts["as_of"] if counts else None,
        "recent": Customer.objects.active().order_by("-created_at")[:8],
        # From the daily snapshots, not measured on each visit.
        "key_figures": key_figures(),
    }
    return render(request, "home.html", context)


@login_not_required
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the
    vendored icon."""
    return redirect(static("favicon.ico"), permanent=True)


@login_not_required
@require_GET
def health(request):
    """Liveness for load balancers and compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def approvals(request):
    """What waits for the user's decision; an empty inbox for those who
    approve nothing is refused, as admin would."""
    if not may_approve(request.user):
        raise PermissionDenied
    return render(
        request,
        "approvals/inbox.html",
        {"items": approvals_waiting(user=request.user)},
    )


@require_POST
def approval_decide(request, kind, public_id):
    if not may_approve(request.user):
        raise PermissionDenied
    decision = request.POST.get("decision", "")
    try:
        obj = services_approval_decide(
            kind=kind,
            public_id=str(public_id),
            decision=decision,
            actor=request.user,
            comment=request.POST.get("comment", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, f"Nothing was changed: {refusal_text(error)}")
    else:
        verb = KINDS[kind].decisions[decision].verb
        done = {"Approve": "approved", "Reject": "rejected", "Retire": "retired"}[verb]
        messages.success(request, f"“{obj}” was {done}.")
    return redirect("approvals")


@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """Each person chooses which e-mails they receive, among the kinds their
    role concerns."""
    kinds = kinds_for(request.user)
    if request.method == "POST":
        notification_settings_save(user=request.user, enabled=set(request.POST.getlist("kind")))
        messages.success(request, "Your e-mail choices were saved.")
        return redirect("notification-settings")
    off = set(
        NotificationSetting.objects.filter(user=request.user, enabled=False).values_list(
            "kind", flat=True
        )
    )
    return render(
        request,
        "notifications/settings.html",
        {"kinds": [(value, label, value not in off) for value, label in kinds]},
    )
