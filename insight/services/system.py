"""The information system's own development: acceptance checks of its
functional requirements (a metric against a target, a test's last run, or a
person's sign-off with evidence), the improvement backlog fed by evaluations,
problems and feedback, and the register of codes of practice, whose reviews
fall due like a strategy's and open an unscheduled review of the strategies
they bear on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from xml.etree import ElementTree

from django.db import transaction
from django.utils import timezone

from insight.models import (
    AcceptanceCheck,
    CheckKind,
    CheckResult,
    CodeOfPractice,
    Evaluation,
    Feedback,
    Improvement,
    ImprovementSource,
    ImprovementStatus,
    InsightStrategy,
    Problem,
    TriggerKind,
)
from insight.models.strategy import _COMPARE, Comparator
from insight.services.lifecycle import now, refuse, require_permission
from mis import metrics
from mis.locks import lock_one, locked


def _check_record(check: AcceptanceCheck, *, passed: bool | None, display: str, actor) -> None:
    check.result = (
        CheckResult.UNCHECKED
        if passed is None
        else (CheckResult.PASSED if passed else CheckResult.FAILED)
    )
    check.result_display = display[:100]
    check.checked_at, check.checked_by = now(), actor
    check.save(update_fields=["result", "result_display", "checked_at", "checked_by"])


@transaction.atomic
def acceptance_check_measure(*, check: AcceptanceCheck, actor=None) -> AcceptanceCheck:
    """Measure a metric check now against its target. No data: unchecked."""
    check = lock_one(check)
    if check.kind != CheckKind.METRIC:
        refuse("kind", "Only a metric check is measured.", "not_metric")
    measured = metrics.measure(check.metric, params=check.params)
    passed = (
        None
        if measured.value is None
        else _COMPARE[Comparator(check.comparator)](measured.value, check.target)
    )
    _check_record(check, passed=passed, display=f"measured {measured.display}", actor=actor)
    return check


@transaction.atomic
def acceptance_check_sign_off(
    *, check: AcceptanceCheck, actor, evidence: str, passed: bool = True
) -> AcceptanceCheck:
    """A person signs a manual check off (or fails it), saying what shows it."""
    check = lock_one(check)
    require_permission(actor, "insight.change_acceptancecheck", "sign off acceptance checks")
    if check.kind != CheckKind.MANUAL:
        refuse("kind", "Only a manual check is signed off.", "not_manual")
    if not (evidence or "").strip():
        refuse("evidence", "Give the evidence that the requirement is met (or not).", "evidence")
    check.evidence = evidence.strip()
    check.save(update_fields=["evidence"])
    _check_record(
        check, passed=passed, display=f"signed off by {actor.get_username()}", actor=actor
    )
    return check


def junit_results(xml: bytes | str) -> dict[str, bool]:
    """Test node ids (``path::name`` or ``path::Class::name``) and whether each
    passed, from a pytest JUnit XML report."""
    results = {}
    for case in ElementTree.fromstring(xml).iter("testcase"):
        parts = case.get("classname", "").split(".")
        cls = [parts.pop()] if parts and parts[-1][:1].isupper() else []
        node = "::".join(["/".join(parts) + ".py", *cls, case.get("name", "")])
        failed = any(case.find(tag) is not None for tag in ("failure", "error", "skipped"))
        results[node] = not failed
    return results


@transaction.atomic
def acceptance_tests_record(*, results: Mapping[str, bool], actor=None) -> dict[str, int]:
    """Record a test run on every test check that names one of its tests; a
    check whose test did not run is left as it was."""
    counts = {"passed": 0, "failed": 0}
    checks = locked(
        AcceptanceCheck.objects.filter(kind=CheckKind.TEST, test_reference__in=list(results))
    )
    for check in checks:
        passed = results[check.test_reference]
        _check_record(check, passed=passed, display="test run recorded", actor=actor)
        counts["passed" if passed else "failed"] += 1
    return counts


@transaction.atomic
def improvement_raise(
    *,
    actor,
    title: str,
    description: str = "",
    problem: Problem | None = None,
    feedback: Feedback | None = None,
    evaluation: Evaluation | None = None,
    moscow: str = "should",
    owner=None,
) -> Improvement:
    """Put an improvement to MIS on the backlog, tied to what it came from.
    Raising one from the same problem twice gives back the first."""
    if actor is not None:
        require_permission(actor, "insight.add_improvement", "add to the improvement backlog")
    if problem is not None:
        existing = Improvement.objects.filter(problem=problem).first()
        if existing is not None:
            return existing
    source = (
        ImprovementSource.PROBLEM
        if problem
        else ImprovementSource.FEEDBACK
        if feedback
        else ImprovementSource.EVALUATION
        if evaluation
        else ImprovementSource.OTHER
    )
    item = Improvement(
        title=(title or "").strip()[:200],
        description=description,
        source=source,
        problem=problem,
        feedback=feedback,
        evaluation=evaluation,
        moscow=moscow,
        owner=owner,
        raised_by=actor,
    )
    item.full_clean()
    item.save()
    return item


def improvement_from_problem(*, problem: Problem, actor, comment: str = "") -> Improvement:
    return improvement_raise(
        actor=actor, title=problem.title, description=comment or problem.report, problem=problem
    )


def improvement_from_feedback(*, feedback: Feedback, actor, comment: str = "") -> Improvement:
    title = comment or (feedback.comment or f"Feedback rated {feedback.rating}")
    return improvement_raise(
        actor=actor, title=title[:200], description=feedback.comment, feedback=feedback
    )


def improvement_from_evaluation(*, evaluation: Evaluation, actor, comment: str = "") -> Improvement:
    return improvement_raise(
        actor=actor,
        title=comment or f"From the evaluation of {evaluation.strategy}",
        description=evaluation.rationale or evaluation.notes,
        evaluation=evaluation,
    )


_IMPROVEMENT_MOVES: dict[str, tuple[str, ...]] = {
    ImprovementStatus.PROPOSED: (ImprovementStatus.ACCEPTED, ImprovementStatus.DECLINED),
    ImprovementStatus.ACCEPTED: (ImprovementStatus.IN_PROGRESS, ImprovementStatus.DECLINED),
    ImprovementStatus.IN_PROGRESS: (ImprovementStatus.DONE, ImprovementStatus.ACCEPTED),
    ImprovementStatus.DONE: (),
    ImprovementStatus.DECLINED: (ImprovementStatus.PROPOSED,),
}


@transaction.atomic
def improvement_move(*, improvement: Improvement, actor, to: str, note: str = "") -> Improvement:
    improvement = lock_one(improvement)
    require_permission(actor, "insight.change_improvement", "change the improvement backlog")
    if to not in _IMPROVEMENT_MOVES.get(improvement.status, ()):
        refuse(
            "status",
            f"An improvement “{improvement.get_status_display()}” cannot become “{to}”.",
            "wrong_status",
        )
    if to == ImprovementStatus.DECLINED and not (note or "").strip():
        refuse("status_note", "Say why the improvement is declined.", "note_required")
    improvement.status = to
    if note:
        improvement.status_note = note
    improvement.save(update_fields=["status", "status_note", "updated_at"])
    return improvement


def _codes_trigger(code: CodeOfPractice, *, due: dt.date) -> int:
    from insight.services.evaluation import IN_FORCE, review_trigger_fire

    strategies = code.strategies.filter(status__in=IN_FORCE)
    if not code.strategies.exists():
        strategies = InsightStrategy.objects.filter(status__in=IN_FORCE)
    fired = 0
    for strategy in strategies.order_by("pk"):
        fired += bool(
            review_trigger_fire(
                strategy=strategy,
                kind=TriggerKind.CODE_OF_PRACTICE,
                key=f"code:{code.pk}:{due.isoformat()}",
                reason=f"The review of “{code.title}” fell due on {due:%-d %b %Y}.",
            )
        )
    return fired


def codes_of_practice_review_due(*, today: dt.date | None = None) -> int:
    """Open the reviews of codes whose review date has come: each code is
    claimed by moving its date on with a conditional UPDATE (two sweeps at
    once open one review), then every strategy it bears on is reviewed."""
    from insight.services.strategy import add_months

    today = today or timezone.localdate()
    due = CodeOfPractice.objects.filter(next_review_on__lte=today).values_list(
        "pk", "next_review_on", "review_interval_months"
    )
    fired = 0
    for pk, day, months in due.order_by("pk").iterator():
        with transaction.atomic():
            claimed = CodeOfPractice.objects.filter(pk=pk, next_review_on=day).update(
                next_review_on=add_months(day, months)
            )
            if claimed:
                fired += _codes_trigger(CodeOfPractice.objects.get(pk=pk), due=day)
    return fired


@transaction.atomic
def code_of_practice_reviewed(
    *, code: CodeOfPractice, actor, evidence: str, on: dt.date | None = None
) -> CodeOfPractice:
    """Record that the code was reviewed, with the evidence of compliance."""
    code = lock_one(code)
    require_permission(actor, "insight.change_codeofpractice", "review codes of practice")
    if not (evidence or "").strip():
        refuse("evidence", "Give the evidence of compliance found in the review.", "evidence")
    code.evidence = evidence.strip()
    code.last_reviewed_on = on or timezone.localdate()
    code.save(update_fields=["evidence", "last_reviewed_on"])
    return code
