"""The Insight section's pages. They read through insight.selectors; writes
go through insight.services (admin, API and the forms here)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insight import selectors
from insight.models import BusinessCase, InformationRequirement, Need


@require_GET
def index(request):
    """The section's front page: what exists and what needs attention. Every
    role sees the parts its permissions allow."""
    user = request.user
    context = {}
    if user.has_perm("insight.view_businesscase"):
        context["business_cases"] = BusinessCase.objects.select_related("author")[:20]
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
