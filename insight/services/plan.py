"""Agreeing the collection plan, and revising it after.

A manager agrees the plan as a whole: each task's dates and budget become
its baseline. From then on a task's dates or budget change only through a
revision: proposed with a reason, approved or rejected by a manager who did
not propose it, and kept with who, when and why. Late and over-budget are
judged against the baseline, so a revision cannot hide a slip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from insight.models import CollectionTask, InsightStrategy, RevisionStatus, TaskRevision
from insight.models import StrategyStatus as S
from insight.services.lifecycle import (
    now,
    refuse,
    require_permission,
    require_status,
    transition_record,
)
from mis.locks import lock_one

AGREE_PERMISSION = "insight.approve_insightstrategy"
REVISE_PERMISSION = "insight.change_collectiontask"
DECIDE_PERMISSION = "insight.approve_taskrevision"
# A plan is agreed for an approved strategy, or again (its new tasks) while
# the strategy is in force or being modified.
AGREEABLE = (S.APPROVED, S.IMPLEMENTING, S.EVALUATING, S.MAINTAINED, S.MODIFIED)


def plan_is_agreed(strategy: InsightStrategy) -> bool:
    """Agreed, with every task in the agreement."""
    return (
        strategy.plan_agreed_at is not None
        and strategy.tasks.exists()
        and not strategy.tasks.filter(baseline_due_on__isnull=True).exists()
    )


@transaction.atomic
def plan_agree(*, strategy: InsightStrategy, actor, comment: str = "") -> int:
    """Agree the plan: every task not yet agreed takes its dates and budget
    as its baseline. Returns how many tasks joined the agreement."""
    strategy = lock_one(strategy)
    require_permission(actor, AGREE_PERMISSION, "agree collection plans")
    if actor.pk == strategy.owner_id:
        raise PermissionDenied("Nobody may agree the plan of their own strategy.")
    require_status(strategy, AGREEABLE, "have its plan agreed")
    tasks = CollectionTask.objects.filter(strategy=strategy, baseline_due_on__isnull=True)
    agreed = tasks.update(
        baseline_starts_on=F("starts_on"),
        baseline_due_on=F("due_on"),
        baseline_budget=F("budget_planned"),
    )
    if not agreed:
        refuse(
            "strategy",
            "There is nothing to agree: the plan has no task that is not already agreed.",
            "nothing_to_agree",
        )
    # Recorded beside the strategy's lifecycle (the status does not change).
    transition_record(
        subject=strategy,
        to_status=strategy.status,
        actor=actor,
        reason=f"Plan agreed ({agreed} task{'s' if agreed != 1 else ''})"
        + (f": {comment}" if comment else "."),
        plan_agreed_by=actor,
        plan_agreed_at=now(),
    )
    return agreed


@transaction.atomic
def task_revision_propose(
    *,
    task: CollectionTask,
    actor,
    reason: str,
    starts_on: dt.date | None = None,
    due_on: dt.date | None = None,
    budget_planned: Decimal | None = None,
) -> TaskRevision:
    """Propose new dates or a new budget for a task of an agreed plan. The
    task keeps its figures until a manager approves."""
    task = lock_one(task)
    require_permission(actor, REVISE_PERMISSION, "propose plan revisions")
    if task.baseline_due_on is None:
        refuse(
            "task",
            "The task is not in an agreed plan yet: change it directly.",
            "not_agreed",
        )
    if not (reason or "").strip():
        refuse("reason", "Say why the task's dates or budget should change.", "reason_required")
    if task.revisions.filter(status=RevisionStatus.PENDING).exists():
        refuse(
            "task",
            "A revision of this task is already waiting for a decision.",
            "revision_pending",
        )
    revision = TaskRevision(
        task=task,
        from_starts_on=task.starts_on,
        from_due_on=task.due_on,
        from_budget=task.budget_planned,
        starts_on=starts_on or task.starts_on,
        due_on=due_on or task.due_on,
        budget_planned=task.budget_planned if budget_planned is None else budget_planned,
        reason=reason.strip(),
        proposed_by=actor,
    )
    if not revision.changes:
        refuse("task", "The revision changes nothing: give new dates or a new budget.", "no_change")
    if revision.due_on < revision.starts_on:
        refuse("due_on", "The due date is before the start.", "due_before_start")
    revision.full_clean(exclude=["task", "proposed_by"])
    revision.save()
    return revision


def _decide(revision: TaskRevision, *, actor, approve: bool, comment: str) -> TaskRevision:
    doing = "approve" if approve else "reject"
    revision = lock_one(revision)
    require_permission(actor, DECIDE_PERMISSION, f"{doing} plan revisions")
    if actor.pk == revision.proposed_by_id:
        raise PermissionDenied(f"Nobody may {doing} their own revision.")
    require_status(revision, [RevisionStatus.PENDING], f"be {doing}d")
    revision.status = RevisionStatus.APPROVED if approve else RevisionStatus.REJECTED
    revision.decided_by, revision.decided_at = actor, now()
    revision.decision_comment = comment
    revision.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if approve:
        CollectionTask.objects.filter(pk=revision.task_id).update(
            starts_on=revision.starts_on,
            due_on=revision.due_on,
            budget_planned=revision.budget_planned,
        )
    return revision


@transaction.atomic
def task_revision_approve(*, revision: TaskRevision, actor, comment: str = "") -> TaskRevision:
    return _decide(revision, actor=actor, approve=True, comment=comment)


@transaction.atomic
def task_revision_reject(*, revision: TaskRevision, actor, comment: str) -> TaskRevision:
    if not (comment or "").strip():
        refuse("comment", "Say why the revision is rejected.", "comment_required")
    return _decide(revision, actor=actor, approve=False, comment=comment)
