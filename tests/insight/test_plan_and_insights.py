"""Implementing the strategy: the collection plan with late and over-budget
tasks flagged, its timeline and budget burn, and insights with evidence."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from insight import services
from insight.models import CollectionTask, Insight, InsightStrategy, StrategyStatus
from insight.plan import plan_overview
from insight.services.records import record_create
from tests.insight.factories import strategy, task

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)


def approved(made):
    InsightStrategy.objects.filter(pk=made.pk).update(
        status=StrategyStatus.APPROVED, approved_by=made.owner, approved_at="2026-01-01T00:00Z"
    )
    made.refresh_from_db()
    return made


class TestFlags:
    def test_an_open_task_past_its_due_date_is_late(self):
        made = strategy()
        open_late = task(made, due_on=dt.date(2026, 2, 1), status="in_progress")
        on_time = task(made, due_on=dt.date(2026, 4, 1))

        assert open_late.is_late(TODAY) and not on_time.is_late(TODAY)

    def test_a_task_done_after_its_due_date_stays_late_and_a_cancelled_one_never_is(self):
        made = strategy()
        done_late = task(
            made, due_on=dt.date(2026, 1, 31), status="done", completed_on=dt.date(2026, 2, 3)
        )
        cancelled = task(made, due_on=dt.date(2026, 1, 31), status="cancelled")

        assert done_late.is_late(TODAY)
        assert not cancelled.is_late(TODAY)

    def test_spending_more_than_planned_is_over_budget(self):
        made = strategy()

        assert task(made, budget_actual=Decimal("1000.01")).is_over_budget
        assert not task(made, budget_actual=Decimal("1000")).is_over_budget


class TestRules:
    def test_a_task_is_due_after_it_starts_in_the_form_and_the_database(self):
        made = strategy()
        with pytest.raises(ValidationError) as refused:
            task(made, starts_on=dt.date(2026, 2, 1), due_on=dt.date(2026, 1, 1))
        assert refused.value.message_dict["due_on"] == ["The due date is before the start."]

        with pytest.raises(IntegrityError):
            CollectionTask.objects.create(
                strategy=made,
                title="t",
                owner=made.owner,
                starts_on=dt.date(2026, 2, 1),
                due_on=dt.date(2026, 1, 1),
                budget_planned=1,
            )

    def test_a_done_task_says_when(self):
        with pytest.raises(ValidationError) as refused:
            task(strategy(), status="done")

        assert refused.value.message_dict["completed_on"] == ["Say when the task was done."]

    def test_implementation_needs_a_plan_a_manager_agreed(self, marketing_user, manager):
        made = approved(strategy())

        with pytest.raises(ValidationError, match="a collection plan with at least one task"):
            services.strategy_start_implementation(strategy=made, actor=marketing_user)
        task(made)
        with pytest.raises(ValidationError, match="a plan agreed by a manager"):
            services.strategy_start_implementation(strategy=made, actor=marketing_user)
        services.plan_agree(strategy=made, actor=manager)
        services.strategy_start_implementation(strategy=made, actor=marketing_user)

        made.refresh_from_db()
        assert made.status == StrategyStatus.IMPLEMENTING


class TestOverview:
    def test_the_overview_adds_up_budgets_and_counts_flags(self):
        made = strategy()
        task(made, budget_planned=Decimal("1000"), budget_actual=Decimal("1500"))
        task(
            made,
            starts_on=dt.date(2026, 2, 1),
            due_on=dt.date(2026, 2, 10),
            budget_planned=Decimal("1000"),
            budget_actual=Decimal("100"),
        )

        plan = plan_overview(made, today=TODAY)

        assert (plan.budget_planned, plan.budget_actual) == (Decimal("2000"), Decimal("1600"))
        assert plan.budget_spent == Decimal("80")
        assert (plan.late_count, plan.over_budget_count) == (2, 1)
        assert plan.time_elapsed == Decimal("100")  # the plan ended on 10 Feb

    def test_spending_ahead_of_time_is_a_warning(self):
        made = strategy()
        task(
            made,
            starts_on=dt.date(2026, 1, 1),
            due_on=dt.date(2026, 12, 31),
            budget_actual=Decimal("600"),
        )

        plan = plan_overview(made, today=dt.date(2026, 3, 1))

        assert plan.time_elapsed < 20 and plan.budget_spent == 60
        assert plan.burn_warning

    def test_bars_are_placed_on_the_plan_span(self):
        made = strategy()
        task(made, starts_on=dt.date(2026, 1, 1), due_on=dt.date(2026, 1, 10))
        task(made, starts_on=dt.date(2026, 1, 11), due_on=dt.date(2026, 1, 20))

        first, second = plan_overview(made, today=TODAY).tasks

        assert (first.x, first.width) == (0, 300)
        assert (second.x, second.width) == (300, 300)

    def test_the_plan_page_draws_the_timeline_and_flags_tasks(
        self, page_client_for, marketing_user, django_assert_max_num_queries
    ):
        made = strategy()
        task(made, title="Till email field", budget_actual=Decimal("2000"))
        for n in range(5):
            task(made, title=f"task {n}")

        client = page_client_for(marketing_user)

        # Session, user, permissions, the strategy, its tasks, their revisions:
        # not one per task.
        with django_assert_max_num_queries(7):
            response = client.get(reverse("insight:plan", args=[made.public_id]))

        page = response.content.decode()
        assert "<svg" in page and 'role="img"' in page
        assert "Till email field" in page
        assert "over budget" in page and "late" in page


class TestInsights:
    def data(self, made, **overrides):
        return {
            "strategy": made,
            "finding": "First-time buyers who get a welcome email come back twice as often.",
            "evidence_metric": "repeat_purchase_rate",
            "confidence": "medium",
            "recommended_action": "Send a welcome series to every first-time buyer.",
            **overrides,
        }

    def test_an_insight_needs_evidence(self, marketing_user):
        with pytest.raises(ValidationError) as refused:
            record_create(
                Insight,
                actor=marketing_user,
                data=self.data(strategy(), evidence_metric=""),
                owner=marketing_user,
            )

        assert refused.value.message_dict["evidence_url"] == [
            "Give the evidence: a link, a metric or a file."
        ]

    def test_evidence_names_a_real_metric_and_a_safe_link(self, marketing_user):
        with pytest.raises(ValidationError) as refused:
            record_create(
                Insight,
                actor=marketing_user,
                data=self.data(
                    strategy(), evidence_metric="vibes", evidence_url="javascript:alert(1)"
                ),
                owner=marketing_user,
            )

        assert set(refused.value.message_dict) == {"evidence_metric", "evidence_url"}

    @pytest.mark.parametrize("url", ["//evil.example/x", "data:text/html,hi", "segments/1"])
    def test_an_evidence_link_is_a_path_in_mis_or_a_web_address(self, marketing_user, url):
        with pytest.raises(ValidationError) as refused:
            record_create(
                Insight,
                actor=marketing_user,
                data=self.data(strategy(), evidence_url=url),
                owner=marketing_user,
            )

        assert list(refused.value.message_dict) == ["evidence_url"]

    def test_an_attached_file_is_served_only_to_readers_of_insights(
        self, page_client_for, marketing_user, outsider, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        insight = record_create(
            Insight,
            actor=marketing_user,
            data=self.data(
                strategy(),
                evidence_metric="",
                evidence_file=SimpleUploadedFile("survey.csv", b"answer,count\nyes,40\n"),
            ),
            owner=marketing_user,
        )
        url = reverse("insight:insight-evidence", args=[insight.public_id])

        response = page_client_for(marketing_user).get(url)

        assert b"".join(response.streaming_content) == b"answer,count\nyes,40\n"
        assert page_client_for(outsider).get(url).status_code == 403

    def test_the_insights_page_filters_by_status(self, page_client_for, marketing_user):
        made = strategy()
        Insight.objects.create(**self.data(made, finding="Kept"), owner=marketing_user)
        Insight.objects.create(
            **self.data(made, finding="Dropped", status="rejected"), owner=marketing_user
        )

        page = (
            page_client_for(marketing_user)
            .get(reverse("insight:insights"), {"status": "proposed"})
            .content.decode()
        )

        assert "Kept" in page and "Dropped" not in page
