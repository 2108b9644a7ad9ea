"""Every insight admin page opens for a manager: lists with their filters and
searches, and the change form of each record (inlines and read-only audit
fields included)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from insight import services
from insight.models import Problem
from tests.insight.factories import (
    complete_business_case,
    criterion,
    in_force,
    ready_for_approval,
    requirement,
    sign_off,
    source,
    strategy,
    task,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    return client


@pytest.fixture
def one_of_each(manager, marketing_user):
    from insight.models import CollectionOption, Insight

    case = complete_business_case(author=marketing_user)
    made = ready_for_approval()
    sign_off(made)
    need = requirement(strategy=made)
    CollectionOption.objects.create(
        requirement=need, source=source(), method="form", cost=1, benefit=2, risk=1
    )
    job = task(made)
    criterion(made)
    Insight.objects.create(
        strategy=made,
        finding="f",
        evidence_metric="customers",
        confidence="low",
        recommended_action="a",
        owner=marketing_user,
    )
    agreed = in_force(strategy(), status="approved")
    agreed_task = task(agreed)
    services.plan_agree(strategy=agreed, actor=manager)
    services.task_revision_propose(
        task=agreed_task,
        actor=marketing_user,
        reason="later",
        due_on=job.due_on.replace(year=2027),
    )
    live = in_force(strategy())
    services.review_trigger_fire(strategy=live, kind="scheduled", reason="due")
    services.problem_report(actor=marketing_user, title="t", report="r", severity="low")
    services.feedback_give(author=marketing_user, rating=3)
    services.business_case_submit(case=case, actor=marketing_user)
    system_records(manager)
    return made


def system_records(owner):
    import datetime as dt

    from insight.models import (
        AcceptanceCheck,
        CodeOfPractice,
        DevelopmentTask,
        FunctionalRequirement,
        Improvement,
    )

    need = FunctionalRequirement.objects.create(reference="FR-1", statement="s", moscow="must")
    AcceptanceCheck.objects.create(requirement=need, kind="manual", description="d")
    DevelopmentTask.objects.create(
        title="t",
        owner=owner,
        starts_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 2, 1),
        budget_planned=1,
    )
    Improvement.objects.create(title="i", source="other")
    CodeOfPractice.objects.create(
        title="c", source="s", duties="d", owner=owner, next_review_on=dt.date(2027, 1, 1)
    )


def insight_models():
    return [m for m in admin.site._registry if m._meta.app_label == "insight"]


def test_every_insight_list_and_change_form_opens(admin_client, one_of_each):
    for model in insight_models():
        opts = model._meta
        changelist = reverse(f"admin:insight_{opts.model_name}_changelist")
        assert admin_client.get(changelist, {"q": "x"}).status_code == 200, opts.model_name
        obj = model.objects.first()
        assert obj is not None, f"no {opts.model_name} to open"
        change = reverse(f"admin:insight_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200, opts.model_name


def test_problems_and_evaluations_are_not_added_in_admin(admin_client):
    assert admin_client.get(reverse("admin:insight_problem_add")).status_code == 403
    assert admin_client.get(reverse("admin:insight_evaluation_add")).status_code == 403
    assert not Problem.objects.exists()


def test_an_approved_strategy_or_decided_case_is_read_only_in_admin(
    admin_client, manager, marketing_user
):
    approved = in_force(strategy(title="Agreed"))
    draft = strategy(title="Draft")
    case = complete_business_case(author=marketing_user)
    services.business_case_submit(case=case, actor=marketing_user)

    def form(name, pk):
        return admin_client.get(reverse(f"admin:insight_{name}_change", args=[pk])).content

    assert b'name="title"' not in form("insightstrategy", approved.pk)
    assert b'name="title"' in form("insightstrategy", draft.pk)
    assert b'name="title"' not in form("businesscase", case.pk)
    assert b'name="objectives-0-statement"' not in form("businesscase", case.pk)


def test_a_consultation_recorded_in_the_browser_lists_the_stakeholder_on_the_case(
    client, marketing_user
):
    from tests.insight.factories import StakeholderFactory

    case = complete_business_case(author=marketing_user)
    person = StakeholderFactory()
    client.force_login(marketing_user)

    client.post(
        reverse("insight:record-new", args=["consultation"]),
        {
            "stakeholder": person.pk,
            "business_case": case.pk,
            "held_on": "2026-05-04",
            "topic": "Scope",
            "feedback_summary": "Fine",
        },
    )

    assert list(case.stakeholders.all()) == [person]
