"""Evaluations: scheduled reviews opened by the daily sweep, unscheduled
ones opened by their triggers (each recorded as the reason), criteria
measured, and a recommendation that a manager (not its author) approves."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from customers.models import QualityIssue
from insight import selectors, services
from insight.models import (
    Evaluation,
    EvaluationKind,
    EvaluationStatus,
    InsightStrategy,
    ReviewTrigger,
    StrategyStatus,
)
from insight.services.strategy import add_months
from insight.tasks import review_sweep_task
from tests.factories import CustomerFactory
from tests.insight.factories import criterion, in_force, strategy

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def status_of(made):
    return InsightStrategy.objects.get(pk=made.pk).status


def submit(evaluation, actor, recommendation="maintain", rationale="ok", **more):
    return services.evaluation_submit(
        evaluation=evaluation,
        actor=actor,
        recommendation=recommendation,
        rationale=rationale,
        **more,
    )


class TestScheduledReviews:
    def test_a_due_review_is_opened_and_the_next_date_moves_on(self):
        made = in_force(strategy(review_interval_months=6))
        InsightStrategy.objects.filter(pk=made.pk).update(next_review_on=TODAY)

        opened = services.review_sweep(today=TODAY)

        made.refresh_from_db()
        [evaluation] = made.evaluations.all()
        assert opened["scheduled"] == 1
        assert evaluation.kind == EvaluationKind.SCHEDULED
        assert made.status == StrategyStatus.EVALUATING
        assert made.next_review_on == add_months(TODAY, 6)
        assert evaluation.triggers.get().reason.startswith("Scheduled review due on")
        assert selectors.transitions_of(made)[-1].actor_name == "system"

    def test_running_the_sweep_twice_opens_one_review(self):
        made = in_force(strategy())
        InsightStrategy.objects.filter(pk=made.pk).update(next_review_on=TODAY)

        services.review_sweep(today=TODAY)
        again = services.review_sweep(today=TODAY)

        assert again["scheduled"] == 0
        assert Evaluation.objects.count() == 1 and ReviewTrigger.objects.count() == 1

    def test_a_review_not_yet_due_or_of_a_strategy_not_in_force_is_left_alone(self):
        later = in_force(strategy())
        InsightStrategy.objects.filter(pk=later.pk).update(
            next_review_on=TODAY + dt.timedelta(days=1)
        )
        draft = strategy()
        InsightStrategy.objects.filter(pk=draft.pk).update(next_review_on=TODAY)

        assert services.review_sweep(today=TODAY)["scheduled"] == 0
        assert not Evaluation.objects.exists()

    def test_the_beat_task_and_the_command_run_the_same_sweep(self, capsys):
        first, second = in_force(strategy()), in_force(strategy())
        InsightStrategy.objects.filter(pk__in=[first.pk, second.pk]).update(next_review_on=TODAY)

        assert review_sweep_task.apply().get()["scheduled"] == 2
        call_command("review_sweep", "--date", TODAY.isoformat())

        assert "scheduled: 0 review trigger(s) recorded" in capsys.readouterr().out

    def test_the_command_refuses_a_bad_date(self):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="--date: “31/12/2026” is not a date"):
            call_command("review_sweep", "--date", "31/12/2026")


class TestTriggers:
    def test_a_breached_criterion_opens_an_unscheduled_review_with_the_figures(self):
        CustomerFactory.create_batch(3)
        CustomerFactory(email="")
        made = in_force(strategy())
        criterion(made, target=Decimal("90"), deadline=TODAY - dt.timedelta(days=1))

        fired = services.review_sweep(today=TODAY)["criteria_breached"]

        trigger = ReviewTrigger.objects.get()
        assert fired == 1
        assert trigger.evaluation.kind == EvaluationKind.UNSCHEDULED
        assert trigger.kind == "criterion_breached"
        assert trigger.reason == (
            f"Field completeness (email) at least 90 by "
            f"{TODAY - dt.timedelta(days=1):%-d %b %Y}: measured 75.0%."
        )

    def test_a_criterion_met_or_not_yet_due_opens_nothing(self):
        CustomerFactory.create_batch(2)
        CustomerFactory(email="")
        made = in_force(strategy())
        criterion(made, target=Decimal("50"), deadline=TODAY)  # 66.7% meets it
        criterion(made, target=Decimal("90"), deadline=TODAY + dt.timedelta(days=30))

        assert services.review_sweep(today=TODAY)["criteria_breached"] == 0

    def test_a_quality_measure_below_its_threshold_opens_a_review(self):
        good, bad = CustomerFactory.create_batch(2)
        QualityIssue.objects.create(
            customer=bad, field="email", code="invalid", message="bad", detected_by="import"
        )
        made = in_force(
            strategy(
                quality_metric="field_validity",
                quality_params={"field": "email"},
                quality_threshold=Decimal("95"),
            )
        )

        assert services.review_sweep(today=TODAY)["quality_below_threshold"] == 1
        trigger = made.evaluations.get().triggers.get()
        assert trigger.kind == "quality_below_threshold"
        assert trigger.reason == "Field validity is 50.0%, below the threshold of 95."

    def test_a_quality_measure_without_data_is_not_a_breach(self):
        in_force(strategy(quality_threshold=Decimal("80")))  # quality_score: no data yet

        assert services.review_sweep(today=TODAY)["quality_below_threshold"] == 0

    def test_later_triggers_join_the_open_review_once_each(self):
        CustomerFactory(email="")
        made = in_force(strategy())
        criterion(made, target=Decimal("90"), deadline=TODAY)
        services.review_trigger_fire(strategy=made, kind="scheduled", key="x", reason="due")

        services.review_sweep(today=TODAY)
        services.review_sweep(today=TODAY)

        [evaluation] = made.evaluations.all()
        assert [t.kind for t in evaluation.triggers.all()] == ["scheduled", "criterion_breached"]

    def test_the_data_protection_lead_opens_a_review_for_a_legal_change(self, dpo):
        made = in_force(strategy(), status="maintained")

        trigger = services.evaluation_request_for_legal_change(
            strategy=made, actor=dpo, reason="New ICO guidance on consent for profiling"
        )

        assert trigger.kind == "legal_change" and trigger.actor == dpo
        assert trigger.evaluation.kind == EvaluationKind.UNSCHEDULED
        assert status_of(made) == StrategyStatus.EVALUATING
        assert selectors.transitions_of(made)[-1].actor == dpo

    def test_a_legal_change_review_needs_a_reason_a_strategy_in_force_and_the_right(
        self, dpo, outsider
    ):
        live, draft = in_force(strategy()), strategy()

        with pytest.raises(ValidationError, match="Say which legal"):
            services.evaluation_request_for_legal_change(strategy=live, actor=dpo, reason=" ")
        with pytest.raises(ValidationError, match="this one is “Draft”"):
            services.evaluation_request_for_legal_change(strategy=draft, actor=dpo, reason="x")
        with pytest.raises(PermissionDenied):
            services.evaluation_request_for_legal_change(strategy=live, actor=outsider, reason="x")
        assert not Evaluation.objects.exists()

    def test_the_database_allows_one_review_at_a_time(self):
        made = in_force(strategy())
        Evaluation.objects.create(strategy=made, kind="scheduled")

        with pytest.raises(IntegrityError):
            Evaluation.objects.create(strategy=made, kind="unscheduled")


@pytest.fixture
def open_evaluation():
    CustomerFactory.create_batch(2)
    made = in_force(strategy())
    criterion(made, target=Decimal("90"))
    services.review_trigger_fire(strategy=made, kind="scheduled", key="k", reason="due")
    return made.evaluations.get()


class TestRecommendation:
    def test_the_review_measures_each_criterion_when_it_opens(self, open_evaluation):
        [result] = open_evaluation.results.all()

        assert (result.display, result.met) == ("100.0%", True)

    def test_submitting_needs_a_recommendation_and_its_rationale(
        self, open_evaluation, marketing_user
    ):
        with pytest.raises(ValidationError) as no_choice:
            services.evaluation_submit(
                evaluation=open_evaluation, actor=marketing_user, recommendation="", rationale="x"
            )
        with pytest.raises(ValidationError) as no_why:
            services.evaluation_submit(
                evaluation=open_evaluation,
                actor=marketing_user,
                recommendation="maintain",
                rationale="",
            )

        assert "recommendation" in no_choice.value.message_dict
        assert no_why.value.message_dict["rationale"] == [
            "Give the rationale for the recommendation."
        ]

    def test_a_submitted_evaluation_cannot_be_submitted_again(
        self, open_evaluation, marketing_user
    ):
        submit(open_evaluation, marketing_user)

        with pytest.raises(ValidationError, match="this one is “Submitted”"):
            submit(open_evaluation, marketing_user, "modify", "changed my mind")

    def test_a_manager_approves_and_the_strategy_is_maintained(
        self, open_evaluation, marketing_user, manager
    ):
        submit(
            open_evaluation,
            marketing_user,
            rationale="Every criterion met.",
            feedback_summary="Users rate the dashboards 4 of 5.",
        )

        services.evaluation_approve(evaluation=open_evaluation, actor=manager, comment="Agreed")

        open_evaluation.refresh_from_db()
        made = open_evaluation.strategy
        made.refresh_from_db()
        assert open_evaluation.status == EvaluationStatus.APPROVED
        assert made.status == StrategyStatus.MAINTAINED
        assert made.next_review_on == add_months(TODAY, made.review_interval_months)
        assert selectors.transitions_of(made)[-1].reason == (
            "Evaluation approved: Every criterion met. (Agreed)"
        )

    def test_a_modify_recommendation_modifies_the_strategy(
        self, open_evaluation, marketing_user, manager
    ):
        submit(open_evaluation, marketing_user, "modify", "Phone numbers matter more than thought.")
        services.evaluation_approve(evaluation=open_evaluation, actor=manager)

        assert status_of(open_evaluation.strategy) == StrategyStatus.MODIFIED

    def test_nobody_approves_their_own_evaluation(self, open_evaluation, manager):
        submit(open_evaluation, manager)

        with pytest.raises(PermissionDenied, match="their own evaluation"):
            services.evaluation_approve(evaluation=open_evaluation, actor=manager)

    def test_only_a_submitted_evaluation_is_approved_and_only_by_a_manager(
        self, open_evaluation, marketing_user, manager
    ):
        with pytest.raises(ValidationError, match="this one is “Open”"):
            services.evaluation_approve(evaluation=open_evaluation, actor=manager)
        submit(open_evaluation, manager)
        with pytest.raises(PermissionDenied, match="permission to approve evaluations"):
            services.evaluation_approve(evaluation=open_evaluation, actor=marketing_user)

    def test_the_evaluation_page_submits_through_the_service(
        self, open_evaluation, page_client_for, marketing_user
    ):
        client = page_client_for(marketing_user)
        url = reverse("insight:evaluation", args=[open_evaluation.public_id])

        page = client.get(url).content.decode()
        response = client.post(
            reverse("insight:evaluation-submit", args=[open_evaluation.public_id]),
            {"recommendation": "maintain", "rationale": "All met", "notes": "Smooth year"},
            follow=True,
        )

        assert "Scheduled review due" not in page  # the reason given was "due"
        assert "due" in page and "100.0%" in page
        assert "Submitted: a manager approves it in admin." in response.content.decode()
        open_evaluation.refresh_from_db()
        assert open_evaluation.notes == "Smooth year"

    def test_a_manager_approves_in_admin(self, open_evaluation, marketing_user, manager, client):
        submit(open_evaluation, marketing_user)
        manager.is_staff = True
        manager.save()
        client.force_login(manager)

        client.post(
            reverse("admin:insight_evaluation_changelist"),
            {
                "action": "approve_evaluations",
                "_selected_action": [open_evaluation.pk],
                "apply": "1",
            },
        )

        assert Evaluation.objects.get(pk=open_evaluation.pk).status == EvaluationStatus.APPROVED

    def test_the_legal_review_form_on_the_strategy_page(self, page_client_for, dpo):
        made = in_force(strategy())

        response = page_client_for(dpo).post(
            reverse("insight:strategy-legal-review", args=[made.public_id]),
            {"reason": "Data (Use and Access) Act commencement"},
            follow=True,
        )

        assert "The review is open with your reason recorded." in response.content.decode()
        assert "Data (Use and Access) Act commencement" in response.content.decode()
