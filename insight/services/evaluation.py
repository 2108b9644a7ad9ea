"""Evaluating the strategy: reviews opened on schedule or by triggers, each
criterion measured, a recommendation made and approved by a manager, who
thereby maintains or modifies the strategy.

Every trigger goes through ``review_trigger_fire``: it records the reason,
opens an evaluation when none is open (moving the strategy to "evaluating"),
and is idempotent, so the daily sweep can run twice without a second review
or a second record of the same breach."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from insight import selectors
from insight.models import (
    Evaluation,
    EvaluationKind,
    EvaluationResult,
    EvaluationStatus,
    InsightStrategy,
    Recommendation,
    ReviewTrigger,
    SuccessCriterion,
    TriggerKind,
)
from insight.models import StrategyStatus as S
from insight.services import strategy as strategies
from insight.services.lifecycle import (
    now,
    refuse,
    require_permission,
    require_status,
    transition_record,
)
from mis import metrics
from mis.locks import lock_one

# Strategies in force: the ones reviews and triggers apply to.
IN_FORCE = (S.IMPLEMENTING, S.MAINTAINED, S.EVALUATING)
OPEN_STATES = (EvaluationStatus.OPEN, EvaluationStatus.SUBMITTED)
APPROVE_PERMISSION = "insight.approve_evaluation"


def open_evaluation_of(strategy: InsightStrategy) -> Evaluation | None:
    return strategy.evaluations.filter(status__in=OPEN_STATES).first()


@transaction.atomic
def review_trigger_fire(
    *, strategy: InsightStrategy, kind: str, reason: str, key: str = "", actor=None
) -> ReviewTrigger | None:
    """Record why the strategy needs a review, opening one if none is open.
    Returns None when the strategy is not in force or this trigger (kind and
    key) is already on the open evaluation."""
    strategy = lock_one(strategy)
    if strategy.status not in IN_FORCE:
        return None
    evaluation = open_evaluation_of(strategy)
    if evaluation is None:
        evaluation = Evaluation.objects.create(
            strategy=strategy,
            kind=(
                EvaluationKind.SCHEDULED
                if kind == TriggerKind.SCHEDULED
                else EvaluationKind.UNSCHEDULED
            ),
            opened_by=actor,
        )
        if strategy.status != S.EVALUATING:
            strategies.strategy_transition(
                strategy=strategy, to=S.EVALUATING, actor=actor, reason=reason, by_trigger=True
            )
        evaluation_measure(evaluation=evaluation)
    trigger, created = ReviewTrigger.objects.get_or_create(
        evaluation=evaluation, kind=kind, key=key, defaults={"reason": reason, "actor": actor}
    )
    return trigger if created else None


def _open_evaluation_check(strategy: InsightStrategy, actor) -> list[str]:
    if open_evaluation_of(strategy) is None:
        return ["an open evaluation (reviews are opened by their triggers)"]
    return []


def _approved_recommendation(recommendation: str):
    def check(strategy: InsightStrategy, actor) -> list[str]:
        latest = strategy.evaluations.order_by("-opened_at", "-pk").first()
        if (
            latest is None
            or latest.status != EvaluationStatus.APPROVED
            or latest.recommendation != recommendation
        ):
            label = dict(Recommendation.choices)[recommendation].lower()
            return [f"an approved evaluation that recommends to {label}"]
        return []

    return check


strategies.EXTRA_CHECKS[S.EVALUATING] = [_open_evaluation_check]
strategies.EXTRA_CHECKS[S.MAINTAINED] = [_approved_recommendation(Recommendation.MAINTAIN)]
strategies.EXTRA_CHECKS[S.MODIFIED] = [_approved_recommendation(Recommendation.MODIFY)]


def evaluation_measure(*, evaluation: Evaluation) -> list[EvaluationResult]:
    """Measure every criterion of the strategy now, replacing earlier figures
    of this evaluation."""
    today = timezone.localdate()
    rows = []
    for result in selectors.strategy_criteria_results(evaluation.strategy):
        rows.append(
            EvaluationResult(
                evaluation=evaluation,
                criterion=result.criterion,
                value=result.value,
                display=result.display,
                met=result.met,
                measured_on=today,
            )
        )
    return EvaluationResult.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["evaluation", "criterion"],
        update_fields=["value", "display", "met", "measured_on"],
    )


@transaction.atomic
def evaluation_request_for_legal_change(
    *, strategy: InsightStrategy, actor, reason: str
) -> ReviewTrigger:
    """The manual trigger: a change in law, regulation or a code of practice."""
    require_permission(actor, "insight.add_evaluation", "open a review")
    if not (reason or "").strip():
        refuse("reason", "Say which legal or regulatory change calls for the review.", "reason")
    if strategy.status not in IN_FORCE:
        refuse(
            "strategy",
            "Only a strategy in force (implementing, maintained or evaluating) is reviewed; "
            f"this one is “{strategy.get_status_display()}”.",
            "not_in_force",
        )
    trigger = review_trigger_fire(
        strategy=strategy,
        kind=TriggerKind.LEGAL_CHANGE,
        key=now().isoformat(),
        reason=reason,
        actor=actor,
    )
    assert trigger is not None  # a fresh key is never a repeat
    return trigger


def reviews_open_due(*, today: dt.date) -> int:
    """Open the scheduled reviews that are due. Each strategy is claimed by
    moving its next review date on with a conditional UPDATE, so two sweeps
    running at once open one review, not two."""
    due = InsightStrategy.objects.filter(
        status__in=IN_FORCE, next_review_on__lte=today
    ).values_list("pk", "next_review_on", "review_interval_months")
    opened = 0
    for pk, day, months in due.order_by("pk").iterator():
        assert day is not None  # filtered on it
        with transaction.atomic():
            claimed = InsightStrategy.objects.filter(pk=pk, next_review_on=day).update(
                next_review_on=strategies.add_months(day, months)
            )
            if claimed:
                opened += bool(
                    review_trigger_fire(
                        strategy=InsightStrategy(pk=pk),
                        kind=TriggerKind.SCHEDULED,
                        key=day.isoformat(),
                        reason=f"Scheduled review due on {day:%-d %b %Y}.",
                    )
                )
    return opened


def criteria_breaches_check(*, today: dt.date) -> int:
    """Open a review for each criterion past its deadline that is not met."""
    criteria = (
        SuccessCriterion.objects.filter(strategy__status__in=IN_FORCE, deadline__lte=today)
        .exclude(metric="")
        .exclude(target=None)
        .order_by("pk")
    )
    fired = 0
    measures = selectors.Measures(live=True)  # criteria sharing a measure take it once
    for criterion in criteria:
        result = selectors.criterion_measure(criterion, measures=measures)
        if result.met is False:
            fired += bool(
                review_trigger_fire(
                    strategy=criterion.strategy,
                    kind=TriggerKind.CRITERION_BREACHED,
                    key=f"criterion:{criterion.pk}",
                    reason=f"{criterion.statement}: measured {result.display}.",
                )
            )
    return fired


def quality_check(*, today: dt.date) -> int:
    """Open a review where the strategy's quality measure is below its
    threshold. No data is not a breach: it says nothing about quality."""
    fired = 0
    for strategy in InsightStrategy.objects.filter(
        status__in=IN_FORCE, quality_threshold__isnull=False
    ).order_by("pk"):
        measured = metrics.measure(strategy.quality_metric, params=strategy.quality_params)
        threshold = strategy.quality_threshold
        assert threshold is not None  # filtered on it
        if measured.value is not None and measured.value < threshold:
            fired += bool(
                review_trigger_fire(
                    strategy=strategy,
                    kind=TriggerKind.QUALITY_BELOW_THRESHOLD,
                    key="quality",
                    reason=(
                        f"{measured.metric.label} is {measured.display}, below the threshold "
                        f"of {threshold.normalize():f}."
                    ),
                )
            )
    return fired


def review_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily review check: scheduled reviews, breached criteria, quality,
    and codes of practice due a review."""
    from insight.services.system import codes_of_practice_review_due

    today = today or timezone.localdate()
    return {
        "scheduled": reviews_open_due(today=today),
        "criteria_breached": criteria_breaches_check(today=today),
        "quality_below_threshold": quality_check(today=today),
        "codes_of_practice": codes_of_practice_review_due(today=today),
    }


