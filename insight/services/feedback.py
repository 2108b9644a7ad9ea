"""Feedback from users, stakeholders and customers; the problem log, where a
serious problem opens an unscheduled review of the strategies it affects."""

from __future__ import annotations

from django.db import transaction

from insight.models import (
    SERIOUS,
    Feedback,
    FeedbackSource,
    InsightStrategy,
    Problem,
    ProblemStatus,
    SystemArea,
    TriggerKind,
)
from insight.services.evaluation import review_trigger_fire
from insight.services.lifecycle import (
    now,
    refuse,
    require_permission,
    require_status,
    transition_record,
)
from insight.services.system import improvement_raise
from mis.locks import lock_one


def _check_rating(rating) -> int | None:
    if rating in (None, ""):
        return None
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        refuse("rating", "Give a rating from 1 to 5.", "rating_range")
    return rating


@transaction.atomic
def feedback_give(*, author, rating, comment: str = "", page: str = "") -> Feedback:
    """The in-app widget: any signed-in user rates the system, 1 to 5."""
    rating = _check_rating(rating)
    if rating is None:
        refuse("rating", "Give a rating from 1 to 5.", "rating_required")
    feedback = Feedback(
        source=FeedbackSource.USER,
        rating=rating,
        comment=(comment or "").strip(),
        page=(page or "")[:300],
        author=author,
    )
    feedback.full_clean()
    feedback.save()
    return feedback


@transaction.atomic
def feedback_record(
    *,
    actor,
    source: str,
    comment: str,
    rating=None,
    stakeholder=None,
    customer=None,
    strategy=None,
) -> Feedback:
    """Feedback gathered from a stakeholder or a customer, entered by staff."""
    require_permission(actor, "insight.add_feedback", "record feedback")
    if source not in (FeedbackSource.STAKEHOLDER, FeedbackSource.CUSTOMER):
        refuse("source", "Record stakeholder or customer feedback here.", "source")
    if source == FeedbackSource.STAKEHOLDER and stakeholder is None:
        refuse("stakeholder", "Say which stakeholder gave it.", "stakeholder_required")
    feedback = Feedback(
        source=source,
        rating=_check_rating(rating),
        comment=(comment or "").strip(),
        author=actor,
        stakeholder=stakeholder,
        customer=customer,
        strategy=strategy,
    )
    feedback.full_clean()
    feedback.save()
    return feedback


def _review_if_serious(problem: Problem, actor) -> None:
    """A serious problem calls the strategy it names (and only that one) into
    review; a serious problem of the system itself goes on the improvement
    backlog instead."""
    if problem.severity not in SERIOUS:
        return
    if problem.strategy is not None:
        review_trigger_fire(
            strategy=problem.strategy,
            kind=TriggerKind.SERIOUS_PROBLEM,
            key=f"problem:{problem.pk}",
            reason=f"{problem.get_severity_display()} problem logged: {problem.title}.",
            actor=actor,
        )
    else:
        improvement_raise(
            actor=None,
            title=problem.title,
            description=f"{problem.get_area_display()}: {problem.report}",
            problem=problem,
        )


@transaction.atomic
def problem_report(
    *,
    actor,
    title: str,
    report: str,
    severity: str,
    strategy: InsightStrategy | None = None,
    area: str = SystemArea.WHOLE,
) -> Problem:
    """Log a problem with the strategy it affects (if any) and the part of
    the system it is about."""
    require_permission(actor, "insight.add_problem", "report problems")
    problem = Problem(
        title=title,
        report=report,
        severity=severity,
        strategy=strategy,
        area=area or SystemArea.WHOLE,
        reported_by=actor,
    )
    problem.full_clean()
    problem.save()
    _review_if_serious(problem, actor)
    return problem


@transaction.atomic
def problem_triage(
    *, problem: Problem, actor, severity: str, notes: str, assigned_to=None
) -> Problem:
    """Confirm (or change) the severity and say who deals with it. Raising a
    problem to serious opens the review then."""
    problem = lock_one(problem)
    require_permission(actor, "insight.change_problem", "triage problems")
    require_status(problem, [ProblemStatus.REPORTED, ProblemStatus.TRIAGED], "be triaged")
    problem.severity = severity
    problem.full_clean(exclude=["reported_by"])
    transition_record(
        subject=problem,
        to_status=ProblemStatus.TRIAGED,
        actor=actor,
        reason=notes,
        severity=severity,
        triage_notes=notes,
        assigned_to=assigned_to,
        triaged_at=now(),
    )
    _review_if_serious(problem, actor)
    return problem


@transaction.atomic
def problem_resolve(*, problem: Problem, actor, resolution: str) -> Problem:
    problem = lock_one(problem)
    require_permission(actor, "insight.change_problem", "resolve problems")
    require_status(problem, [ProblemStatus.TRIAGED], "be resolved")
    if not (resolution or "").strip():
        refuse("resolution", "Say how the problem was resolved.", "resolution_required")
    transition_record(
        subject=problem,
        to_status=ProblemStatus.RESOLVED,
        actor=actor,
        reason=resolution,
        resolution=resolution,
        resolved_at=now(),
    )
    return problem


def problem_triage_as_reported(*, problem: Problem, actor, notes: str) -> Problem:
    """Triage keeping the reported severity (the admin action)."""
    return problem_triage(problem=problem, actor=actor, severity=problem.severity, notes=notes)


def problem_triage_as_high(*, problem: Problem, actor, notes: str) -> Problem:
    """Triage as a high-severity problem (the admin action): opens the review."""
    return problem_triage(problem=problem, actor=actor, severity="high", notes=notes)
