"""The Insight section's pages. They read through insight.selectors; writes
go through insight.services (admin, API and the forms here)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from insight import effectiveness, selectors, services
from insight.admin_actions import refusal_text
from insight.models import (
    BusinessCase,
    Confidence,
    Evaluation,
    InformationRequirement,
    Insight,
    InsightStatus,
    InsightStrategy,
    Need,
    Problem,
    ProblemStatus,
    Recommendation,
    Severity,
    StrategyStatus,
)
from insight.plan import WIDTH, plan_overview
from mis.pagination import keyset_page


@require_GET
def index(request):
    """The section's front page: what exists and what needs attention. Every
    role sees the parts its permissions allow."""
    user = request.user
    context = {}
    if user.has_perm("insight.view_businesscase"):
        context["business_cases"] = BusinessCase.objects.select_related("author")[:20]
    if user.has_perm("insight.view_insightstrategy"):
        context["strategies"] = InsightStrategy.objects.select_related("owner")[:20]
    if user.has_perm("insight.view_informationrequirement"):
        context["shortfalls"] = selectors.requirement_shortfalls()
    return render(request, "insight/index.html", context)


@require_GET
@permission_required("insight.view_informationrequirement", raise_exception=True)
def requirements(request):
    need = request.GET.get("need")
    queryset = InformationRequirement.objects.all()
    if need in Need.values:
        queryset = queryset.filter(need=need)
    coverage = selectors.requirement_coverage(queryset)
    return render(
        request,
        "insight/requirements.html",
        {
            "coverage": coverage,
            "shortfalls": [c for c in coverage if c.state == selectors.CoverageState.SHORTFALL],
            "needs": Need.choices,
            "need": need if need in Need.values else "",
        },
    )


@require_GET
@permission_required("insight.view_collectionoption", raise_exception=True)
def options(request):
    return render(
        request,
        "insight/options.html",
        {"options": selectors.collection_options_ranked(), "ranking_rule": selectors.RANKING_RULE},
    )


@require_GET
@permission_required("insight.view_insightstrategy", raise_exception=True)
def strategy_detail(request, public_id):
    strategy = get_object_or_404(
        InsightStrategy.objects.select_related("owner", "approved_by", "business_case"),
        public_id=public_id,
    )
    context = {
        "strategy": strategy,
        "coverage": selectors.requirement_coverage(strategy.requirements.all()),
        "criteria": selectors.strategy_criteria_results(strategy),
        "consultations": strategy.consultations.select_related("stakeholder"),
        "approval_missing": (
            services.strategy_approval_missing(strategy)
            if strategy.status in (StrategyStatus.DRAFT, StrategyStatus.IN_CONSULTATION)
            else []
        ),
        "history": selectors.transitions_of(strategy),
        "moves": services.strategy_moves_for(strategy, request.user),
        "evaluations": strategy.evaluations.all()[:10],
        "in_force": strategy.status in services.evaluation.IN_FORCE,
        "print": "print" in request.GET,
    }
    return render(request, "insight/strategy_detail.html", context)


@require_POST
@permission_required("insight.view_insightstrategy", raise_exception=True)
def strategy_move(request, public_id):
    """The page's lifecycle buttons: the service decides, and its refusal
    (with the reason) comes back as a message."""
    strategy = get_object_or_404(InsightStrategy, public_id=public_id)
    to = request.POST.get("to", "")
    try:
        services.strategy_transition(
            strategy=strategy, to=to, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        strategy.refresh_from_db()
        messages.success(request, f"The strategy is now “{strategy.get_status_display()}”.")
    return redirect("insight:strategy", public_id=strategy.public_id)


@require_GET
@permission_required("insight.view_collectiontask", raise_exception=True)
def strategy_plan(request, public_id):
    strategy = get_object_or_404(InsightStrategy, public_id=public_id)
    overview = plan_overview(strategy, today=timezone.localdate())
    return render(
        request,
        "insight/plan.html",
        {"strategy": strategy, "plan": overview, "width": WIDTH, "row_height": 28},
    )


@require_GET
@permission_required("insight.view_insight", raise_exception=True)
def insight_list(request):
    queryset = Insight.objects.select_related("strategy", "owner")
    status, confidence = request.GET.get("status"), request.GET.get("confidence")
    if status in InsightStatus.values:
        queryset = queryset.filter(status=status)
    if confidence in Confidence.values:
        queryset = queryset.filter(confidence=confidence)
    page = keyset_page(request, queryset, page_size=50)
    return render(
        request,
        "insight/insights.html",
        {
            "page": page,
            "statuses": InsightStatus.choices,
            "confidences": Confidence.choices,
            "status": status or "",
            "confidence": confidence or "",
        },
    )


@require_GET
@permission_required("insight.view_insight", raise_exception=True)
def insight_evidence(request, public_id):
    """The attached evidence file, to logged-in readers of insights only
    (media files are never served publicly)."""
    insight = get_object_or_404(Insight, public_id=public_id)
    if not insight.evidence_file:
        raise Http404("This insight has no attached file.")
    return FileResponse(
        insight.evidence_file.open("rb"),
        as_attachment=True,
        filename=insight.evidence_file.name.rsplit("/", 1)[-1],
    )


@require_GET
@permission_required("insight.view_evaluation", raise_exception=True)
def evaluation_detail(request, public_id):
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("strategy", "submitted_by", "approved_by"),
        public_id=public_id,
    )
    return render(
        request,
        "insight/evaluation.html",
        {
            "evaluation": evaluation,
            "triggers": evaluation.triggers.select_related("actor"),
            "results": evaluation.results.select_related("criterion"),
            "recommendations": Recommendation.choices,
            "history": selectors.transitions_of(evaluation),
        },
    )


@require_POST
@permission_required("insight.change_evaluation", raise_exception=True)
def evaluation_submit(request, public_id):
    evaluation = get_object_or_404(Evaluation, public_id=public_id)
    try:
        services.evaluation_submit(
            evaluation=evaluation,
            actor=request.user,
            recommendation=request.POST.get("recommendation", ""),
            rationale=request.POST.get("rationale", ""),
            notes=request.POST.get("notes", ""),
            feedback_summary=request.POST.get("feedback_summary", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, "Submitted: a manager approves it in admin.")
    return redirect("insight:evaluation", public_id=evaluation.public_id)


@require_POST
@permission_required("insight.add_evaluation", raise_exception=True)
def strategy_legal_review(request, public_id):
    strategy = get_object_or_404(InsightStrategy, public_id=public_id)
    try:
        trigger = services.evaluation_request_for_legal_change(
            strategy=strategy, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
        return redirect("insight:strategy", public_id=strategy.public_id)
    messages.success(request, "The review is open with your reason recorded.")
    return redirect("insight:evaluation", public_id=trigger.evaluation.public_id)


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
            "status": status or "",
            "severity": severity or "",
        },
    )


@require_POST
@permission_required("insight.add_problem", raise_exception=True)
def problem_report(request):
    try:
        problem = services.problem_report(
            actor=request.user,
            title=request.POST.get("title", ""),
            report=request.POST.get("report", ""),
            severity=request.POST.get("severity", ""),
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
            "trends": effectiveness.quality_trends(),
            "trend_days": effectiveness.TREND_DAYS,
            "problems": effectiveness.problems(),
            "recommendations": effectiveness.recommendations(),
        },
    )
