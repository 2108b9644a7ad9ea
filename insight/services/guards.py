"""When an insight record may be changed or deleted: each status rule is
written here, once. The record services (``records.record_save`` and
``record_delete``) enforce them; admin and the pages ask them what to lock.

- A business case, with its objectives, options, risks and consultations,
  changes only as a draft or after a rejection: what a decision maker is
  judging or has agreed stays as it was.
- A strategy, with its criteria, requirements, their collection options and
  its consultations, changes only while it is a draft, in consultation or
  being modified after an evaluation. A consultation may be added at any
  stage (stakeholders are consulted during evaluations too), but one recorded
  on a locked case or strategy stays as it was.
- An evaluation changes only while it is open.
- A task of an agreed plan keeps its agreed dates and budget: they change by
  a revision a manager approves (``plan.task_revision_propose``), and the
  task is cancelled, not deleted. Its progress (status, spend, completion)
  is recorded freely.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from insight.models import (
    BusinessCase,
    BusinessCaseObjective,
    BusinessCaseOption,
    BusinessCaseRisk,
    BusinessCaseStatus,
    CollectionOption,
    CollectionTask,
    Consultation,
    Evaluation,
    EvaluationStatus,
    InformationRequirement,
    InsightStrategy,
    SuccessCriterion,
)
from insight.models import StrategyStatus as S

CASE_EDITABLE = (BusinessCaseStatus.DRAFT, BusinessCaseStatus.REJECTED)
STRATEGY_EDITABLE = (S.DRAFT, S.IN_CONSULTATION, S.MODIFIED)
# The fields of a task that the plan's agreement fixes.
AGREED_TASK_FIELDS = ("strategy", "starts_on", "due_on", "budget_planned")


def case_lock(case: BusinessCase | None) -> str | None:
    if case is None or case.status in CASE_EDITABLE:
        return None
    return (
        f"The business case is “{case.get_status_display()}”: it is changed only as a draft "
        "or after a rejection."
    )


def strategy_lock(strategy: InsightStrategy | None) -> str | None:
    if strategy is None or strategy.status in STRATEGY_EDITABLE:
        return None
    return (
        f"The strategy is “{strategy.get_status_display()}”: what was approved is changed "
        "only after an evaluation recommends to modify it."
    )


def _parent(instance: models.Model, name: str):
    return getattr(instance, name) if getattr(instance, f"{name}_id", None) else None


def lock_reason(instance: models.Model) -> tuple[str, str] | None:
    """(field, why) when the whole record may be neither changed nor deleted
    now, else None. The field is the one to show the refusal against."""
    if isinstance(instance, BusinessCase):
        reason = case_lock(instance)
        return ("status", reason) if reason else None
    if isinstance(instance, (BusinessCaseObjective, BusinessCaseOption, BusinessCaseRisk)):
        reason = case_lock(_parent(instance, "case"))
        return ("case", reason) if reason else None
    if isinstance(instance, InsightStrategy):
        reason = strategy_lock(instance)
        return ("strategy", reason) if reason else None
    if isinstance(instance, (SuccessCriterion, InformationRequirement)):
        reason = strategy_lock(_parent(instance, "strategy"))
        return ("strategy", reason) if reason else None
    if isinstance(instance, CollectionOption):
        requirement = _parent(instance, "requirement")
        reason = strategy_lock(_parent(requirement, "strategy")) if requirement else None
        return ("requirement", reason) if reason else None
    if isinstance(instance, Consultation):
        reason = case_lock(_parent(instance, "business_case")) or strategy_lock(
            _parent(instance, "strategy")
        )
        return ("__all__", reason) if reason else None
    if isinstance(instance, Evaluation) and instance.status != EvaluationStatus.OPEN:
        return (
            "status",
            f"The evaluation is “{instance.get_status_display()}”: only an open evaluation "
            "is changed.",
        )
    return None


def task_is_agreed(task: CollectionTask) -> bool:
    return task.baseline_due_on is not None


def locked_fields(instance: models.Model | None) -> tuple[str, ...]:
    """The fields of ``instance`` nobody may change directly now (for admin's
    read-only fields)."""
    if instance is None or instance.pk is None:
        return ()
    if lock_reason(instance):
        return tuple(f.name for f in instance._meta.fields if f.editable)
    if isinstance(instance, CollectionTask) and task_is_agreed(instance):
        return AGREED_TASK_FIELDS
    return ()


def _refuse(field: str, message: str, code: str = "locked"):
    raise ValidationError({field: message}, code=code)


def require_changeable(instance: models.Model, *, before: models.Model | None = None) -> None:
    """Raise ValidationError when saving ``instance`` (as it is about to be
    saved) over ``before`` (as stored; None for a new record) breaks a rule:
    the record was locked, or it would join (or be) a locked record."""
    if before is not None and (reason := lock_reason(before)):
        _refuse(*reason)
    if before is None and isinstance(instance, Consultation):
        return  # a stakeholder may be consulted at any stage; what they said stays
    if reason := lock_reason(instance):
        _refuse(*reason)
    if (
        isinstance(instance, CollectionTask)
        and isinstance(before, CollectionTask)
        and task_is_agreed(before)
    ):
        changed = [f for f in AGREED_TASK_FIELDS if getattr(before, f) != getattr(instance, f)]
        if "strategy" in changed:
            _refuse("strategy", "A task of an agreed plan stays with its strategy.")
        if changed:
            _refuse(
                changed[0],
                "The plan is agreed: propose a revision of the task's dates or budget for a "
                "manager to approve.",
                "plan_agreed",
            )


def require_deletable(instance: models.Model) -> None:
    if reason := lock_reason(instance):
        _refuse(*reason)
    if isinstance(instance, CollectionTask) and task_is_agreed(instance):
        _refuse(
            "status",
            "The task is part of an agreed plan: cancel it (its spend so far still counts) "
            "instead of deleting it.",
            "plan_agreed",
        )
