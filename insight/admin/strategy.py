"""Strategies (approve, retire, consult, implement), their criteria,
requirements, sources, options, plan tasks and insights."""

from django.contrib import admin

from insight import services
from insight.admin.base import ApprovalAdmin, GuardedAdmin, RecordInline
from insight.admin_actions import decision_action
from insight.models import (
    CollectionOption,
    CollectionTask,
    Consultation,
    InformationRequirement,
    InformationSource,
    Insight,
    InsightStrategy,
    SuccessCriterion,
    TaskRevision,
)


class CriterionInline(admin.TabularInline):
    model = SuccessCriterion
    extra = 0
    fields = ("description", "metric", "params", "comparator", "target", "deadline", "smart")
    readonly_fields = ("smart",)

    @admin.display(description="SMART check")
    def smart(self, obj):
        return " ".join(obj.smart_warnings) or "ok" if obj.pk else ""


class RequirementInline(admin.TabularInline):
    model = InformationRequirement
    extra = 0
    fields = ("statement", "need", "moscow", "marketing_objective", "fields")


class RevisionInline(RecordInline):
    model = TaskRevision
    fields = ("status", "starts_on", "due_on", "budget_planned", "reason", "proposed_by")


class StrategyConsultationInline(admin.TabularInline):
    model = Consultation
    fk_name = "strategy"
    extra = 0
    fields = ("stakeholder", "held_on", "topic", "feedback_summary", "committed")
    autocomplete_fields = ("stakeholder",)


@admin.register(InsightStrategy)
class InsightStrategyAdmin(ApprovalAdmin):
    approve_permission = services.strategy.APPROVE_PERMISSION
    list_display = ("title", "status", "owner", "approved_by", "next_review_on", "updated_at")
    list_filter = ("status",)
    list_select_related = ("owner", "approved_by")
    search_fields = ("title", "summary")
    readonly_fields = (
        "public_id",
        "status",
        "approved_by",
        "approved_at",
        "next_review_on",
        "created_at",
        "updated_at",
    )
    exclude = ("owner",)
    raw_id_fields = ("business_case",)
    inlines = [RequirementInline, CriterionInline, StrategyConsultationInline]
    actions = [
        decision_action(
            services.strategy_approve,
            name="approve_strategies",
            verb="Approve",
            argument="strategy",
            permission="approve",
        ),
        decision_action(
            services.strategy_retire,
            name="retire_strategies",
            verb="Retire",
            argument="strategy",
            permission="approve",
            comment_required=True,
        ),
        decision_action(
            services.strategy_start_consultation,
            name="consult_on_strategies",
            verb="Start consultation",
            argument="strategy",
            permission="change",
            text_argument="reason",
        ),
        decision_action(
            services.plan_agree,
            name="agree_plans",
            verb="Agree the collection plan of",
            argument="strategy",
            permission="approve",
        ),
        decision_action(
            services.strategy_start_implementation,
            name="implement_strategies",
            verb="Start implementation",
            argument="strategy",
            permission="change",
            text_argument="reason",
        ),
    ]

    creator_field = "owner"


@admin.register(SuccessCriterion)
class SuccessCriterionAdmin(GuardedAdmin):
    list_display = ("description", "strategy", "metric", "comparator", "target", "deadline")
    list_filter = ("metric", "comparator")
    list_select_related = ("strategy",)
    search_fields = ("description", "strategy__title")
    raw_id_fields = ("strategy",)
    readonly_fields = ("public_id",)


@admin.register(InformationRequirement)
class InformationRequirementAdmin(GuardedAdmin):
    list_display = ("statement", "need", "moscow", "marketing_objective", "strategy")
    list_filter = ("need", "moscow")
    list_select_related = ("strategy",)
    search_fields = ("statement", "marketing_objective")
    raw_id_fields = ("strategy",)
    readonly_fields = ("created_by", "created_at")

    creator_field = "created_by"


@admin.register(InformationSource)
class InformationSourceAdmin(GuardedAdmin):
    list_display = ("name", "kind", "reliability", "refresh", "legal_basis", "annual_cost", "owner")
    list_filter = ("kind", "refresh", "legal_basis", "reliability")
    list_select_related = ("owner",)
    search_fields = ("name", "description")
    raw_id_fields = ("owner",)


@admin.register(CollectionOption)
class CollectionOptionAdmin(GuardedAdmin):
    list_display = ("requirement", "source", "method", "cost", "benefit", "risk")
    list_filter = ("method", "source__kind")
    list_select_related = ("requirement", "source")
    search_fields = ("requirement__statement", "source__name")
    raw_id_fields = ("requirement",)


@admin.register(CollectionTask)
class CollectionTaskAdmin(GuardedAdmin):
    list_display = (
        "title",
        "strategy",
        "owner",
        "starts_on",
        "due_on",
        "status",
        "budget_planned",
        "budget_actual",
    )
    list_filter = ("status",)
    list_select_related = ("strategy", "owner")
    search_fields = ("title", "strategy__title")
    raw_id_fields = ("strategy", "option", "owner")
    date_hierarchy = "due_on"
    readonly_fields = ("baseline_starts_on", "baseline_due_on", "baseline_budget")
    inlines = [RevisionInline]


@admin.register(TaskRevision)
class TaskRevisionAdmin(ApprovalAdmin):
    """Revisions of agreed tasks: proposed from the plan page, approved or
    rejected here (or there) by a manager who did not propose them."""

    approve_permission = services.plan.DECIDE_PERMISSION
    list_display = (
        "task",
        "status",
        "from_due_on",
        "due_on",
        "from_budget",
        "budget_planned",
        "proposed_by",
        "proposed_at",
        "decided_by",
    )
    list_filter = ("status",)
    list_select_related = ("task", "proposed_by", "decided_by")
    search_fields = ("task__title", "reason")
    date_hierarchy = "proposed_at"
    actions = [
        decision_action(
            services.task_revision_approve,
            name="approve_revisions",
            verb="Approve",
            argument="revision",
            permission="approve",
        ),
        decision_action(
            services.task_revision_reject,
            name="reject_revisions",
            verb="Reject",
            argument="revision",
            permission="approve",
            comment_required=True,
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # proposed through the service, from the plan

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the plan's history


@admin.register(Insight)
class InsightAdmin(GuardedAdmin):
    creator_field = "owner"
    list_display = ("__str__", "strategy", "confidence", "status", "owner", "created_at")
    list_filter = ("status", "confidence")
    list_select_related = ("strategy", "owner")
    search_fields = ("finding", "recommended_action")
    raw_id_fields = ("strategy",)
    readonly_fields = ("public_id", "created_at", "updated_at")
    exclude = ("owner",)
