"""Business cases: submitted by their author when complete, decided only by a
manager who did not write them, every step recorded with who, when and why."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from insight import services
from insight.models import BusinessCase, BusinessCaseStatus, Transition
from tests.factories import UserFactory, ensure_role
from tests.insight.factories import HELD_ON, StakeholderFactory, complete_business_case

pytestmark = pytest.mark.django_db


def transitions_of(case):
    return list(
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(case), object_id=case.pk
        ).order_by("at", "pk")
    )


@pytest.fixture
def submitted(marketing_user):
    case = complete_business_case(author=marketing_user)
    return services.business_case_submit(case=case, actor=marketing_user, reason="ready")


def test_the_author_submits_a_complete_case_and_the_step_is_recorded(marketing_user):
    case = complete_business_case(author=marketing_user)

    services.business_case_submit(case=case, actor=marketing_user, reason="ready for review")

    case.refresh_from_db()
    assert case.status == BusinessCaseStatus.SUBMITTED
    assert case.submitted_at is not None
    [step] = transitions_of(case)
    assert (step.from_status, step.to_status, step.actor, step.reason) == (
        "draft",
        "submitted",
        marketing_user,
        "ready for review",
    )


def test_an_incomplete_case_is_refused_with_what_it_lacks(marketing_user):
    case = complete_business_case(author=marketing_user, risks=[], recommended_option=None)

    with pytest.raises(ValidationError) as refused:
        services.business_case_submit(case=case, actor=marketing_user)

    message = refused.value.message_dict["case"][0]
    assert "at least one assessed risk" in message
    assert "a recommended option" in message
    assert BusinessCase.objects.get(pk=case.pk).status == BusinessCaseStatus.DRAFT
    assert transitions_of(case) == []


def test_someone_else_without_edit_rights_cannot_submit_a_case(marketing_user, outsider):
    case = complete_business_case(author=marketing_user)

    with pytest.raises(PermissionDenied, match="Only the author"):
        services.business_case_submit(case=case, actor=outsider)


def test_a_recommended_option_must_be_one_of_the_case_options(marketing_user):
    with pytest.raises(ValidationError) as refused:
        complete_business_case(author=marketing_user, recommended_option="Do nothing")

    assert "not one of this case's options" in refused.value.message_dict["recommended_option"][0]
    assert not BusinessCase.objects.exists()


def test_a_manager_approves_a_submitted_case_with_a_comment(submitted, manager):
    services.business_case_approve(case=submitted, actor=manager, comment="Good value.")

    submitted.refresh_from_db()
    assert submitted.status == BusinessCaseStatus.APPROVED
    assert submitted.decided_by == manager and submitted.decided_at is not None
    assert submitted.decision_comment == "Good value."
    step = transitions_of(submitted)[-1]
    assert (step.to_status, step.actor_name, step.reason) == (
        "approved",
        manager.username,
        "Good value.",
    )


def test_marketing_staff_may_not_approve(submitted):
    colleague = UserFactory(roles=[ensure_role("Marketing staff")])

    with pytest.raises(PermissionDenied, match="permission to approve"):
        services.business_case_approve(case=submitted, actor=colleague)


def test_nobody_approves_their_own_case_not_even_a_manager(manager):
    case = complete_business_case(author=manager)
    services.business_case_submit(case=case, actor=manager)

    with pytest.raises(PermissionDenied, match="their own business case"):
        services.business_case_approve(case=case, actor=manager)
    with pytest.raises(PermissionDenied, match="their own business case"):
        services.business_case_reject(case=case, actor=manager, comment="no")
    assert BusinessCase.objects.get(pk=case.pk).status == BusinessCaseStatus.SUBMITTED


def test_only_a_submitted_case_can_be_approved(marketing_user, manager):
    draft = complete_business_case(author=marketing_user)

    with pytest.raises(ValidationError) as refused:
        services.business_case_approve(case=draft, actor=manager)

    assert "“Submitted”" in refused.value.message_dict["status"][0]
    assert "this one is “Draft”" in refused.value.message_dict["status"][0]


def test_an_approved_case_cannot_be_decided_again(submitted, manager):
    services.business_case_approve(case=submitted, actor=manager)

    with pytest.raises(ValidationError, match="this one is “Approved”"):
        services.business_case_reject(case=submitted, actor=manager, comment="changed my mind")


def test_a_rejection_must_say_why_and_records_it(submitted, manager):
    with pytest.raises(ValidationError) as refused:
        services.business_case_reject(case=submitted, actor=manager, comment="  ")
    assert refused.value.message_dict["comment"] == ["Say why the case is rejected."]

    services.business_case_reject(case=submitted, actor=manager, comment="Costs not credible.")

    submitted.refresh_from_db()
    assert submitted.status == BusinessCaseStatus.REJECTED
    assert transitions_of(submitted)[-1].reason == "Costs not credible."


def test_a_rejected_case_can_be_reworked_and_submitted_again(submitted, manager, marketing_user):
    services.business_case_reject(case=submitted, actor=manager, comment="Add a cheaper option.")

    services.business_case_submit(
        case=submitted, actor=marketing_user, reason="cheaper option added"
    )

    assert BusinessCase.objects.get(pk=submitted.pk).status == BusinessCaseStatus.SUBMITTED


def test_the_database_refuses_a_decision_without_its_decider(marketing_user):
    case = complete_business_case(author=marketing_user)

    with pytest.raises(IntegrityError):
        BusinessCase.objects.filter(pk=case.pk).update(status=BusinessCaseStatus.APPROVED)


def test_a_consultation_identifies_the_stakeholder_on_the_case(marketing_user):
    case = complete_business_case(author=marketing_user)
    director = StakeholderFactory(name="Dee Director")

    consultation = services.consultation_record(
        stakeholder=director,
        actor=marketing_user,
        business_case=case,
        held_on=HELD_ON,
        topic="Budget",
        feedback_summary="Supports the build option if delivered in two quarters.",
        committed=True,
    )

    assert consultation.recorded_by == marketing_user
    assert list(case.stakeholders.all()) == [director]


def test_an_outsider_cannot_record_a_consultation(outsider, marketing_user):
    case = complete_business_case(author=marketing_user)

    with pytest.raises(PermissionDenied):
        services.consultation_record(
            stakeholder=StakeholderFactory(),
            actor=outsider,
            business_case=case,
            held_on=HELD_ON,
            topic="t",
            feedback_summary="f",
            committed=False,
        )


class TestAdminActions:
    @pytest.fixture
    def admin_client(self, client, manager):
        manager.is_staff = True
        manager.save()
        client.force_login(manager)
        return client

    def post_action(self, client, action, cases, comment):
        return client.post(
            reverse("admin:insight_businesscase_changelist"),
            {
                "action": action,
                "_selected_action": [c.pk for c in cases],
                "comment": comment,
                "apply": "1",
            },
            follow=True,
        )

    def test_a_manager_approves_in_admin_through_the_service(
        self, admin_client, submitted, manager
    ):
        response = self.post_action(admin_client, "approve_cases", [submitted], "Go ahead.")

        submitted.refresh_from_db()
        assert submitted.status == BusinessCaseStatus.APPROVED
        assert submitted.decision_comment == "Go ahead."
        assert "Approve: 1 done." in response.content.decode()

    def test_admin_reports_each_refusal_with_its_reason(self, admin_client, submitted, manager):
        own = complete_business_case(author=manager)
        services.business_case_submit(case=own, actor=manager)

        response = self.post_action(admin_client, "approve_cases", [submitted, own], "ok")

        page = response.content.decode()
        assert "Nobody may approve their own business case." in page
        assert BusinessCase.objects.get(pk=own.pk).status == BusinessCaseStatus.SUBMITTED
        assert BusinessCase.objects.get(pk=submitted.pk).status == BusinessCaseStatus.APPROVED

    def test_rejecting_in_admin_asks_for_a_comment_first(self, admin_client, submitted):
        response = self.post_action(admin_client, "reject_cases", [submitted], "")

        assert "Say why you reject." in response.content.decode()
        assert BusinessCase.objects.get(pk=submitted.pk).status == BusinessCaseStatus.SUBMITTED

    def test_the_decision_actions_are_not_offered_without_the_permission(
        self, client, marketing_user
    ):
        marketing_user.is_staff = True
        marketing_user.save()
        client.force_login(marketing_user)

        page = client.get(reverse("admin:insight_businesscase_changelist")).content.decode()

        assert "approve_cases" not in page


def test_the_migration_grants_approval_to_managers_only(manager, marketing_user, steward, dpo):
    assert manager.has_perm("insight.approve_businesscase")
    for user in (marketing_user, steward, dpo):
        assert not user.has_perm("insight.approve_businesscase")
    assert timezone.now()


def test_a_submitted_case_cannot_be_submitted_again(submitted, marketing_user):
    with pytest.raises(ValidationError, match="this one is “Submitted”"):
        services.business_case_submit(case=submitted, actor=marketing_user)
