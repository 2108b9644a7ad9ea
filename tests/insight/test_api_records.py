"""The REST resources of the insight records: the same permissions as the
pages (the role's model permissions, reads included) and the same guards (a
locked record is refused), writes through the same services."""

from decimal import Decimal

import pytest

from insight.models import (
    BusinessCase,
    CollectionTask,
    Feedback,
    InformationRequirement,
    InformationSource,
    Problem,
    ReviewTrigger,
    StrategyStatus,
    TaskRevision,
)
from tests.insight.factories import (
    StakeholderFactory,
    complete_business_case,
    in_force,
    requirement,
    source,
    strategy,
    task,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/insight"


class TestRecords:
    def test_marketing_writes_a_requirement_and_reads_it_back(self, api_client_for, marketing_user):
        draft = strategy()
        client = api_client_for(marketing_user)

        created = client.post(
            f"{BASE}/requirements/",
            {
                "strategy": str(draft.public_id),
                "statement": "Who buys twice",
                "need": "must_have",
                "moscow": "must",
                "marketing_objective": "Repeat sales +20%",
                "fields": ["postcode", "email"],
            },
            format="json",
        )

        assert created.status_code == 201, created.json()
        need = InformationRequirement.objects.get()
        assert (need.created_by, need.fields) == (marketing_user, ["email", "postcode"])
        listed = client.get(f"{BASE}/requirements/", {"strategy": str(draft.public_id)}).json()
        assert [r["statement"] for r in listed["results"]] == ["Who buys twice"]

    def test_a_bad_field_is_named_and_nothing_is_written(self, api_client_for, marketing_user):
        response = api_client_for(marketing_user).post(
            f"{BASE}/requirements/",
            {
                "statement": "s",
                "need": "nice_to_know",
                "moscow": "must",
                "marketing_objective": "o",
                "fields": ["shoe_size"],
            },
            format="json",
        )

        assert response.status_code == 400
        assert "Not a customer data component: shoe_size" in response.json()["fields"][0]
        assert not InformationRequirement.objects.exists()

    def test_unknown_keys_are_refused(self, api_client_for, marketing_user):
        response = api_client_for(marketing_user).post(
            f"{BASE}/sources/", {"name": "n", "colour": "red"}, format="json"
        )

        assert response.status_code == 400
        assert response.json()["colour"] == ["Unknown field."]

    def test_a_locked_requirement_is_neither_changed_nor_deleted(self, api_client_for, manager):
        need = requirement(strategy=in_force(strategy(), status=StrategyStatus.EVALUATING))
        client = api_client_for(manager)

        changed = client.patch(
            f"{BASE}/requirements/{need.pk}/", {"statement": "Edited"}, format="json"
        )
        deleted = client.delete(f"{BASE}/requirements/{need.pk}/")

        assert (changed.status_code, deleted.status_code) == (400, 400)
        assert "only after an evaluation" in deleted.json()["strategy"][0]
        need.refresh_from_db()
        assert need.statement != "Edited"

    def test_marketing_may_not_delete_sources(self, api_client_for, marketing_user, manager):
        kept = source()

        refused = api_client_for(marketing_user).delete(f"{BASE}/sources/{kept.pk}/")
        done = api_client_for(manager).delete(f"{BASE}/sources/{kept.pk}/")

        assert (refused.status_code, done.status_code) == (403, 204)
        assert not InformationSource.objects.exists()

    def test_the_integration_role_cannot_read_business_cases(
        self, api_client_for, integration_user
    ):
        assert api_client_for(integration_user).get(f"{BASE}/business-cases/").status_code == 403


class TestBusinessCases:
    def test_a_case_is_submitted_and_decided_and_then_locked(
        self, api_client_for, marketing_user, manager
    ):
        case = complete_business_case(author=marketing_user)
        url = f"{BASE}/business-cases/{case.public_id}/"

        submitted = api_client_for(marketing_user).post(f"{url}submit/", {"reason": ""})
        own = api_client_for(marketing_user).post(f"{url}approve/", {})
        approved = api_client_for(manager).post(f"{url}approve/", {"comment": "Go"})
        edited = api_client_for(manager).patch(url, {"title": "Changed"}, format="json")

        assert (submitted.status_code, own.status_code, approved.status_code) == (200, 403, 200)
        assert approved.json()["status"] == "approved"
        assert edited.status_code == 400
        assert BusinessCase.objects.get().title != "Changed"

    def test_a_stakeholder_consultation_lists_the_stakeholder_on_the_case(
        self, api_client_for, marketing_user
    ):
        case = complete_business_case(author=marketing_user)
        person = StakeholderFactory()

        response = api_client_for(marketing_user).post(
            f"{BASE}/consultations/",
            {
                "stakeholder": person.pk,
                "business_case": str(case.public_id),
                "held_on": "2026-05-04",
                "topic": "Scope",
                "feedback_summary": "Fine",
            },
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert list(case.stakeholders.all()) == [person]

    def test_a_stakeholder_is_consulted_on_an_approved_strategy_but_the_record_stays(
        self, api_client_for, manager
    ):
        agreed = in_force(strategy(), status=StrategyStatus.APPROVED)
        client = api_client_for(manager)

        added = client.post(
            f"{BASE}/consultations/",
            {
                "stakeholder": StakeholderFactory().pk,
                "strategy": str(agreed.public_id),
                "held_on": "2026-05-04",
                "topic": "Review",
                "feedback_summary": "Still fits",
            },
            format="json",
        )
        changed = client.patch(
            f"{BASE}/consultations/{added.json()['id']}/", {"topic": "Other"}, format="json"
        )

        assert (added.status_code, changed.status_code) == (201, 400)


class TestPlan:
    def test_an_agreed_plan_changes_by_a_revision_a_manager_approves(
        self, api_client_for, marketing_user, manager
    ):
        made = in_force(strategy(), status=StrategyStatus.APPROVED)
        job = task(made)
        staff, boss = api_client_for(marketing_user), api_client_for(manager)

        refused = staff.post(f"{BASE}/strategies/{made.public_id}/agree-plan/", {})
        agreed = boss.post(f"{BASE}/strategies/{made.public_id}/agree-plan/", {})
        direct = staff.patch(f"{BASE}/tasks/{job.pk}/", {"budget_planned": "9000"}, format="json")
        progress = staff.patch(f"{BASE}/tasks/{job.pk}/", {"budget_actual": "250"}, format="json")
        proposed = staff.post(
            f"{BASE}/revisions/",
            {"task": job.pk, "budget_planned": "1500", "reason": "Printing"},
            format="json",
        )
        revision = proposed.json()["id"]
        pending = CollectionTask.objects.get().budget_planned
        decided = boss.post(f"{BASE}/revisions/{revision}/approve/", {"comment": "ok"})

        assert (refused.status_code, agreed.status_code) == (403, 200)
        assert direct.status_code == 400 and "propose a revision" in str(direct.json())
        assert progress.status_code == 200 and progress.json()["baseline_budget"] == "1000.00"
        assert proposed.status_code == 201 and pending == Decimal("1000")
        assert decided.json()["status"] == "approved"
        job.refresh_from_db()
        assert (job.budget_planned, job.baseline_budget) == (Decimal("1500"), Decimal("1000"))
        assert TaskRevision.objects.get().decided_by == manager
        history = staff.get(f"{BASE}/revisions/", {"task": job.pk}).json()["results"]
        assert [(r["reason"], r["proposed_by"], r["decided_by"]) for r in history] == [
            ("Printing", marketing_user.username, manager.username)
        ]


class TestProblemsAndFeedback:
    def test_the_integration_role_reports_a_problem_against_one_strategy(
        self, api_client_for, integration_user
    ):
        named, other = in_force(strategy()), in_force(strategy())

        response = api_client_for(integration_user).post(
            f"{BASE}/problems/",
            {
                "title": "Order feed rejected",
                "report": "Every order since 02:00 was refused.",
                "severity": "critical",
                "strategy": str(named.public_id),
                "area": "api",
            },
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert response.json()["reported_by"] == integration_user.username
        assert ReviewTrigger.objects.get().evaluation.strategy == named
        assert not other.evaluations.exists()
        listed = api_client_for(integration_user).get(f"{BASE}/problems/").json()
        assert [p["title"] for p in listed["results"]] == ["Order feed rejected"]

    def test_the_integration_role_passes_on_customer_feedback_but_does_not_read_it(
        self, api_client_for, integration_user
    ):
        from tests.factories import CustomerFactory

        customer = CustomerFactory()
        client = api_client_for(integration_user)

        sent = client.post(
            f"{BASE}/feedback/",
            {
                "source": "customer",
                "rating": 2,
                "comment": "Too many emails",
                "customer": str(customer.public_id),
            },
            format="json",
        )

        assert sent.status_code == 201, sent.json()
        assert Feedback.objects.get().customer == customer
        assert client.get(f"{BASE}/feedback/").status_code == 403

    def test_a_bad_severity_is_named(self, api_client_for, marketing_user):
        response = api_client_for(marketing_user).post(
            f"{BASE}/problems/", {"title": "t", "report": "r", "severity": "meh"}, format="json"
        )

        assert response.status_code == 400 and "severity" in response.json()
        assert not Problem.objects.exists()

    def test_triage_and_resolution_are_for_the_steward(
        self, api_client_for, marketing_user, steward
    ):
        problem = (
            api_client_for(marketing_user)
            .post(
                f"{BASE}/problems/", {"title": "t", "report": "r", "severity": "low"}, format="json"
            )
            .json()
        )
        url = f"{BASE}/problems/{problem['id']}/"

        refused = api_client_for(marketing_user).post(f"{url}triage/", {"comment": "n"})
        api_client_for(steward).post(f"{url}triage/", {"comment": "cosmetic"})
        resolved = api_client_for(steward).post(f"{url}resolve/", {"comment": "Label fixed"})

        assert refused.status_code == 403
        assert resolved.json()["status"] == "resolved"


def test_the_schema_lists_the_new_resources(api_client_for, manager):
    schema = api_client_for(manager).get("/api/schema/", {"format": "json"})

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for name in ("business-cases", "requirements", "revisions", "problems", "feedback"):
        assert f"{BASE}/{name}/" in paths, name


class TestSystemDevelopment:
    def test_a_manager_writes_a_requirement_and_its_check_but_not_its_result(
        self, api_client_for, manager
    ):
        client = api_client_for(manager)

        need = client.post(
            f"{BASE}/functional-requirements/",
            {"reference": "FR-7", "statement": "Problems reach the backlog", "moscow": "must"},
            format="json",
        ).json()
        check = client.post(
            f"{BASE}/acceptance-checks/",
            {
                "requirement": need["id"],
                "kind": "test",
                "description": "backlog",
                "test_reference": "tests/insight/test_system_development.py::test_x",
                "result": "passed",
            },
            format="json",
        )

        assert check.status_code == 400 and check.json()["result"] == ["Unknown field."]

    def test_marketing_raises_an_improvement_but_does_not_plan_development(
        self, api_client_for, marketing_user
    ):
        client = api_client_for(marketing_user)

        raised = client.post(f"{BASE}/improvements/", {"title": "Bulk edit"}, format="json")
        planned = client.post(
            f"{BASE}/development-tasks/",
            {"title": "t", "starts_on": "2026-01-01", "due_on": "2026-02-01"},
            format="json",
        )

        assert raised.status_code == 201
        assert raised.json()["raised_by"] == marketing_user.username
        assert raised.json()["status"] == "proposed"
        assert planned.status_code == 403

    def test_the_data_protection_lead_registers_a_code_of_practice(self, api_client_for, dpo):
        response = api_client_for(dpo).post(
            f"{BASE}/codes-of-practice/",
            {
                "title": "DMA Code",
                "source": "Data & Marketing Association",
                "duties": "Honour suppression files",
                "owner": dpo.username,
                "next_review_on": "2027-06-01",
            },
            format="json",
        )

        assert response.status_code == 201, response.json()
