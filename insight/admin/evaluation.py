"""Evaluations: read, and approved by a manager who did not submit them."""

from django.contrib import admin

from insight import services
from insight.admin.base import ApprovalAdmin, RaisesImprovements, RecordInline
from insight.admin_actions import decision_action
from insight.models import (
    Evaluation,
    EvaluationResult,
    ReviewTrigger,
)


class TriggerInline(RecordInline):
    model = ReviewTrigger
    fields = ("at", "kind", "reason", "actor")


class ResultInline(RecordInline):
    model = EvaluationResult
    fields = ("criterion", "display", "met", "measured_on")


@admin.register(Evaluation)
class EvaluationAdmin(RaisesImprovements, ApprovalAdmin):
    """Evaluations open from triggers and are submitted from their page;
    here a manager reads them and approves the recommendation."""

    approve_permission = services.evaluation.APPROVE_PERMISSION
    list_display = (
        "strategy",
        "kind",
        "status",
        "recommendation",
        "opened_at",
        "submitted_by",
        "approved_by",
    )
    list_filter = ("status", "kind", "recommendation")
    list_select_related = ("strategy", "submitted_by", "approved_by")
    search_fields = ("strategy__title", "notes", "rationale")
    date_hierarchy = "opened_at"
    fields = (
        "strategy",
        "kind",
        "status",
        "notes",
        "feedback_summary",
        "recommendation",
        "rationale",
        "opened_by",
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
    )
    readonly_fields = (
        "strategy",
        "kind",
        "status",
        "recommendation",
        "rationale",
        "opened_by",
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
    )
    inlines = [TriggerInline, ResultInline]
    actions = [
        decision_action(
            services.system.improvement_from_evaluation,
            name="raise_improvements",
            verb="Add to the improvement backlog",
            argument="evaluation",
            permission="raise",
        ),
        decision_action(
            services.evaluation_approve,
            name="approve_evaluations",
            verb="Approve",
            argument="evaluation",
            permission="approve",
        ),
    ]

    def has_add_permission(self, request) -> bool:
        return False  # reviews are opened by their triggers
