"""Feedback from every page, stakeholder and customer feedback, the problem
log (a serious problem opens a review), user satisfaction in the metrics
registry, and the effectiveness page that brings them together."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from insight import services
from insight.models import Feedback, Improvement, Problem, ProblemStatus, ReviewTrigger
from mis import metrics
from mis.models import MetricSnapshot
from tests.factories import CustomerFactory
from tests.insight.factories import StakeholderFactory, in_force, strategy

pytestmark = pytest.mark.django_db


class TestFeedbackWidget:
    def test_every_page_links_to_the_feedback_form_with_the_way_back(
        self, page_client_for, marketing_user
    ):
        page = page_client_for(marketing_user).get(reverse("customers:list")).content.decode()

        assert f"{reverse('insight:feedback')}?next=/customers/" in page

    def test_a_rating_is_recorded_and_the_user_goes_back(self, page_client_for, outsider):
        response = page_client_for(outsider).post(
            reverse("insight:feedback"),
            {"rating": "4", "comment": "Search is quick", "next": "/customers/"},
        )

        assert response.status_code == 302 and response["Location"] == "/customers/"
        feedback = Feedback.objects.get()
        assert (feedback.source, feedback.rating, feedback.author, feedback.page) == (
            "user",
            4,
            outsider,
            "/customers/",
        )

    @pytest.mark.parametrize("rating", ["", "0", "6", "five"])
    def test_a_missing_or_impossible_rating_is_refused_with_the_reason(
        self, page_client_for, marketing_user, rating
    ):
        response = page_client_for(marketing_user).post(
            reverse("insight:feedback"), {"rating": rating, "comment": "hm"}
        )

        assert response.status_code == 400
        assert "Give a rating from 1 to 5." in response.content.decode()
        assert not Feedback.objects.exists()

    def test_it_never_sends_the_user_to_another_site(self, page_client_for, marketing_user):
        response = page_client_for(marketing_user).post(
            reverse("insight:feedback"), {"rating": "5", "next": "https://evil.example/"}
        )

        assert response["Location"] == reverse("home")


class TestStakeholderAndCustomerFeedback:
    def test_marketing_records_what_a_stakeholder_said(self, marketing_user):
        director = StakeholderFactory()

        feedback = services.feedback_record(
            actor=marketing_user,
            source="stakeholder",
            stakeholder=director,
            rating=3,
            comment="Reports arrive too late for the monthly meeting.",
        )

        assert feedback.stakeholder == director and feedback.author == marketing_user

    def test_stakeholder_feedback_names_the_stakeholder(self, marketing_user):
        with pytest.raises(ValidationError) as refused:
            services.feedback_record(actor=marketing_user, source="stakeholder", comment="x")

        assert refused.value.message_dict == {"stakeholder": ["Say which stakeholder gave it."]}

    def test_customer_feedback_may_name_the_customer(self, marketing_user):
        customer = CustomerFactory()

        feedback = services.feedback_record(
            actor=marketing_user, source="customer", customer=customer, comment="Too many emails"
        )

        assert feedback.customer == customer and feedback.rating is None

    def test_a_role_without_the_right_cannot_record_it(self, steward):
        with pytest.raises(PermissionDenied):
            services.feedback_record(actor=steward, source="customer", comment="x")


class TestUserSatisfaction:
    def give(self, user, rating, days_ago=0):
        feedback = services.feedback_give(author=user, rating=rating)
        Feedback.objects.filter(pk=feedback.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days_ago)
        )

    def test_it_is_the_mean_user_rating_of_the_last_90_days(self, marketing_user):
        self.give(marketing_user, 5)
        self.give(marketing_user, 2, days_ago=30)
        self.give(marketing_user, 1, days_ago=120)  # too old
        services.feedback_record(
            actor=marketing_user, source="customer", rating=1, comment="not a user"
        )

        assert metrics.measure("user_satisfaction").value == Decimal("3.5000")

    def test_without_ratings_there_is_no_data(self):
        assert metrics.measure("user_satisfaction").display == "no data"

    def test_the_daily_snapshot_keeps_it(self, marketing_user):
        self.give(marketing_user, 4)

        metrics.metrics_snapshot()

        snapshot = MetricSnapshot.objects.get(metric="user_satisfaction")
        assert snapshot.value == Decimal("4.0000")


class TestProblems:
    def test_a_serious_problem_opens_a_review_of_its_strategy(self, marketing_user):
        made = in_force(strategy())

        problem = services.problem_report(
            actor=marketing_user,
            title="Import dropped every phone number",
            report="The March file lost all phone numbers.",
            severity="high",
            strategy=made,
        )

        trigger = ReviewTrigger.objects.get()
        assert trigger.kind == "serious_problem"
        assert trigger.key == f"problem:{problem.pk}"
        assert trigger.reason == "High problem logged: Import dropped every phone number."
        assert trigger.evaluation.strategy == made and trigger.actor == marketing_user

    def test_a_serious_problem_reviews_only_the_strategy_it_names(self, steward):
        named, other = in_force(strategy()), in_force(strategy())

        services.problem_report(
            actor=steward, title="Segment counts wrong", report="r", severity="high", strategy=named
        )

        assert {t.evaluation.strategy for t in ReviewTrigger.objects.all()} == {named}
        assert not other.evaluations.exists()

    def test_a_serious_problem_of_the_system_goes_on_the_backlog_not_into_reviews(self, steward):
        live = in_force(strategy())

        problem = services.problem_report(
            actor=steward,
            title="Database restored from an old backup",
            report="r",
            severity="critical",
            area="governance",
        )

        assert not live.evaluations.exists()
        item = Improvement.objects.get()
        assert (item.problem, item.source, item.status) == (problem, "problem", "proposed")
        assert item.description == "Governance: r"

    def test_a_low_problem_opens_nothing_until_triage_raises_it(self, marketing_user, steward):
        made = in_force(strategy())
        problem = services.problem_report(
            actor=marketing_user, title="Slow list", report="r", severity="low", strategy=made
        )
        assert not ReviewTrigger.objects.exists()

        services.problem_triage(
            problem=problem, actor=steward, severity="high", notes="Blocks campaigns"
        )

        assert ReviewTrigger.objects.get().kind == "serious_problem"

    def test_a_problem_is_triaged_then_resolved_with_how(self, marketing_user, steward):
        problem = services.problem_report(
            actor=marketing_user, title="Typo", report="r", severity="low"
        )

        with pytest.raises(ValidationError, match="this one is “Reported”"):
            services.problem_resolve(problem=problem, actor=steward, resolution="fixed")
        services.problem_triage(problem=problem, actor=steward, severity="low", notes="cosmetic")
        with pytest.raises(ValidationError, match="Say how"):
            services.problem_resolve(problem=problem, actor=steward, resolution="")
        services.problem_resolve(problem=problem, actor=steward, resolution="Label corrected")

        problem.refresh_from_db()
        assert problem.status == ProblemStatus.RESOLVED and problem.resolved_at

    def test_marketing_reports_but_does_not_triage(self, marketing_user):
        problem = services.problem_report(
            actor=marketing_user, title="t", report="r", severity="low"
        )

        with pytest.raises(PermissionDenied):
            services.problem_triage(problem=problem, actor=marketing_user, severity="low", notes="")

    def test_a_bad_severity_is_refused_and_nothing_is_written(self, marketing_user):
        with pytest.raises(ValidationError) as refused:
            services.problem_report(actor=marketing_user, title="t", report="r", severity="meh")

        assert "severity" in refused.value.message_dict
        assert not Problem.objects.exists()

    def test_the_problems_page_reports_and_lists(self, page_client_for, dpo):
        client = page_client_for(dpo)

        client.post(
            reverse("insight:problem-report"),
            {"title": "Export missed a column", "report": "r", "severity": "medium"},
        )
        page = client.get(reverse("insight:problems"), {"severity": "medium"}).content.decode()

        assert "Export missed a column" in page


class TestEffectivenessPage:
    def test_without_an_access_log_usage_is_no_data(self, page_client_for, manager):
        page = page_client_for(manager).get(reverse("insight:effectiveness")).content.decode()

        assert 'id="usage-no-data"' in page
        assert "nobody has rated the system" in page

    def test_it_brings_usage_satisfaction_trends_problems_and_recommendations_together(
        self, page_client_for, manager, marketing_user
    ):
        access_log = apps.get_model("governance", "AccessLog")
        for n in (3, 40):
            access_log.objects.create(
                user=marketing_user,
                username=marketing_user.username,
                auth="session",
                action="list",
                via="page",
                record_count=n,
            )
        services.feedback_give(author=marketing_user, rating=4, comment="Clear pages")
        CustomerFactory.create_batch(2)
        today = timezone.localdate()
        metrics.metrics_snapshot(as_of=today - dt.timedelta(days=1))
        CustomerFactory(email="")
        metrics.metrics_snapshot(as_of=today)
        problem = services.problem_report(
            actor=marketing_user, title="t", report="r", severity="low"
        )
        services.problem_triage(problem=problem, actor=manager, severity="low", notes="n")
        services.problem_resolve(problem=problem, actor=manager, resolution="done")

        page = page_client_for(manager).get(reverse("insight:effectiveness")).content.decode()

        assert "2 reads by 1 user, 43 records" in page
        assert "1 rating from the feedback link; mean 4" in page
        assert "“Clear pages”" in page
        # Email completeness went from 100% to 66.7% between the two snapshots.
        assert "<td>Field completeness (email)</td>" in page
        assert "-33.3" in page and "<polyline" in page
        assert "<strong>1</strong>problems opened" in page
        assert "<strong>1</strong>problems resolved" in page

    def test_roles_without_feedback_access_are_refused(self, page_client_for, outsider):
        response = page_client_for(outsider).get(reverse("insight:effectiveness"))

        assert response.status_code == 403

    def test_it_lists_the_recommendations_of_evaluations(
        self, page_client_for, manager, marketing_user
    ):
        made = in_force(strategy(title="Know our repeat buyers"))
        services.review_trigger_fire(strategy=made, kind="scheduled", reason="due")
        services.evaluation_submit(
            evaluation=made.evaluations.get(),
            actor=marketing_user,
            recommendation="modify",
            rationale="Add phone consent to the requirements.",
        )

        page = page_client_for(manager).get(reverse("insight:effectiveness")).content.decode()

        assert "Know our repeat buyers</a>: modify the strategy (submitted)." in page
        assert "Add phone consent to the requirements." in page


def test_the_steward_triages_and_resolves_in_admin(client, steward, marketing_user):
    steward.is_staff = True
    steward.save()
    client.force_login(steward)
    problem = services.problem_report(actor=marketing_user, title="t", report="r", severity="low")
    changelist = reverse("admin:insight_problem_changelist")

    def act(action, text):
        return client.post(
            changelist,
            {"action": action, "_selected_action": [problem.pk], "comment": text, "apply": "1"},
            follow=True,
        )

    refused = act("resolve_problems", "Fixed")  # not triaged yet
    act("triage_problems", "Cosmetic")
    act("resolve_problems", "Label corrected")

    assert "this one is “Reported”" in refused.content.decode()
    problem.refresh_from_db()
    assert (problem.status, problem.triage_notes, problem.resolution) == (
        "resolved",
        "Cosmetic",
        "Label corrected",
    )
