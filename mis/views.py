from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.analytics.dashboard import key_figures, overview_counts
from customers.models import Customer, LifecycleStage, Order


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
def health(request):
    """Liveness for load balancers and compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
