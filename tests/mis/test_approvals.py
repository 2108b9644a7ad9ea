"""The approvals inbox: a manager sees what waits for a decision and takes it
there, through the same services (and guards) as admin's actions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from governance.models import RetentionPolicy, RunStatus
from governance.services import retention
from insight import services
from insight.models import BusinessCaseStatus, EvaluationStatus, StrategyStatus
from tests.factories import CustomerFactory, UserFactory
from tests.insight.factories import (
    complete_business_case,
    criterion,
    in_force,
    ready_for_approval,
    strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted_case(marketing_user):
    case = complete_business_case(author=marketing_user, title="One view of the customer")
    return services.business_case_submit(case=case, actor=marketing_user)


@pytest.fixture
def prepared_run():
    policy = RetentionPolicy.objects.create(
        name="Prospects silent for 2 years",
        lifecycle_stage="prospect",
        inactivity_months=24,
        action="delete",
    )
    return retention.retention_run_prepare(policy=policy)


@pytest.fixture
def submitted_evaluation(marketing_user):
    CustomerFactory.create_batch(2)
    made = in_force(strategy(owner=marketing_user))
    criterion(made, target=Decimal("90"))
    services.review_trigger_fire(strategy=made, kind="scheduled", key="k", reason="due")
    evaluation = made.evaluations.get()
    return services.evaluation_submit(
        evaluation=evaluation, actor=marketing_user, recommendation="maintain", rationale="On track"
    )


def decide(client, item, kind, decision, comment=""):
    return client.post(
        reverse("approval-decide", args=[kind, item.public_id]),
        {"decision": decision, "comment": comment},
        follow=True,
    )


def test_the_inbox_lists_each_kind_waiting_for_the_manager(
    page_client_for, manager, submitted_case, prepared_run, submitted_evaluation, marketing_user
):
    consultation = ready_for_approval(owner=marketing_user)

    page = page_client_for(manager).get(reverse("approvals")).content.decode()

    assert "One view of the customer" in page
    assert consultation.title in page
    assert "Evaluation of" in page
    assert "Retention run of" in page
    for kind in ("Business case", "Insight strategy", "Evaluation", "Retention run"):
        assert f'<span class="badge">{kind}</span>' in page


def test_the_data_protection_lead_sees_only_retention_runs(
    page_client_for, dpo, submitted_case, prepared_run
):
    page = page_client_for(dpo).get(reverse("approvals")).content.decode()

    assert "Retention run of" in page
    assert "One view of the customer" not in page


def test_a_role_that_approves_nothing_is_refused_the_inbox(page_client_for, marketing_user):
    assert page_client_for(marketing_user).get(reverse("approvals")).status_code == 403


def test_a_manager_approves_a_business_case_from_the_inbox(
    page_client_for, manager, submitted_case
):
    response = decide(page_client_for(manager), submitted_case, "business_case", "approve", "Go")

    submitted_case.refresh_from_db()
    assert submitted_case.status == BusinessCaseStatus.APPROVED
    assert submitted_case.decided_by == manager
    assert "was approved" in response.content.decode()
    assert f'id="business_case-{submitted_case.public_id}"' not in response.content.decode()
    assert "Nothing waits for your decision" in response.content.decode()


def test_rejecting_asks_for_a_reason_and_changes_nothing_without_one(
    page_client_for, manager, submitted_case
):
    client = page_client_for(manager)

    response = decide(client, submitted_case, "business_case", "reject")

    submitted_case.refresh_from_db()
    assert submitted_case.status == BusinessCaseStatus.SUBMITTED
    assert "Say why you reject" in response.content.decode()

    decide(client, submitted_case, "business_case", "reject", "Costs are not known")
    submitted_case.refresh_from_db()
    assert submitted_case.status == BusinessCaseStatus.REJECTED
    assert submitted_case.decision_comment == "Costs are not known"


def test_the_services_guards_hold_in_the_inbox(page_client_for, manager):
    own = ready_for_approval(owner=manager)

    response = decide(page_client_for(manager), own, "strategy", "approve")

    own.refresh_from_db()
    assert own.status == StrategyStatus.IN_CONSULTATION
    assert "Nobody may approve their own strategy" in response.content.decode()


def test_a_manager_approves_a_strategy_and_an_evaluation(
    page_client_for, manager, marketing_user, submitted_evaluation
):
    consultation = ready_for_approval(owner=marketing_user)
    client = page_client_for(manager)

    decide(client, consultation, "strategy", "approve")
    decide(client, submitted_evaluation, "evaluation", "approve")

    consultation.refresh_from_db()
    submitted_evaluation.refresh_from_db()
    assert consultation.status == StrategyStatus.APPROVED
    assert submitted_evaluation.status == EvaluationStatus.APPROVED


def test_a_retention_run_is_rejected_from_the_inbox(page_client_for, dpo, prepared_run):
    decide(page_client_for(dpo), prepared_run, "retention_run", "reject")

    prepared_run.refresh_from_db()
    assert prepared_run.status == RunStatus.REJECTED


def test_approving_a_retention_run_queues_its_execution(
    page_client_for, dpo, prepared_run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        decide(page_client_for(dpo), prepared_run, "retention_run", "approve")

    prepared_run.refresh_from_db()
    assert prepared_run.status == RunStatus.APPROVED
    assert prepared_run.approved_by == dpo
    assert len(queued) == 1


def test_an_outsider_cannot_post_a_decision(page_client_for, submitted_case):
    outsider = UserFactory()

    response = decide(page_client_for(outsider), submitted_case, "business_case", "approve")

    submitted_case.refresh_from_db()
    assert response.status_code == 403
    assert submitted_case.status == BusinessCaseStatus.SUBMITTED


def test_an_unknown_decision_changes_nothing(page_client_for, manager, submitted_case):
    response = decide(page_client_for(manager), submitted_case, "business_case", "shred")

    submitted_case.refresh_from_db()
    assert submitted_case.status == BusinessCaseStatus.SUBMITTED
    assert "no such decision" in response.content.decode()
