"""The feedback link of every page, the problem log and the effectiveness
of the information system."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from insight import effectiveness, services
from insight.admin_actions import refusal_text
from insight.models import (
    InsightStrategy,
    Problem,
    ProblemStatus,
    Severity,
    SystemArea,
)
from insight.services.evaluation import IN_FORCE


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
def feedback(request):
    """The feedback link in every page's footer: any signed-in user rates
    the system from 1 to 5, with a comment if they like."""
    back = _safe_next(request, reverse("home"))
    errors = {}
    if request.method == "POST":
        try:
            services.feedback_give(
                author=request.user,
                rating=request.POST.get("rating"),
                comment=request.POST.get("comment", ""),
                page=back,
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(request, "Thank you: your feedback is recorded.")
            return redirect(back)
    return render(
        request,
        "insight/feedback.html",
        {"next": back, "errors": errors, "ratings": range(1, 6), "posted": request.POST},
        status=400 if errors else 200,
    )


@require_GET
@permission_required("insight.view_problem", raise_exception=True)
def problem_list(request):
    queryset = Problem.objects.select_related("reported_by", "assigned_to", "strategy")
    status, severity = request.GET.get("status"), request.GET.get("severity")
    if status in ProblemStatus.values:
        queryset = queryset.filter(status=status)
    if severity in Severity.values:
        queryset = queryset.filter(severity=severity)
    return render(
        request,
        "insight/problems.html",
        {
            "problems": queryset[:200],
            "statuses": ProblemStatus.choices,
            "severities": Severity.choices,
            "areas": SystemArea.choices,
            "strategies": InsightStrategy.objects.filter(status__in=IN_FORCE).only(
                "public_id", "title"
            ),
            "status": status or "",
            "severity": severity or "",
        },
    )


@require_POST
@permission_required("insight.add_problem", raise_exception=True)
def problem_report(request):
    strategy = None
    if request.POST.get("strategy"):
        strategy = InsightStrategy.objects.filter(public_id=request.POST["strategy"]).first()
    try:
        if request.POST.get("strategy") and strategy is None:
            raise ValidationError({"strategy": "No such strategy."})
        problem = services.problem_report(
            actor=request.user,
            title=request.POST.get("title", ""),
            report=request.POST.get("report", ""),
            severity=request.POST.get("severity", ""),
            strategy=strategy,
            area=request.POST.get("area", ""),
        )
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, f"Problem “{problem.title}” logged.")
    return redirect(_safe_next(request, reverse("insight:problems")))


@require_GET
@permission_required("insight.view_feedback", raise_exception=True)
def effectiveness_page(request):
    return render(
        request,
        "insight/effectiveness.html",
        {
            "usage": effectiveness.usage(),
            "usage_days": effectiveness.USAGE_DAYS,
            "satisfaction": effectiveness.satisfaction(),
            "others_feedback": effectiveness.others_feedback(),
            "trends": effectiveness.quality_trends(),
            "trend_days": effectiveness.TREND_DAYS,
            "problems": effectiveness.problems(),
            "recommendations": effectiveness.recommendations(),
        },
    )
