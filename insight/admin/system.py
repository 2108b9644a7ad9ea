"""The system's own development: functional requirements with their
acceptance checks (measured, signed off), the development plan, the
improvement backlog and the codes of practice."""

from django.contrib import admin

from insight.admin.base import GuardedAdmin
from insight.admin_actions import decision_action
from insight.models import (
    AcceptanceCheck,
    CodeOfPractice,
    DevelopmentTask,
    FunctionalRequirement,
    Improvement,
)
from insight.services import system


class CheckInline(admin.TabularInline):
    model = AcceptanceCheck
    extra = 0
    fields = (
        "kind",
        "description",
        "metric",
        "params",
        "comparator",
        "target",
        "test_reference",
        "evidence",
        "result",
        "result_display",
        "checked_at",
    )
    readonly_fields = ("result", "result_display", "checked_at")


@admin.register(FunctionalRequirement)
class FunctionalRequirementAdmin(GuardedAdmin):
    creator_field = "owner"
    list_display = ("reference", "statement", "moscow", "owner")
    list_filter = ("moscow",)
    search_fields = ("reference", "statement")
    inlines = [CheckInline]


def _measure(*, check, actor, comment=""):
    return system.acceptance_check_measure(check=check, actor=actor)


@admin.register(AcceptanceCheck)
class AcceptanceCheckAdmin(GuardedAdmin):
    list_display = ("description", "requirement", "kind", "result", "result_display", "checked_at")
    list_filter = ("kind", "result")
    list_select_related = ("requirement",)
    search_fields = ("description", "test_reference", "requirement__reference")
    readonly_fields = ("result", "result_display", "checked_at", "checked_by")
    actions = [
        decision_action(
            _measure, name="measure_checks", verb="Measure", argument="check", permission="change"
        ),
        decision_action(
            system.acceptance_check_sign_off,
            name="sign_off_checks",
            verb="Sign off (give the evidence)",
            argument="check",
            permission="change",
            comment_required=True,
            text_argument="evidence",
        ),
    ]


@admin.register(DevelopmentTask)
class DevelopmentTaskAdmin(GuardedAdmin):
    list_display = ("title", "owner", "starts_on", "due_on", "status", "budget_planned")
    list_filter = ("status",)
    list_select_related = ("owner",)
    search_fields = ("title",)
    raw_id_fields = ("owner", "requirement", "improvement")
    date_hierarchy = "due_on"


def _move(to: str, verb: str, *, note_required=False):
    def move(*, improvement, actor, comment=""):
        return system.improvement_move(improvement=improvement, actor=actor, to=to, note=comment)

    return decision_action(
        move,
        name=f"{to}_improvements",
        verb=verb,
        argument="improvement",
        permission="change",
        comment_required=note_required,
    )


@admin.register(Improvement)
class ImprovementAdmin(GuardedAdmin):
    creator_field = "raised_by"
    list_display = ("title", "source", "status", "moscow", "owner", "created_at")
    list_filter = ("status", "source", "moscow")
    list_select_related = ("owner",)
    search_fields = ("title", "description")
    raw_id_fields = ("owner", "problem", "feedback", "evaluation")
    readonly_fields = ("status", "raised_by", "created_at", "updated_at")
    actions = [
        _move("accepted", "Accept"),
        _move("in_progress", "Start"),
        _move("done", "Mark done"),
        _move("declined", "Decline", note_required=True),
    ]


@admin.register(CodeOfPractice)
class CodeOfPracticeAdmin(GuardedAdmin):
    list_display = ("title", "owner", "next_review_on", "last_reviewed_on")
    list_select_related = ("owner",)
    search_fields = ("title", "source", "duties")
    raw_id_fields = ("owner",)
    filter_horizontal = ("strategies",)
    readonly_fields = ("last_reviewed_on",)
    actions = [
        decision_action(
            system.code_of_practice_reviewed,
            name="record_reviews",
            verb="Record the review (give the evidence of compliance)",
            argument="code",
            permission="change",
            comment_required=True,
            text_argument="evidence",
        )
    ]
