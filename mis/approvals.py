"""The approvals inbox: what waits for a manager's decision, across the apps,
and the decisions themselves, which call the same services as admin's
actions (so the guards, the audit and the refusals are the same)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse

from governance.models import RetentionRun, RunStatus
from governance.services import retention
from insight import services as insight_services
from insight.models import (
    BusinessCase,
    BusinessCaseStatus,
    Evaluation,
    EvaluationStatus,
    InsightStrategy,
    StrategyStatus,
)


@dataclass(frozen=True)
class Decision:
    verb: str  # the button: "Approve", "Reject"
    service: Callable
    comment_required: bool = False


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    model: type
    permission: str
    waiting_status: str
    argument: str
    decisions: dict[str, Decision]
    accepts_comment: bool = True

    @property
    def comment_needed_to(self) -> str:
        """ "reject", "retire": the decisions that ask for a comment."""
        return " or ".join(d.verb.lower() for d in self.decisions.values() if d.comment_required)


KINDS = {
    kind.key: kind
    for kind in (
        Kind(
            "business_case",
            "Business case",
            BusinessCase,
            "insight.approve_businesscase",
            BusinessCaseStatus.SUBMITTED,
            "case",
            {
                "approve": Decision("Approve", insight_services.business_case_approve),
                "reject": Decision("Reject", insight_services.business_case_reject, True),
            },
        ),
        Kind(
            "strategy",
            "Insight strategy",
            InsightStrategy,
            "insight.approve_insightstrategy",
            StrategyStatus.IN_CONSULTATION,
            "strategy",
            {
                "approve": Decision("Approve", insight_services.strategy_approve),
                # A strategy is not rejected back to its author: it is retired,
                # as in admin, with the reason.
                "reject": Decision("Retire", insight_services.strategy_retire, True),
            },
        ),
        Kind(
            "evaluation",
            "Evaluation",
            Evaluation,
            "insight.approve_evaluation",
            EvaluationStatus.SUBMITTED,
            "evaluation",
            {"approve": Decision("Approve", insight_services.evaluation_approve)},
        ),
        Kind(
            "retention_run",
            "Retention run",
            RetentionRun,
            "governance.approve_retentionrun",
            RunStatus.PREPARED,
            "run",
            {
                "approve": Decision("Approve", retention.retention_run_approve),
                "reject": Decision("Reject", retention.retention_run_reject),
            },
            accepts_comment=False,
        ),
    )
}


@dataclass(frozen=True)
class Waiting:
    kind: Kind
    public_id: str
    title: str
    detail: str
    since: datetime | None
    by: str
    url: str


def _business_cases():
    for case in BusinessCase.objects.filter(status=BusinessCaseStatus.SUBMITTED).select_related(
        "author"
    ):
        yield (
            case,
            case.title,
            case.problem,
            case.submitted_at,
            case.author,
            reverse("insight:business-case", args=[case.public_id]),
        )


def _strategies():
    for strategy in InsightStrategy.objects.filter(
        status=StrategyStatus.IN_CONSULTATION
    ).select_related("owner"):
        yield (
            strategy,
            strategy.title,
            strategy.summary,
            None,
            strategy.owner,
            reverse("insight:strategy", args=[strategy.public_id]),
        )


def _evaluations():
    for evaluation in Evaluation.objects.filter(status=EvaluationStatus.SUBMITTED).select_related(
        "strategy", "submitted_by"
    ):
        yield (
            evaluation,
            f"Evaluation of “{evaluation.strategy.title}”",
            f"{evaluation.get_recommendation_display()}: {evaluation.rationale}",
            evaluation.submitted_at,
            evaluation.submitted_by,
            reverse("insight:evaluation", args=[evaluation.public_id]),
        )


def _retention_runs():
    for run in RetentionRun.objects.filter(status=RunStatus.PREPARED).select_related("policy"):
        yield (
            run,
            f"Retention run of “{run.policy}”",
            f"{run.get_action_display()} {run.candidate_count:,} records inactive since "
            f"before {run.cutoff:%-d %B %Y}",
            run.prepared_at,
            None,
            reverse("admin:governance_retentionrun_change", args=[run.pk]),
        )


_SOURCES = {
    "business_case": _business_cases,
    "strategy": _strategies,
    "evaluation": _evaluations,
    "retention_run": _retention_runs,
}


def approvals_waiting(*, user) -> list[Waiting]:
    """Everything waiting for a decision ``user`` may take, oldest first."""
    items = []
    for key, kind in KINDS.items():
        if not user.has_perm(kind.permission):
            continue
        for obj, title, detail, since, by, url in _SOURCES[key]():
            items.append(
                Waiting(
                    kind=kind,
                    public_id=str(obj.public_id),
                    title=title,
                    detail=detail,
                    since=since,
                    by=(by.get_full_name() or by.get_username()) if by else "",
                    url=url,
                )
            )
    items.sort(key=lambda item: (item.since is None, item.since or datetime.min))
    return items


def approval_decide(*, kind: str, public_id: str, decision: str, actor, comment: str = ""):
    """Take one decision through the kind's own service. Raises
    ValidationError for an unknown kind or decision, or a missing comment;
    the services raise PermissionDenied or ValidationError themselves."""
    try:
        spec = KINDS[kind]
        chosen = spec.decisions[decision]
    except KeyError as exc:
        raise ValidationError("There is no such decision to take.") from exc
    comment = (comment or "").strip()
    if chosen.comment_required and not comment:
        raise ValidationError(f"Say why you {chosen.verb.lower()}.")
    try:
        obj = spec.model.objects.get(public_id=public_id)
    except (spec.model.DoesNotExist, ValidationError, ValueError) as exc:
        raise ValidationError(f"That {spec.label.lower()} no longer exists.") from exc
    arguments = {spec.argument: obj, "actor": actor}
    if spec.accepts_comment:
        arguments["comment"] = comment
    return chosen.service(**arguments)
