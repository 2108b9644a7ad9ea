"""A locked record (a decided business case, an approved strategy and what
belongs to it, an agreed plan's dates and budgets) cannot be changed or
deleted through any face: admin, the pages or the API. The rule is the
service's (insight.services.guards); every face meets the same refusal."""

from decimal import Decimal

import pytest
from django.urls import reverse

from insight.models import (
    CollectionOption,
    CollectionTask,
    InformationRequirement,
    StrategyStatus,
    SuccessCriterion,
)
from insight.services import plan_agree
from tests.insight.factories import criterion, in_force, requirement, source, strategy, task

pytestmark = pytest.mark.django_db

BASE = "/api/v1/insight"


@pytest.fixture
def admin_client(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    return client


def change_url(obj):
    return reverse(f"admin:insight_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj):
    return reverse(f"admin:insight_{obj._meta.model_name}_delete", args=[obj.pk])


def criterion_form(item, **changes):
    data = {
        "strategy": item.strategy_id,
        "description": item.description,
        "metric": item.metric,
        "params": '{"field": "email"}',
        "comparator": item.comparator,
        "target": item.target,
        "deadline": "",
    }
    return {**data, **changes}


class TestAdmin:
    def test_the_target_of_an_approved_strategys_criterion_does_not_change(self, admin_client):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        item = criterion(agreed)

        page = admin_client.get(change_url(item)).content.decode()
        admin_client.post(change_url(item), criterion_form(item, target="1"))

        assert 'name="target"' not in page  # shown read-only
        item.refresh_from_db()
        assert item.target == Decimal("90")

    def test_a_requirement_of_a_strategy_under_evaluation_is_neither_edited_nor_deleted(
        self, admin_client
    ):
        evaluating = in_force(strategy(), status=StrategyStatus.EVALUATING)
        need = requirement(strategy=evaluating, statement="As agreed")

        admin_client.post(
            change_url(need),
            {
                "strategy": evaluating.pk,
                "statement": "Edited",
                "need": "must_have",
                "moscow": "must",
                "marketing_objective": "o",
                "fields": '["email"]',
                "min_completeness": 90,
                "min_validity": 95,
            },
        )
        assert admin_client.get(delete_url(need)).status_code == 403
        assert admin_client.post(delete_url(need), {"post": "yes"}).status_code == 403
        bulk = admin_client.post(
            reverse("admin:insight_informationrequirement_changelist"),
            {"action": "delete_selected", "_selected_action": [need.pk], "post": "yes"},
        )

        assert bulk.status_code == 403
        need.refresh_from_db()
        assert need.statement == "As agreed"

    def test_a_draft_requirement_is_not_moved_onto_an_approved_strategy(self, admin_client):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        loose = requirement(statement="System-wide")

        response = admin_client.post(
            change_url(loose),
            {
                "strategy": agreed.pk,
                "statement": "System-wide",
                "need": "must_have",
                "moscow": "must",
                "marketing_objective": "o",
                "fields": '["email"]',
                "min_completeness": 90,
                "min_validity": 95,
            },
        )

        assert response.status_code == 200
        assert "what was approved is changed only after an evaluation" in response.content.decode()
        loose.refresh_from_db()
        assert loose.strategy_id is None

    def test_a_draft_strategys_records_are_edited_and_deleted(self, admin_client):
        draft = strategy()
        item = criterion(draft)
        need = requirement(strategy=draft)

        admin_client.post(change_url(item), criterion_form(item, target="75"))
        response = admin_client.post(delete_url(need), {"post": "yes"})

        item.refresh_from_db()
        assert item.target == Decimal("75")
        assert response.status_code == 302
        assert not InformationRequirement.objects.filter(pk=need.pk).exists()

    def test_an_option_of_an_approved_strategys_requirement_is_locked(self, admin_client):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        option = CollectionOption.objects.create(
            requirement=requirement(strategy=agreed),
            source=source(),
            method="form",
            cost=10,
            benefit=3,
            risk=2,
        )

        assert admin_client.get(delete_url(option)).status_code == 403

    def test_an_agreed_tasks_dates_and_budget_are_read_only_and_it_is_not_deleted(
        self, admin_client, manager
    ):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        job = task(agreed)
        plan_agree(strategy=agreed, actor=manager)

        page = admin_client.get(change_url(job)).content.decode()

        assert 'name="budget_planned"' not in page and 'name="due_on"' not in page
        assert 'name="budget_actual"' in page  # progress is still recorded
        assert admin_client.get(delete_url(job)).status_code == 403
        assert CollectionTask.objects.filter(pk=job.pk).exists()

    def test_options_sort_by_their_requirement(self, admin_client):
        CollectionOption.objects.create(
            requirement=requirement(), source=source(), method="form", cost=1, benefit=1, risk=1
        )

        response = admin_client.get(
            reverse("admin:insight_collectionoption_changelist"), {"o": "1"}
        )

        assert response.status_code == 200


class TestPagesAndApi:
    def test_the_page_refuses_a_change_to_an_approved_strategys_criterion(
        self, page_client_for, manager
    ):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        item = criterion(agreed)

        response = page_client_for(manager).post(
            reverse("insight:record-edit", args=["criterion", item.public_id]),
            criterion_form(item, target="1", comparator="gte"),
        )

        assert response.status_code == 400
        assert "what was approved is changed only after an evaluation" in response.content.decode()
        assert SuccessCriterion.objects.get(pk=item.pk).target == Decimal("90")

    def test_the_api_refuses_the_same_change(self, api_client_for, manager):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        item = criterion(agreed)

        response = api_client_for(manager).patch(
            f"{BASE}/criteria/{item.public_id}/", {"target": "1"}, format="json"
        )

        assert response.status_code == 400
        assert "only after an evaluation" in response.json()["strategy"][0]
        assert SuccessCriterion.objects.get(pk=item.pk).target == Decimal("90")

    def test_the_page_sends_an_agreed_tasks_new_budget_to_a_revision(
        self, page_client_for, marketing_user, manager
    ):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        job = task(agreed)
        plan_agree(strategy=agreed, actor=manager)

        response = page_client_for(marketing_user).post(
            reverse("insight:record-edit", args=["task", job.pk]),
            {
                "strategy": agreed.pk,
                "title": job.title,
                "owner": job.owner_id,
                "starts_on": "2026-01-01",
                "due_on": "2026-01-31",
                "budget_planned": "10000",
                "budget_actual": "0",
                "status": "planned",
            },
        )

        assert response.status_code == 400
        assert "propose a revision" in response.content.decode()
        assert CollectionTask.objects.get(pk=job.pk).budget_planned == Decimal("1000")
