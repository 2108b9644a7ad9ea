"""Feedback, and the problem log (triage and resolve)."""

from django.contrib import admin

from insight import services
from insight.admin.base import GuardedAdmin, RaisesImprovements
from insight.admin_actions import decision_action
from insight.models import (
    Feedback,
    Problem,
)


@admin.register(Feedback)
class FeedbackAdmin(RaisesImprovements, GuardedAdmin):
    creator_field = "author"
    list_display = ("created_at", "source", "rating", "comment", "page", "author", "strategy")
    list_filter = ("source", "rating")
    list_select_related = ("author", "strategy")
    search_fields = ("comment", "page")
    raw_id_fields = ("stakeholder", "customer", "strategy")
    readonly_fields = ("author", "created_at")
    date_hierarchy = "created_at"
    actions = [
        decision_action(
            services.system.improvement_from_feedback,
            name="raise_improvements",
            verb="Add to the improvement backlog",
            argument="feedback",
            permission="raise",
        ),
    ]


def _problem_action(service, name: str, verb: str, text_argument: str):
    return decision_action(
        service,
        name=f"{name}_problems",
        verb=verb,
        argument="problem",
        permission="change",
        comment_required=True,
        text_argument=text_argument,
    )


@admin.register(Problem)
class ProblemAdmin(RaisesImprovements, admin.ModelAdmin):
    """Problems are reported from the Problems page (so that a serious one
    opens its reviews); here they are triaged and resolved."""

    list_display = (
        "title",
        "severity",
        "status",
        "strategy",
        "area",
        "reported_by",
        "reported_at",
        "assigned_to",
    )
    list_filter = ("status", "severity", "area")
    list_select_related = ("reported_by", "assigned_to", "strategy")
    search_fields = ("title", "report", "resolution")
    date_hierarchy = "reported_at"
    fields = (
        "title",
        "report",
        "severity",
        "status",
        "strategy",
        "area",
        "reported_by",
        "reported_at",
        "assigned_to",
        "triage_notes",
        "triaged_at",
        "resolution",
        "resolved_at",
    )
    readonly_fields = (
        "title",
        "report",
        "severity",
        "status",
        "strategy",
        "area",
        "reported_by",
        "reported_at",
        "triage_notes",
        "triaged_at",
        "resolution",
        "resolved_at",
    )
    raw_id_fields = ("assigned_to",)
    actions = [
        decision_action(
            services.system.improvement_from_problem,
            name="raise_improvements",
            verb="Add to the improvement backlog",
            argument="problem",
            permission="raise",
        ),
        _problem_action(services.feedback.problem_triage_as_reported, "triage", "Triage", "notes"),
        _problem_action(
            services.feedback.problem_triage_as_high,
            "triage_as_high",
            "Triage as high severity",
            "notes",
        ),
        _problem_action(services.problem_resolve, "resolve", "Resolve", "resolution"),
    ]

    def has_add_permission(self, request) -> bool:
        return False
