"""The insight strategy's lifecycle: every move guarded (who may, from which
state, what must exist first) and recorded with who, when and why."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from insight import selectors, services
from insight.models import InsightStrategy, StrategyStatus, Transition
from insight.services.strategy import add_months
from tests.factories import UserFactory, ensure_role
from tests.insight.factories import (
    criterion,
    ready_for_approval,
    requirement,
    sign_off,
    strategy,
    task,
)

pytestmark = pytest.mark.django_db
S = StrategyStatus


def at_status(made, status):
    InsightStrategy.objects.filter(pk=made.pk).update(
        status=status,
        approved_by=made.owner if status not in (S.DRAFT, S.IN_CONSULTATION) else None,
        approved_at=timezone.now() if status not in (S.DRAFT, S.IN_CONSULTATION) else None,
    )
    made.refresh_from_db()
    return made


def refusal(call, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        call(**kwargs)
    return " ".join(refused.value.messages)


def status_of(made):
    return InsightStrategy.objects.get(pk=made.pk).status


class TestConsultation:
    def test_a_draft_with_a_requirement_goes_to_consultation(self, marketing_user):
        made = strategy(owner=marketing_user)
        requirement(strategy=made)

        services.strategy_start_consultation(strategy=made, actor=marketing_user, reason="ready")

        assert status_of(made) == S.IN_CONSULTATION
        [step] = selectors.transitions_of(made)
        assert (step.from_status, step.to_status, step.actor, step.reason) == (
            "draft",
            "in_consultation",
            marketing_user,
            "ready",
        )

    def test_a_draft_without_requirements_is_refused_with_the_reason(self, marketing_user):
        made = strategy(owner=marketing_user)

        message = refusal(services.strategy_start_consultation, strategy=made, actor=marketing_user)

        assert "without at least one information requirement" in message
        assert status_of(made) == S.DRAFT
        assert not Transition.objects.exists()

    def test_an_outsider_cannot_move_a_strategy(self, outsider):
        made = strategy()
        requirement(strategy=made)

        with pytest.raises(PermissionDenied):
            services.strategy_start_consultation(strategy=made, actor=outsider)

    def test_a_modified_strategy_goes_back_to_consultation(self, marketing_user):
        made = at_status(strategy(), S.MODIFIED)
        requirement(strategy=made)

        services.strategy_start_consultation(strategy=made, actor=marketing_user)

        assert status_of(made) == S.IN_CONSULTATION


class TestApproval:
    def test_a_manager_approves_a_complete_strategy_and_the_next_review_is_set(self, manager):
        made = ready_for_approval()

        services.strategy_approve(strategy=made, actor=manager, comment="Agreed at the board.")

        made.refresh_from_db()
        assert made.status == S.APPROVED
        assert made.approved_by == manager
        assert made.next_review_on == add_months(timezone.localdate(), 6)
        assert selectors.transitions_of(made)[-1].reason == "Agreed at the board."

    def test_approval_needs_a_must_have_requirement(self, manager):
        made = ready_for_approval()
        made.requirements.update(need="nice_to_know", moscow="should")

        message = refusal(services.strategy_approve, strategy=made, actor=manager)

        assert "at least one must-have information requirement" in message
        assert status_of(made) == S.IN_CONSULTATION

    def test_approval_needs_a_success_criterion(self, manager):
        made = ready_for_approval()
        made.criteria.all().delete()

        assert "at least one success criterion" in refusal(
            services.strategy_approve, strategy=made, actor=manager
        )

    def test_approval_needs_a_decision_makers_commitment_not_just_any(self, manager):
        made = ready_for_approval()
        made.consultations.all().delete()
        sign_off(made, committed=False)
        sign_off(made, role="user")

        assert "a decision maker's sign-off" in refusal(
            services.strategy_approve, strategy=made, actor=manager
        )

    def test_every_missing_thing_is_named_at_once(self, manager):
        made = at_status(strategy(), S.IN_CONSULTATION)

        message = refusal(services.strategy_approve, strategy=made, actor=manager)

        assert message.count(";") == 2

    def test_marketing_staff_may_not_approve(self, marketing_user):
        made = ready_for_approval()

        with pytest.raises(PermissionDenied, match="move a strategy to “approved”"):
            services.strategy_approve(strategy=made, actor=marketing_user)

    def test_nobody_approves_their_own_strategy(self, manager):
        made = ready_for_approval(owner=manager)

        assert "Nobody may approve their own strategy." in refusal(
            services.strategy_approve, strategy=made, actor=manager
        )

    def test_a_draft_cannot_be_approved_without_consultation(self, manager):
        made = ready_for_approval()
        at_status(made, S.DRAFT)

        message = refusal(services.strategy_approve, strategy=made, actor=manager)

        assert "“In consultation”" in message and "this one is “Draft”" in message

    def test_the_database_refuses_an_approved_strategy_without_its_approver(self):
        made = strategy()

        with pytest.raises(IntegrityError):
            InsightStrategy.objects.filter(pk=made.pk).update(status=S.APPROVED)


class TestLaterMoves:
    def test_an_approved_strategy_starts_implementation(self, marketing_user, manager):
        made = at_status(strategy(), S.APPROVED)
        task(made)
        services.plan_agree(strategy=made, actor=manager)

        services.strategy_start_implementation(strategy=made, actor=marketing_user)

        assert status_of(made) == S.IMPLEMENTING

    def test_implementation_cannot_start_before_approval(self, marketing_user):
        made = at_status(strategy(), S.IN_CONSULTATION)

        assert "this one is “In consultation”" in refusal(
            services.strategy_start_implementation, strategy=made, actor=marketing_user
        )

    @pytest.mark.parametrize("start", [S.IMPLEMENTING, S.MAINTAINED])
    def test_evaluation_starts_only_with_an_open_review(self, marketing_user, start):
        made = at_status(strategy(), start)

        assert "an open evaluation" in refusal(
            services.strategy_transition, strategy=made, to=S.EVALUATING, actor=marketing_user
        )
        services.review_trigger_fire(strategy=made, kind="scheduled", reason="due")

        assert status_of(made) == S.EVALUATING

    @pytest.mark.parametrize("outcome", [S.MAINTAINED, S.MODIFIED])
    def test_concluding_needs_a_reason_and_an_approved_evaluation(self, manager, outcome):
        made = at_status(strategy(), S.EVALUATING)

        without_reason = refusal(
            services.strategy_transition, strategy=made, to=outcome, actor=manager
        )
        without_evaluation = refusal(
            services.strategy_transition, strategy=made, to=outcome, actor=manager, reason="ok"
        )

        assert without_reason.startswith("Say why the strategy is")
        assert "an approved evaluation that recommends to" in without_evaluation
        assert status_of(made) == S.EVALUATING

    def test_marketing_staff_cannot_conclude_an_evaluation(self, marketing_user):
        made = at_status(strategy(), S.EVALUATING)

        with pytest.raises(PermissionDenied):
            services.strategy_transition(
                strategy=made, to=S.MAINTAINED, actor=marketing_user, reason="fine"
            )

    def test_any_strategy_but_a_retired_one_can_be_retired_with_a_reason(self, manager):
        made = strategy()

        services.strategy_retire(strategy=made, actor=manager, comment="Replaced by the 2028 plan")

        assert status_of(made) == S.RETIRED
        assert "this one is “Retired”" in refusal(
            services.strategy_retire, strategy=made, actor=manager, comment="again"
        )

    def test_retiring_needs_a_reason_and_a_manager(self, manager, marketing_user):
        made = strategy()

        assert refusal(services.strategy_retire, strategy=made, actor=manager) == (
            "Say why the strategy is retired."
        )
        with pytest.raises(PermissionDenied):
            services.strategy_retire(strategy=made, actor=marketing_user, comment="old")
        assert status_of(made) == S.DRAFT

    def test_an_unknown_state_is_refused(self, manager):
        assert "is not a state" in refusal(
            services.strategy_transition, strategy=strategy(), to="finished", actor=manager
        )


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 6) == dt.date(2027, 5, 15)


class TestPages:
    def test_the_strategy_page_shows_what_approval_still_needs(
        self, page_client_for, marketing_user
    ):
        made = strategy(title="Know our repeat buyers")
        criterion(made, target=None)

        page = (
            page_client_for(marketing_user)
            .get(reverse("insight:strategy", args=[made.public_id]))
            .content.decode()
        )

        assert "Know our repeat buyers" in page
        assert "at least one must-have information requirement" in page
        assert "No target: say what figure counts as success." in page
        assert "insight-print.css" in page

    def test_a_manager_approves_from_the_page(self, page_client_for, manager):
        made = ready_for_approval()

        response = page_client_for(manager).post(
            reverse("insight:strategy-move", args=[made.public_id]),
            {"to": "approved", "reason": "Agreed"},
            follow=True,
        )

        assert status_of(made) == S.APPROVED
        assert "The strategy is now “Approved”." in response.content.decode()

    def test_a_refusal_on_the_page_says_why(self, page_client_for, marketing_user):
        made = ready_for_approval()

        response = page_client_for(marketing_user).post(
            reverse("insight:strategy-move", args=[made.public_id]), {"to": "approved"}, follow=True
        )

        assert "You do not have permission to move a strategy to “approved”." in (
            response.content.decode()
        )
        assert status_of(made) == S.IN_CONSULTATION

    def test_the_page_offers_only_the_moves_the_person_may_make(
        self, page_client_for, marketing_user
    ):
        made = ready_for_approval()

        page = (
            page_client_for(marketing_user)
            .get(reverse("insight:strategy", args=[made.public_id]))
            .content.decode()
        )

        assert 'value="approved"' not in page
        assert 'value="retired"' not in page

    def test_the_index_lists_strategies_for_every_insight_role(self, page_client_for, persona):
        strategy(title="Know our repeat buyers")
        for name in ("marketing_user", "manager", "steward", "dpo"):
            page = page_client_for(persona(name)).get(reverse("insight:index")).content.decode()
            assert "Know our repeat buyers" in page

    def test_a_person_without_a_role_sees_no_strategy(self, page_client_for, outsider):
        strategy(title="Know our repeat buyers")

        page = page_client_for(outsider).get(reverse("insight:index")).content.decode()

        assert "Know our repeat buyers" not in page
        assert "gives you no access" in page


def test_a_manager_approves_in_admin_and_a_refusal_is_reported(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    ready, own = ready_for_approval(), ready_for_approval(owner=manager)

    response = client.post(
        reverse("admin:insight_insightstrategy_changelist"),
        {"action": "approve_strategies", "_selected_action": [ready.pk, own.pk], "apply": "1"},
        follow=True,
    )

    assert status_of(ready) == S.APPROVED
    assert status_of(own) == S.IN_CONSULTATION
    assert "Nobody may approve their own strategy." in response.content.decode()


def test_only_managers_hold_the_strategy_approval_permission(manager, marketing_user, steward):
    assert manager.has_perm("insight.approve_insightstrategy")
    assert not marketing_user.has_perm("insight.approve_insightstrategy")
    assert not steward.has_perm("insight.approve_insightstrategy")
    assert not UserFactory(roles=[ensure_role("Data protection lead")]).has_perm(
        "insight.approve_insightstrategy"
    )
