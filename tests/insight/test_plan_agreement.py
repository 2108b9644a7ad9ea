"""A collection plan is agreed as a whole; after that a task's dates and
budget change only by a revision a manager approves, kept with who, when and
why; the timeline shows the agreed plan against the current one, and late
and over-budget are judged against what was agreed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from insight import services
from insight.models import CollectionTask, RevisionStatus, StrategyStatus, TaskRevision
from insight.plan import plan_overview
from insight.services.records import record_update
from tests.insight.factories import in_force, strategy, task

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreed_plan(manager):
    made = in_force(strategy(), status=StrategyStatus.APPROVED)
    job = task(made, budget_planned=Decimal("1000"), due_on=dt.date(2026, 1, 31))
    services.plan_agree(strategy=made, actor=manager, comment="Within the year's budget")
    job.refresh_from_db()
    return job


def test_agreeing_the_plan_fixes_each_tasks_dates_and_budget(agreed_plan, manager):
    made = agreed_plan.strategy
    made.refresh_from_db()

    assert (agreed_plan.baseline_due_on, agreed_plan.baseline_budget) == (
        dt.date(2026, 1, 31),
        Decimal("1000"),
    )
    assert (made.plan_agreed_by, made.plan_agreed_at is not None) == (manager, True)
    assert "Plan agreed (1 task): Within the year's budget" in [
        t.reason for t in made_transitions(made)
    ]


def made_transitions(made):
    from insight.selectors import transitions_of

    return transitions_of(made)


def test_only_a_manager_who_does_not_own_the_strategy_agrees_its_plan(marketing_user, manager):
    theirs = in_force(strategy(owner=manager), status=StrategyStatus.APPROVED)
    task(theirs)

    with pytest.raises(PermissionDenied):
        services.plan_agree(strategy=theirs, actor=marketing_user)
    with pytest.raises(PermissionDenied, match="their own strategy"):
        services.plan_agree(strategy=theirs, actor=manager)


def test_a_plan_is_not_agreed_before_the_strategy_is_approved(manager):
    draft = strategy()
    task(draft)

    with pytest.raises(ValidationError, match="have its plan agreed"):
        services.plan_agree(strategy=draft, actor=manager)


def test_a_change_to_an_approved_plan_waits_for_a_manager_with_its_history(
    agreed_plan, marketing_user, manager
):
    # The direct change the old system let through is refused.
    with pytest.raises(ValidationError, match="propose a revision"):
        record_update(agreed_plan, actor=marketing_user, data={"budget_planned": Decimal("10000")})

    revision = services.task_revision_propose(
        task=agreed_plan,
        actor=marketing_user,
        reason="The survey needs a second wave",
        due_on=dt.date(2027, 1, 31),
        budget_planned=Decimal("10000"),
    )
    agreed_plan.refresh_from_db()
    assert (agreed_plan.due_on, agreed_plan.budget_planned) == (
        dt.date(2026, 1, 31),
        Decimal("1000"),
    )  # pending: nothing changed yet
    assert revision.status == RevisionStatus.PENDING

    with pytest.raises(PermissionDenied, match="permission to approve plan revisions"):
        services.task_revision_approve(revision=revision, actor=marketing_user)
    services.task_revision_approve(revision=revision, actor=manager, comment="Board agreed")

    agreed_plan.refresh_from_db()
    assert (agreed_plan.due_on, agreed_plan.budget_planned) == (
        dt.date(2027, 1, 31),
        Decimal("10000"),
    )
    # The baseline stays as agreed; the revision keeps who, when and why.
    assert agreed_plan.baseline_budget == Decimal("1000") and agreed_plan.is_revised
    kept = TaskRevision.objects.get()
    assert (kept.proposed_by, kept.decided_by, kept.reason, kept.decision_comment) == (
        marketing_user,
        manager,
        "The survey needs a second wave",
        "Board agreed",
    )
    assert kept.changes == [
        ("due date", dt.date(2026, 1, 31), dt.date(2027, 1, 31)),
        ("budget", Decimal("1000.00"), Decimal("10000.00")),
    ]


def test_a_rejected_revision_leaves_the_task_and_says_why(agreed_plan, manager):
    revision = services.task_revision_propose(
        task=agreed_plan, actor=manager, reason="More", budget_planned=Decimal("5000")
    )
    with pytest.raises(PermissionDenied, match="their own revision"):
        services.task_revision_approve(revision=revision, actor=manager)
    other = type(manager).objects.create(username="other.manager")
    other.groups.set(manager.groups.all())
    manager = other

    with pytest.raises(ValidationError, match="Say why"):
        services.task_revision_reject(revision=revision, actor=manager, comment="")
    services.task_revision_reject(revision=revision, actor=manager, comment="No budget left")

    agreed_plan.refresh_from_db()
    assert agreed_plan.budget_planned == Decimal("1000")
    assert TaskRevision.objects.get().status == RevisionStatus.REJECTED


def test_one_revision_waits_at_a_time_and_each_needs_a_reason(agreed_plan, marketing_user):
    with pytest.raises(ValidationError, match="Say why"):
        services.task_revision_propose(
            task=agreed_plan, actor=marketing_user, reason=" ", budget_planned=Decimal("1")
        )
    services.task_revision_propose(
        task=agreed_plan, actor=marketing_user, reason="r", budget_planned=Decimal("1")
    )
    with pytest.raises(ValidationError, match="already waiting"):
        services.task_revision_propose(
            task=agreed_plan, actor=marketing_user, reason="r", budget_planned=Decimal("2")
        )


def test_late_and_over_budget_are_judged_against_the_agreed_plan(
    agreed_plan, marketing_user, manager
):
    revision = services.task_revision_propose(
        task=agreed_plan,
        actor=marketing_user,
        reason="Slipped",
        due_on=dt.date(2026, 6, 30),
        budget_planned=Decimal("3000"),
    )
    services.task_revision_approve(revision=revision, actor=manager)
    CollectionTask.objects.filter(pk=agreed_plan.pk).update(budget_actual=Decimal("2000"))

    plan = plan_overview(agreed_plan.strategy, today=dt.date(2026, 3, 1))

    bar = plan.tasks[0]
    assert bar.late and bar.over_budget  # against 31 Jan and £1,000, not the revision
    assert plan.budget_agreed == Decimal("1000") and plan.budget_planned == Decimal("3000")
    assert bar.baseline_x is not None and bar.baseline_width < bar.width


def test_the_plan_page_agrees_proposes_and_decides(page_client_for, marketing_user, manager):
    made = in_force(strategy(), status=StrategyStatus.APPROVED)
    job = task(made)
    plan_url = reverse("insight:plan", args=[made.public_id])

    page = page_client_for(manager).get(plan_url).content.decode()
    assert "Agree the plan" in page
    page_client_for(manager).post(reverse("insight:plan-agree", args=[made.public_id]))
    page_client_for(marketing_user).post(
        reverse("insight:task-revise", args=[made.public_id]),
        {"task": job.pk, "budget_planned": "1500", "reason": "Printing costs rose"},
    )
    page = page_client_for(manager).get(plan_url).content.decode()
    assert "Printing costs rose" in page and "Pending" in page
    revision = TaskRevision.objects.get()
    page_client_for(manager).post(
        reverse("insight:revision-decide", args=[revision.public_id]), {"decision": "approve"}
    )

    job.refresh_from_db()
    assert job.budget_planned == Decimal("1500") and job.baseline_budget == Decimal("1000")
    assert "Approved by" in page_client_for(manager).get(plan_url).content.decode()


def test_a_manager_decides_revisions_in_admin(client, manager, agreed_plan, marketing_user):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    services.task_revision_propose(
        task=agreed_plan, actor=marketing_user, reason="r", budget_planned=Decimal("1200")
    )

    client.post(
        reverse("admin:insight_taskrevision_changelist"),
        {
            "action": "approve_revisions",
            "_selected_action": [TaskRevision.objects.get().pk],
            "apply": "1",
            "comment": "ok",
        },
    )

    agreed_plan.refresh_from_db()
    assert agreed_plan.budget_planned == Decimal("1200")
