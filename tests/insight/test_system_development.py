"""The information system's own development: functional requirements with
acceptance checks that coverage counts, a development plan apart from any
strategy, an improvement backlog fed by evaluations, problems and feedback,
and codes of practice whose due review opens an unscheduled review."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from insight import selectors, services
from insight.models import (
    AcceptanceCheck,
    CodeOfPractice,
    DevelopmentTask,
    FunctionalRequirement,
    Improvement,
    ReviewTrigger,
)
from insight.services import system
from tests.factories import CustomerFactory
from tests.insight.factories import in_force, strategy

pytestmark = pytest.mark.django_db

JUNIT = b"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3">
  <testcase classname="tests.insight.test_plan_agreement"
            name="test_a_change_to_an_approved_plan_waits_for_a_manager_with_its_history"/>
  <testcase classname="tests.insight.test_guards.TestAdmin" name="test_options_sort"/>
  <testcase classname="tests.insight.test_guards.TestAdmin" name="test_broken">
    <failure message="assert 1 == 2">...</failure></testcase>
</testsuite></testsuites>"""


def requirement_with(*checks):
    need = FunctionalRequirement.objects.create(
        reference=f"FR-{FunctionalRequirement.objects.count() + 1}", statement="s", moscow="must"
    )
    for check in checks:
        AcceptanceCheck.objects.create(requirement=need, **check)
    return need


class TestAcceptanceChecks:
    def test_a_metric_check_is_measured_against_its_target(self):
        CustomerFactory.create_batch(2)
        need = requirement_with(
            {
                "kind": "metric",
                "description": "Customers are on record",
                "metric": "customers",
                "target": Decimal("2"),
            }
        )

        check = system.acceptance_check_measure(check=need.checks.get())

        assert (check.result, check.result_display) == ("passed", "measured 2")

    def test_a_test_run_is_read_from_its_junit_report(self):
        results = system.junit_results(JUNIT)
        passing = "tests/insight/test_guards.py::TestAdmin::test_options_sort"
        failing = "tests/insight/test_guards.py::TestAdmin::test_broken"
        need = requirement_with(
            {"kind": "test", "description": "sorts", "test_reference": passing},
            {"kind": "test", "description": "broken", "test_reference": failing},
        )

        counts = system.acceptance_tests_record(results=results)

        assert counts == {"passed": 1, "failed": 1}
        assert dict(need.checks.values_list("test_reference", "result")) == {
            passing: "passed",
            failing: "failed",
        }
        assert results[
            "tests/insight/test_plan_agreement.py::"
            "test_a_change_to_an_approved_plan_waits_for_a_manager_with_its_history"
        ]

    def test_a_manual_sign_off_needs_evidence_in_the_service_and_the_database(self, manager):
        need = requirement_with({"kind": "manual", "description": "Managers can read it"})
        check = need.checks.get()

        with pytest.raises(ValidationError, match="Give the evidence"):
            system.acceptance_check_sign_off(check=check, actor=manager, evidence=" ")
        system.acceptance_check_sign_off(
            check=check, actor=manager, evidence="Walked through with the board, 3 Dec"
        )

        check.refresh_from_db()
        assert (check.result, check.checked_by) == ("passed", manager)
        with pytest.raises(IntegrityError):
            AcceptanceCheck.objects.filter(pk=check.pk).update(evidence="")

    def test_coverage_counts_requirements_whose_every_check_passed(self, manager):
        met = requirement_with({"kind": "manual", "description": "m"})
        system.acceptance_check_sign_off(check=met.checks.get(), actor=manager, evidence="e")
        requirement_with({"kind": "manual", "description": "not yet"})
        requirement_with()
        failing = requirement_with({"kind": "manual", "description": "f"})
        system.acceptance_check_sign_off(
            check=failing.checks.get(), actor=manager, evidence="e", passed=False
        )

        coverage = selectors.functional_coverage()

        assert (coverage.total, coverage.met, coverage.failing) == (4, 1, 1)
        assert (coverage.unchecked, coverage.without_checks, coverage.percent) == (1, 1, 25)

    def test_a_test_check_names_a_test(self):
        check = AcceptanceCheck(
            requirement=requirement_with(), kind="test", description="d", test_reference="x"
        )

        with pytest.raises(ValidationError, match="node id"):
            check.full_clean()


