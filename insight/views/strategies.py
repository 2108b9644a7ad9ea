"""The Insight front page, strategies (their page, lifecycle buttons and
legal review), requirements with their coverage, and collection options."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from insight import selectors, services
from insight.admin_actions import refusal_text
from insight.models import (
    BusinessCase,
    InformationRequirement,
    InformationSource,
    InsightStrategy,
    Need,
    StrategyStatus,
)
from insight.services import guards


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
    measures = selectors.Measures(live=request.GET.get("live") == "1")
    coverage = selectors.requirement_coverage(queryset, measures=measures)
    return render(
        request,
        "insight/requirements.html",
        {
            "coverage": coverage,
            "shortfalls": [c for c in coverage if c.state == selectors.CoverageState.SHORTFALL],
            "needs": Need.choices,
            "need": need if need in Need.values else "",
            "measures": measures,
        },
    )


@require_GET
@permission_required("insight.view_collectionoption", raise_exception=True)
def options(request):
    return render(
        request,
        "insight/options.html",
        {
            "options": selectors.collection_options_ranked(),
            "ranking_rule": selectors.RANKING_RULE,
            "sources": InformationSource.objects.select_related("owner"),
        },
    )


@require_GET
@permission_required("insight.view_insightstrategy", raise_exception=True)
def strategy_detail(request, public_id):
    strategy = get_object_or_404(
        InsightStrategy.objects.select_related("owner", "approved_by", "business_case"),
        public_id=public_id,
    )
    measures = selectors.Measures(live=request.GET.get("live") == "1")
    context = {
        "strategy": strategy,
        "coverage": selectors.requirement_coverage(strategy.requirements.all(), measures=measures),
        "criteria": selectors.strategy_criteria_results(strategy, measures=measures),
        "measures": measures,
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
        "editable": guards.lock_reason(strategy) is None,
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
