"""The quality pages: the dashboard (scores by rule, field and source, and
their trend over sweeps), the records with a given issue with an inline fix
and "mark verified", and the redundant-record proposals with their decision.

Pages read the figures each sweep stored; only the drill-down reads issues,
a page at a time."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from customers import services
from customers.masking import MASK, masked_fields_for
from customers.models import (
    ProposalStatus,
    QualityIssue,
    QualityIssueStatus,
    QualityRule,
    QualityRun,
    RedundancyProposal,
    RedundancyReason,
    RunKind,
    RunStatus,
)
from customers.quality.redundant import redundancy_decide
from customers.services import CUSTOMER_WRITABLE_FIELDS
from mis.pagination import keyset_page

TREND_RUNS = 30
ROWS_PER_PAGE = 50


def _trend_chart(runs: list[QualityRun]) -> dict:
    return {
        "type": "line",
        "data": {
            "labels": [timezone.localtime(r.started_at).strftime("%Y-%m-%d %H:%M") for r in runs],
            "datasets": [
                {
                    "label": "Overall quality score",
                    "data": [r.figures.get("overall") for r in runs],
                    "tension": 0.2,
                }
            ],
        },
        "options": {"scales": {"y": {"min": 0, "max": 100}}, "animation": False},
    }


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@require_GET
@permission_required("customers.view_qualityrun", raise_exception=True)
def quality_dashboard(request):
    runs = QualityRun.objects.filter(kind=RunKind.QUALITY)
    latest = runs.filter(status=RunStatus.SUCCEEDED).first()
    running = runs.filter(status=RunStatus.RUNNING).first()
    trend = list(runs.filter(status=RunStatus.SUCCEEDED)[:TREND_RUNS])[::-1]
    rules = {r.code: r for r in QualityRule.objects.all()}
    figures = latest.figures if latest else {}
    by_rule = [
        {"code": code, "rule": rules.get(code), **row}
        for code, row in sorted(
            figures.get("by_rule", {}).items(), key=lambda item: -item[1]["open"]
        )
    ]
    context = {
        "latest": latest,
        "running": running,
        "figures": figures,
        "by_rule": by_rule,
        "by_field": sorted(figures.get("by_field", {}).items(), key=lambda i: -i[1]["open"]),
        "by_source": sorted(figures.get("by_source", {}).items()),
        "trend": trend,
        "trend_chart": _trend_chart(trend),
        "proposals_open": RedundancyProposal.objects.filter(status=ProposalStatus.PROPOSED).count(),
        "duplicates_url": _url_or_none("duplicates:queue"),
    }
    return render(request, "quality/dashboard.html", context)


@require_POST
@permission_required("customers.change_qualityrule", raise_exception=True)
def quality_sweep_now(request):
    """Queue the sweep for the workers (data stewards)."""
    from customers.tasks import quality_sweep_task

    who = request.user.get_username()
    transaction.on_commit(lambda: quality_sweep_task.delay(triggered_by=who))
    messages.success(request, "The quality sweep was queued; this page shows it while it runs.")
    return redirect("quality:dashboard")


def _issue_rows(issues, user) -> list[dict]:
    masked = set(masked_fields_for(user))
    rows = []
    for issue in issues:
        hidden = issue.field in masked
        # A value can be fixed in place when it is a plain field of the
        # record that the user may read and change.
        fixable = (
            not hidden
            and issue.field in CUSTOMER_WRITABLE_FIELDS
            and issue.field not in ("attributes", "last_verified_at")
            and user.has_perm("customers.change_customer")
        )
        current = getattr(issue.customer, issue.field, "") if fixable else ""
        rows.append(
            {
                "issue": issue,
                "raw": MASK if hidden else issue.raw_value,
                # Messages quote the value: masked with it.
                "message": MASK if hidden else issue.message,
                "fixable": fixable,
                "current": "" if current is None else str(current),
            }
        )
    return rows


@require_GET
@permission_required("customers.view_qualityissue", raise_exception=True)
def quality_issues(request):
    """The records with an open issue, by rule code and/or field."""
    code = request.GET.get("code", "")
    field = request.GET.get("field", "")
    issues = QualityIssue.objects.filter(
        status=QualityIssueStatus.OPEN,
        customer__archived_at__isnull=True,
        customer__merged_into__isnull=True,
    ).select_related("customer__quality", "rule")
    if code:
        issues = issues.filter(code=code)
    if field:
        issues = issues.filter(field=field)
    page = keyset_page(request, issues, page_size=ROWS_PER_PAGE)
    codes = (
        QualityIssue.objects.filter(status=QualityIssueStatus.OPEN)
        .values("code")
        .annotate(n=Count("pk"))
        .order_by("code")
    )
    context = {
        "page": page,
        "rows": _issue_rows(page.items, request.user),
        "code": code,
        "field": field,
        "codes": codes,
        "rule": QualityRule.objects.filter(code=code).first() if code else None,
    }
    return render(request, "quality/issues.html", context)


def _row_response(request, issue: QualityIssue, error: str = ""):
    issue.refresh_from_db()
    issue.customer.refresh_from_db()
    return render(
        request,
        "quality/_issue_row.html",
        {"row": _issue_rows([issue], request.user)[0], "error": error},
    )


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def quality_issue_fix(request, pk: int):
    """Write a corrected value through the customer service (same validation
    as the form); the save checks the record, which closes the issue."""
    issue = get_object_or_404(QualityIssue.objects.select_related("customer__quality"), pk=pk)
    row = _issue_rows([issue], request.user)[0]
    if not row["fixable"]:
        raise PermissionDenied("This value cannot be changed here.")
    error = ""
    try:
        services.customer_update(
            customer=issue.customer,
            data={issue.field: request.POST.get("value", "")},
            source="quality fix",
            actor=request.user,
        )
    except ValidationError as exc:
        error = " ".join(exc.message_dict.get(issue.field, exc.messages))
    return _row_response(request, issue, error)


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def quality_mark_verified(request, pk: int):
    issue = get_object_or_404(QualityIssue.objects.select_related("customer__quality"), pk=pk)
    error = ""
    try:
        services.customer_mark_verified(customer=issue.customer, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    return _row_response(request, issue, error)


@require_POST
@permission_required("customers.change_qualityissue", raise_exception=True)
def quality_issue_dismiss(request, pk: int):
    """A steward decides the finding is not a problem (closes it)."""
    issue = get_object_or_404(QualityIssue, pk=pk, status=QualityIssueStatus.OPEN)
    QualityIssue.objects.filter(pk=issue.pk, status=QualityIssueStatus.OPEN).update(
        status=QualityIssueStatus.RESOLVED,
        resolved_at=timezone.now(),
        detected_by=f"{issue.detected_by}; dismissed by {request.user.get_username()}"[:120],
    )
    return _row_response(request, issue)


@require_GET
@permission_required("customers.view_redundancyproposal", raise_exception=True)
def redundancy_list(request):
    reason = request.GET.get("reason", "")
    proposals = RedundancyProposal.objects.filter(status=ProposalStatus.PROPOSED).select_related(
        "customer"
    )
    if reason:
        proposals = proposals.filter(reason=reason)
    # Keyset pagination orders by created_at: proposals have proposed_at.
    page_items = list(proposals.order_by("-proposed_at", "-pk")[:ROWS_PER_PAGE])
    counts = dict(
        RedundancyProposal.objects.filter(status=ProposalStatus.PROPOSED)
        .values_list("reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    context = {
        "proposals": page_items,
        "reason": reason,
        "reasons": [
            (value, label, counts.get(value, 0)) for value, label in RedundancyReason.choices
        ],
        "months": settings.REDUNDANT_INACTIVE_MONTHS,
        "last_run": QualityRun.objects.filter(kind=RunKind.REDUNDANCY).first(),
        "may_decide": request.user.has_perm("customers.change_redundancyproposal"),
    }
    return render(request, "quality/redundant.html", context)


@require_POST
@permission_required("customers.change_redundancyproposal", raise_exception=True)
def redundancy_decision(request, pk: int):
    proposal = get_object_or_404(RedundancyProposal, pk=pk)
    archive = request.POST.get("decision") == "archive"
    try:
        redundancy_decide(proposal=proposal, archive=archive, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        name = proposal.customer.display_name
        messages.success(
            request, f"{name} was archived." if archive else f"{name} is kept; proposal closed."
        )
    return redirect(f"{reverse('quality:redundant')}?reason={request.POST.get('reason', '')}")