class TestBacklog:
    def test_problems_feedback_and_evaluations_feed_the_backlog(self, manager, marketing_user):
        problem = services.problem_report(
            actor=marketing_user, title="Export slow", report="r", severity="low", area="api"
        )
        feedback = services.feedback_give(author=marketing_user, rating=2, comment="Hard to find")
        live = in_force(strategy())
        services.review_trigger_fire(strategy=live, kind="scheduled", reason="due")
        evaluation = live.evaluations.get()

        first = system.improvement_from_problem(problem=problem, actor=marketing_user)
        again = system.improvement_from_problem(problem=problem, actor=manager)
        system.improvement_from_feedback(feedback=feedback, actor=marketing_user)
        system.improvement_from_evaluation(
            evaluation=evaluation, actor=manager, comment="Measure consent"
        )

        assert first == again
        assert sorted(Improvement.objects.values_list("source", flat=True)) == [
            "evaluation",
            "feedback",
            "problem",
        ]

    def test_an_item_moves_through_its_status_and_a_decline_says_why(self, manager):
        item = system.improvement_raise(actor=manager, title="Dark mode")

        with pytest.raises(ValidationError, match="cannot become"):
            system.improvement_move(improvement=item, actor=manager, to="done")
        with pytest.raises(ValidationError, match="Say why"):
            system.improvement_move(improvement=item, actor=manager, to="declined")
        system.improvement_move(improvement=item, actor=manager, to="accepted")
        system.improvement_move(improvement=item, actor=manager, to="in_progress")
        system.improvement_move(improvement=item, actor=manager, to="done", note="Shipped")

        item.refresh_from_db()
        assert (item.status, item.status_note) == ("done", "Shipped")

    def test_only_those_who_may_change_the_backlog_move_it(self, marketing_user):
        item = system.improvement_raise(actor=marketing_user, title="t")

        with pytest.raises(PermissionDenied):
            system.improvement_move(improvement=item, actor=marketing_user, to="accepted")


class TestCodesOfPractice:
    def test_a_code_falling_due_reviews_the_strategies_it_bears_on_once(self, dpo):
        bound, other = in_force(strategy()), in_force(strategy())
        code = CodeOfPractice.objects.create(
            title="DMA Code",
            source="Data & Marketing Association, dma.org.uk",
            duties="Honour suppression files\nSay who is writing",
            owner=dpo,
            next_review_on=dt.date(2026, 12, 1),
        )
        code.strategies.add(bound)

        first = services.review_sweep(today=dt.date(2026, 12, 4))
        second = services.review_sweep(today=dt.date(2026, 12, 4))

        trigger = ReviewTrigger.objects.get()
        assert (first["codes_of_practice"], second["codes_of_practice"]) == (1, 0)
        assert trigger.kind == "code_of_practice" and trigger.evaluation.strategy == bound
        assert trigger.evaluation.kind == "unscheduled"
        assert not other.evaluations.exists()
        code.refresh_from_db()
        assert code.next_review_on == dt.date(2027, 12, 1)

    def test_a_review_is_recorded_with_its_evidence(self, dpo, marketing_user):
        code = CodeOfPractice.objects.create(
            title="ICO direct marketing guidance",
            source="ico.org.uk",
            duties="PECR consent for email",
            owner=dpo,
            next_review_on=dt.date(2027, 1, 1),
        )

        with pytest.raises(PermissionDenied):
            system.code_of_practice_reviewed(code=code, actor=marketing_user, evidence="e")
        system.code_of_practice_reviewed(
            code=code, actor=dpo, evidence="Consent audit 2026", on=dt.date(2026, 12, 1)
        )

        code.refresh_from_db()
        assert (code.evidence, code.last_reviewed_on) == (
            "Consent audit 2026",
            dt.date(2026, 12, 1),
        )


def test_the_system_page_shows_coverage_plan_backlog_and_codes(page_client_for, manager):
    need = requirement_with({"kind": "manual", "description": "Readable"})
    system.acceptance_check_sign_off(check=need.checks.get(), actor=manager, evidence="e")
    DevelopmentTask.objects.create(
        title="Build the API for problems",
        owner=manager,
        starts_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 2, 1),
        budget_planned=Decimal("500"),
        budget_actual=Decimal("700"),
        requirement=need,
    )
    system.improvement_raise(actor=manager, title="Faster exports")
    CodeOfPractice.objects.create(
        title="DMA Code", source="s", duties="d", owner=manager, next_review_on=dt.date(2020, 1, 1)
    )

    page = page_client_for(manager).get(reverse("insight:system")).content.decode()

    assert "<strong>1 of 1</strong>met (100%)" in page
    assert "Build the API for problems" in page and "over budget" in page
    assert "Faster exports" in page
    assert "DMA Code" in page and "due</strong>" in page


def test_the_integration_role_does_not_see_the_system_page(page_client_for, integration_user):
    response = page_client_for(integration_user).get(reverse("insight:system"))

    assert response.status_code == 403


def test_the_command_measures_metric_checks_and_records_a_junit_report(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    report = tmp_path / "report.xml"
    report.write_bytes(JUNIT)
    need = requirement_with(
        {
            "kind": "test",
            "description": "sorts",
            "test_reference": "tests/insight/test_guards.py::TestAdmin::test_options_sort",
        },
        {"kind": "metric", "description": "m", "metric": "customers", "target": Decimal("0")},
    )
    out = StringIO()

    call_command("acceptance_checks", junit=str(report), stdout=out)

    assert "metric checks measured: 1" in out.getvalue()
    assert "test checks recorded: 1 passed, 0 failed (of 3 tests in the report)" in out.getvalue()
    assert set(need.checks.values_list("result", flat=True)) == {"passed"}
    (tmp_path / "bad.xml").write_text("not xml")
    with pytest.raises(CommandError, match="not JUnit XML"):
        call_command("acceptance_checks", junit=str(tmp_path / "bad.xml"), stdout=out)