@transaction.atomic
def evaluation_submit(
    *,
    evaluation: Evaluation,
    actor,
    recommendation: str,
    rationale: str,
    notes: str | None = None,
    feedback_summary: str | None = None,
) -> Evaluation:
    """Measure the criteria a last time and put the recommendation to a manager."""
    evaluation = lock_one(evaluation)
    require_permission(actor, "insight.change_evaluation", "submit evaluations")
    require_status(evaluation, [EvaluationStatus.OPEN], "be submitted")
    if recommendation not in Recommendation.values:
        refuse("recommendation", "Recommend to maintain or to modify the strategy.", "invalid")
    if not (rationale or "").strip():
        refuse("rationale", "Give the rationale for the recommendation.", "required")
    evaluation_measure(evaluation=evaluation)
    changes = {
        "recommendation": recommendation,
        "rationale": rationale,
        "submitted_by": actor,
        "submitted_at": now(),
    }
    if notes is not None:
        changes["notes"] = notes
    if feedback_summary is not None:
        changes["feedback_summary"] = feedback_summary
    transition_record(
        subject=evaluation,
        to_status=EvaluationStatus.SUBMITTED,
        actor=actor,
        reason=rationale,
        **changes,
    )
    return evaluation


@transaction.atomic
def evaluation_approve(*, evaluation: Evaluation, actor, comment: str = "") -> Evaluation:
    """Agree the recommendation: the strategy is maintained or modified."""
    evaluation = lock_one(evaluation)
    require_permission(actor, APPROVE_PERMISSION, "approve evaluations")
    if evaluation.submitted_by_id == actor.pk:
        raise PermissionDenied("Nobody may approve their own evaluation.")
    require_status(evaluation, [EvaluationStatus.SUBMITTED], "be approved")
    transition_record(
        subject=evaluation,
        to_status=EvaluationStatus.APPROVED,
        actor=actor,
        reason=comment,
        approved_by=actor,
        approved_at=now(),
    )
    outcome = S.MAINTAINED if evaluation.recommendation == Recommendation.MAINTAIN else S.MODIFIED
    strategies.strategy_transition(
        strategy=evaluation.strategy,
        to=outcome,
        actor=actor,
        reason=f"Evaluation approved: {evaluation.rationale}"
        + (f" ({comment})" if comment else ""),
    )
    return evaluation
