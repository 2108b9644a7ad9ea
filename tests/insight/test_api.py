"""The insight API: strategies and their lifecycle, success criteria,
evaluations and insights. Read for every insight role, write per permission,
400 with messages per field, 403 for what the caller may not do."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insight import services
from insight.models import InsightStrategy, StrategyStatus
from tests.factories import CustomerFactory
from tests.insight.factories import (
    criterion,
    in_force,
    ready_for_approval,
    strategy,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/insight"
READERS = ["marketing_user", "manager", "steward", "dpo"]

NEW_STRATEGY = {
    "title": "Know our lapsed customers",
    "summary": "Why do customers lapse after their second order?",
    "marketing_strategy": "Cut lapse rate by a tenth in 2027.",
}


class TestStrategies:
    @pytest.mark.parametrize("name", READERS)
    def test_every_insight_role_reads_strategies(self, api_client_for, persona, name):
        strategy(title="Know our repeat buyers")

        response = api_client_for(persona(name)).get(f"{BASE}/strategies/")

        assert response.status_code == 200
        assert [s["title"] for s in response.json()["results"]] == ["Know our repeat buyers"]

    def test_outsiders_are_refused_and_anonymous_callers_must_authenticate(
        self, api_client_for, outsider
    ):
        assert api_client_for(outsider).get(f"{BASE}/strategies/").status_code == 403
        assert api_client_for(None).get(f"{BASE}/strategies/").status_code == 401

    def test_marketing_creates_a_strategy_it_owns(self, api_client_for, marketing_user):
        response = api_client_for(marketing_user).post(
            f"{BASE}/strategies/", NEW_STRATEGY, format="json"
        )

        assert response.status_code == 201
        body = response.json()
        assert (body["owner"], body["status"]) == (marketing_user.username, "draft")
        assert "at least one success criterion" in " ".join(body["approval_missing"])

    def test_bad_input_is_400_with_messages_per_field_and_nothing_is_written(
        self, api_client_for, marketing_user
    ):
        response = api_client_for(marketing_user).post(
            f"{BASE}/strategies/",
            {**NEW_STRATEGY, "title": "", "review_interval_months": 99, "colour": "red"},
            format="json",
        )

        assert response.status_code == 400
        assert response.json() == {"colour": ["Unknown field."]}
        response = api_client_for(marketing_user).post(
            f"{BASE}/strategies/", {**NEW_STRATEGY, "review_interval_months": 99}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["review_interval_months"]
        assert not InsightStrategy.objects.exists()

    def test_the_steward_reads_but_may_not_write(self, api_client_for, steward):
        response = api_client_for(steward).post(f"{BASE}/strategies/", NEW_STRATEGY, format="json")

        assert response.status_code == 403

    def test_an_approved_strategy_cannot_be_edited(self, api_client_for, marketing_user):
        made = in_force(strategy())

        response = api_client_for(marketing_user).patch(
            f"{BASE}/strategies/{made.public_id}/", {"title": "New"}, format="json"
        )

        assert response.status_code == 400
        assert "changed only after an evaluation" in response.json()["strategy"][0]

    def test_a_manager_approves_through_the_transition_endpoint(self, api_client_for, manager):
        made = ready_for_approval()

        response = api_client_for(manager).post(
            f"{BASE}/strategies/{made.public_id}/transition/",
            {"to": "approved", "reason": "Board agreed"},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["status"] == "approved"
        assert response.json()["approved_by"] == manager.username

    def test_a_refused_move_says_why(self, api_client_for, marketing_user, manager):
        made = ready_for_approval()
        made.criteria.all().delete()

        forbidden = api_client_for(marketing_user).post(
            f"{BASE}/strategies/{made.public_id}/transition/", {"to": "approved"}, format="json"
        )
        incomplete = api_client_for(manager).post(
            f"{BASE}/strategies/{made.public_id}/transition/", {"to": "approved"}, format="json"
        )

        assert forbidden.status_code == 403
        assert "move a strategy to “approved”" in forbidden.json()["detail"]
        assert incomplete.status_code == 400
        assert "at least one success criterion" in incomplete.json()["strategy"][0]

    def test_the_list_costs_the_same_few_queries_for_any_number(
        self, api_client_for, marketing_user
    ):
        client = api_client_for(marketing_user)
        strategy()
        with CaptureQueriesContext(connection) as few:
            client.get(f"{BASE}/strategies/")
        for _ in range(8):
            strategy()
        with CaptureQueriesContext(connection) as many:
            client.get(f"{BASE}/strategies/")

        assert len(many.captured_queries) == len(few.captured_queries)


class TestCriteria:
    def test_a_criterion_is_created_and_comes_back_measured(self, api_client_for, marketing_user):
        CustomerFactory.create_batch(3)
        CustomerFactory(email="")
        made = strategy()

        response = api_client_for(marketing_user).post(
            f"{BASE}/criteria/",
            {
                "strategy": str(made.public_id),
                "description": "Most records can be emailed",
                "metric": "field_completeness",
                "params": {"field": "email"},
                "target": "90",
                "deadline": "2027-06-30",
            },
            format="json",
        )

        assert response.status_code == 201
        body = response.json()
        assert body["measured"] == {
            "value": "75.0000",
            "display": "75.0%",
            "met": False,
            "source": "live",
        }
        assert body["smart_warnings"] == []

    def test_an_unknown_metric_or_parameter_is_a_400_on_that_field(
        self, api_client_for, marketing_user
    ):
        made = strategy()
        client = api_client_for(marketing_user)

        unknown = client.post(
            f"{BASE}/criteria/",
            {"strategy": str(made.public_id), "description": "d", "metric": "joy"},
            format="json",
        )
        bad_param = client.post(
            f"{BASE}/criteria/",
            {
                "strategy": str(made.public_id),
                "description": "d",
                "metric": "field_validity",
                "params": {"field": "shoe_size"},
            },
            format="json",
        )

        assert unknown.status_code == 400 and "is not a metric" in unknown.json()["metric"][0]
        assert bad_param.status_code == 400 and "params" in bad_param.json()

    def test_a_vague_criterion_is_accepted_with_its_smart_warnings(
        self, api_client_for, marketing_user
    ):
        made = strategy()

        response = api_client_for(marketing_user).post(
            f"{BASE}/criteria/",
            {"strategy": str(made.public_id), "description": "Better data"},
            format="json",
        )

        assert response.status_code == 201
        assert len(response.json()["smart_warnings"]) == 3
        assert response.json()["measured"]["display"] == "no data"

    def test_the_list_reads_todays_snapshot_unless_asked_to_measure_now(
        self, api_client_for, marketing_user
    ):
        from mis import metrics

        CustomerFactory.create_batch(2)
        metrics.metrics_snapshot()
        CustomerFactory.create_batch(2, email="")
        criterion(strategy(), target=Decimal("90"))
        client = api_client_for(marketing_user)

        [cached] = client.get(f"{BASE}/criteria/").json()["results"]
        [live] = client.get(f"{BASE}/criteria/", {"live": "true"}).json()["results"]

        assert cached["measured"]["source"].startswith("snapshot of")
        assert (cached["measured"]["value"], cached["measured"]["met"]) == ("100.0000", True)
        assert (live["measured"]["value"], live["measured"]["met"]) == ("50.0000", False)

    def test_criteria_are_filtered_by_strategy(self, api_client_for, marketing_user):
        first, second = strategy(), strategy()
        criterion(first, description="first's")
        criterion(second, description="second's")

        response = api_client_for(marketing_user).get(
            f"{BASE}/criteria/", {"strategy": str(first.public_id)}
        )

        assert [c["description"] for c in response.json()["results"]] == ["first's"]


class TestEvaluations:
    @pytest.fixture
    def evaluation(self):
        made = in_force(strategy())
        criterion(made, target=Decimal("50"))
        services.review_trigger_fire(strategy=made, kind="scheduled", reason="Review due")
        return made.evaluations.get()

    def test_an_evaluation_shows_its_triggers_and_results(self, api_client_for, dpo, evaluation):
        body = api_client_for(dpo).get(f"{BASE}/evaluations/{evaluation.public_id}/").json()

        assert body["triggers"][0]["reason"] == "Review due"
        assert body["results"][0]["display"] == "no data"

    def test_submit_then_a_manager_approves(
        self, api_client_for, marketing_user, manager, evaluation
    ):
        submitted = api_client_for(marketing_user).post(
            f"{BASE}/evaluations/{evaluation.public_id}/submit/",
            {"recommendation": "maintain", "rationale": "On track"},
            format="json",
        )
        approved = api_client_for(manager).post(
            f"{BASE}/evaluations/{evaluation.public_id}/approve/", {}, format="json"
        )

        assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        assert evaluation.strategy.__class__.objects.get(pk=evaluation.strategy_id).status == (
            StrategyStatus.MAINTAINED
        )

    def test_submitting_without_a_rationale_is_a_400(
        self, api_client_for, marketing_user, evaluation
    ):
        response = api_client_for(marketing_user).post(
            f"{BASE}/evaluations/{evaluation.public_id}/submit/",
            {"recommendation": "keep"},
            format="json",
        )

        assert response.status_code == 400
        assert set(response.json()) == {"recommendation", "rationale"}

    def test_approving_ones_own_evaluation_is_a_403(self, api_client_for, manager, evaluation):
        client = api_client_for(manager)
        client.post(
            f"{BASE}/evaluations/{evaluation.public_id}/submit/",
            {"recommendation": "maintain", "rationale": "fine"},
            format="json",
        )

        response = client.post(f"{BASE}/evaluations/{evaluation.public_id}/approve/", {})

        assert response.status_code == 403
        assert response.json()["detail"] == "Nobody may approve their own evaluation."

    def test_the_data_protection_lead_opens_a_legal_review(self, api_client_for, dpo):
        made = in_force(strategy())

        response = api_client_for(dpo).post(
            f"{BASE}/strategies/{made.public_id}/legal-review/",
            {"reason": "PECR fines raised"},
            format="json",
        )

        assert response.status_code == 201
        assert response.json()["triggers"][0]["kind"] == "legal_change"


class TestInsights:
    def data(self, made, **more):
        return {
            "strategy": str(made.public_id),
            "finding": "Lapsed customers bought gardening in spring only.",
            "evidence_url": "/segments/",
            "confidence": "medium",
            "recommended_action": "Autumn garden-care campaign to lapsed spring buyers.",
            **more,
        }

    def test_marketing_records_an_insight_it_owns(self, api_client_for, marketing_user):
        response = api_client_for(marketing_user).post(
            f"{BASE}/insights/", self.data(strategy()), format="json"
        )

        assert response.status_code == 201
        assert response.json()["owner"] == marketing_user.username

    def test_an_insight_without_evidence_is_a_400(self, api_client_for, marketing_user):
        response = api_client_for(marketing_user).post(
            f"{BASE}/insights/", self.data(strategy(), evidence_url=""), format="json"
        )

        assert response.status_code == 400
        assert response.json() == {
            "evidence_url": ["Give the evidence: a link, a metric or a file."]
        }

    def test_an_evidence_file_is_uploaded_as_multipart(
        self, api_client_for, marketing_user, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        data = self.data(strategy(), evidence_url="")
        data["evidence_file"] = SimpleUploadedFile("chart.png", b"\x89PNG fake")

        response = api_client_for(marketing_user).post(f"{BASE}/insights/", data)

        assert response.status_code == 201
        assert response.json()["evidence_file"].endswith("/evidence/")

    def test_insights_are_filtered_by_status(self, api_client_for, marketing_user):
        client = api_client_for(marketing_user)
        made = strategy()
        client.post(f"{BASE}/insights/", self.data(made, finding="Kept"), format="json")
        client.post(
            f"{BASE}/insights/",
            self.data(made, finding="Dropped", status="rejected"),
            format="json",
        )

        response = client.get(f"{BASE}/insights/", {"status": "rejected"})

        assert [i["finding"] for i in response.json()["results"]] == ["Dropped"]
