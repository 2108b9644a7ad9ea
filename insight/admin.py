from django.contrib import admin

from insight import services
from insight.admin_actions import decision_action
from insight.models import (
    BusinessCase,
    BusinessCaseObjective,
    BusinessCaseOption,
    BusinessCaseRisk,
    CollectionOption,
    CollectionTask,
    Consultation,
    Evaluation,
    EvaluationResult,
    Feedback,
    InformationRequirement,
    InformationSource,
    Insight,
    InsightStrategy,
    Problem,
    ReviewTrigger,
    Stakeholder,
    SuccessCriterion,
    Transition,
)


class CreatorAdmin(admin.ModelAdmin):
    """Records who created an object from admin in ``creator_field``."""

    creator_field = ""

    def save_model(self, request, obj, form, change):
        if not change and self.creator_field:
            setattr(obj, self.creator_field, request.user)
        super().save_model(request, obj, form, change)


class ApprovalAdmin(CreatorAdmin):
    """An admin whose approval actions show only to holders of
    ``approve_permission``; the services check it again."""

    approve_permission = ""

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(self.approve_permission)


class ObjectiveInline(admin.TabularInline):
    model = BusinessCaseObjective
    extra = 0


class OptionInline(admin.TabularInline):
    model = BusinessCaseOption
    extra = 0


class RiskInline(admin.TabularInline):
    model = BusinessCaseRisk
    extra = 0


@admin.register(BusinessCase)
class BusinessCaseAdmin(ApprovalAdmin):
    approve_permission = services.business.APPROVE_PERMISSION
    list_display = ("title", "status", "author", "submitted_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("author", "decided_by")
    search_fields = ("title", "problem")
    readonly_fields = (
        "status",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_comment",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("stakeholders",)
    inlines = [ObjectiveInline, OptionInline, RiskInline]
    actions = [
        decision_action(
            services.business_case_approve,
            name="approve_cases",
            verb="Approve",
            argument="case",
            permission="approve",
        ),
        decision_action(
            services.business_case_reject,
            name="reject_cases",
            verb="Reject",
            argument="case",
            permission="approve",
            comment_required=True,
        ),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # The recommendation is one of the case's own options.
        field = form.base_fields.get("recommended_option")
        if field is not None:
            field.queryset = (
                BusinessCaseOption.objects.filter(case=obj) if obj else field.queryset.none()
            )
        return form

    creator_field = "author"

    def get_exclude(self, request, obj=None):
        return ("author",)


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "organisation", "influence", "interest", "user")
    list_filter = ("role", "influence", "interest")
    list_select_related = ("user",)
    search_fields = ("name", "organisation", "email")
    raw_id_fields = ("user",)


@admin.register(Consultation)
class ConsultationAdmin(CreatorAdmin):
    list_display = ("topic", "stakeholder", "held_on", "committed", "business_case", "strategy")
    list_filter = ("committed", "stakeholder__role")
    list_select_related = ("stakeholder", "business_case", "strategy")
    search_fields = ("topic", "feedback_summary", "stakeholder__name")
    readonly_fields = ("recorded_by", "created_at")
    autocomplete_fields = ("stakeholder",)
    date_hierarchy = "held_on"

    creator_field = "recorded_by"


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    """The record of decisions: read-only for everyone."""

    list_display = ("at", "content_type", "object_id", "from_status", "to_status", "actor_name")
    list_filter = ("content_type", "to_status")
    list_select_related = ("content_type",)
    search_fields = ("actor_name", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
class SuccessCriterionAdmin(admin.ModelAdmin):
    list_display = ("description", "strategy", "metric", "comparator", "target", "deadline")
    list_filter = ("metric", "comparator")
    list_select_related = ("strategy",)
    search_fields = ("description", "strategy__title")
    raw_id_fields = ("strategy",)
    readonly_fields = ("public_id",)


@admin.register(InformationRequirement)
class InformationRequirementAdmin(CreatorAdmin):
    list_display = ("statement", "need", "moscow", "marketing_objective", "strategy")
    list_filter = ("need", "moscow")
    list_select_related = ("strategy",)
    search_fields = ("statement", "marketing_objective")
    raw_id_fields = ("strategy",)
    readonly_fields = ("created_by", "created_at")

    creator_field = "created_by"


@admin.register(InformationSource)
class InformationSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "reliability", "refresh", "legal_basis", "annual_cost", "owner")
    list_filter = ("kind", "refresh", "legal_basis", "reliability")
    list_select_related = ("owner",)
    search_fields = ("name", "description")
    raw_id_fields = ("owner",)


@admin.register(CollectionOption)
class CollectionOptionAdmin(admin.ModelAdmin):
    list_display = ("requirement", "source", "method", "cost", "benefit", "risk")
    list_filter = ("method", "source__kind")
    list_select_related = ("requirement", "source")
    search_fields = ("requirement__statement", "source__name")
    raw_id_fields = ("requirement",)


@admin.register(CollectionTask)
class CollectionTaskAdmin(admin.ModelAdmin):
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


@admin.register(Insight)
class InsightAdmin(CreatorAdmin):
    creator_field = "owner"
    list_display = ("__str__", "strategy", "confidence", "status", "owner", "created_at")
    list_filter = ("status", "confidence")
    list_select_related = ("strategy", "owner")
    search_fields = ("finding", "recommended_action")
    raw_id_fields = ("strategy",)
    readonly_fields = ("public_id", "created_at", "updated_at")
    exclude = ("owner",)


class RecordInline(admin.TabularInline):
    """Rows written by services only: shown, never edited here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TriggerInline(RecordInline):
    model = ReviewTrigger
    fields = ("at", "kind", "reason", "actor")


class ResultInline(RecordInline):
    model = EvaluationResult
    fields = ("criterion", "display", "met", "measured_on")


@admin.register(Evaluation)
class EvaluationAdmin(ApprovalAdmin):
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
            services.evaluation_approve,
            name="approve_evaluations",
            verb="Approve",
            argument="evaluation",
            permission="approve",
        )
    ]

    def has_add_permission(self, request) -> bool:
        return False  # reviews are opened by their triggers


@admin.register(Feedback)
class FeedbackAdmin(CreatorAdmin):
    creator_field = "author"
    list_display = ("created_at", "source", "rating", "comment", "page", "author", "strategy")
    list_filter = ("source", "rating")
    list_select_related = ("author", "strategy")
    search_fields = ("comment", "page")
    raw_id_fields = ("stakeholder", "customer", "strategy")
    readonly_fields = ("author", "created_at")
    date_hierarchy = "created_at"


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
class ProblemAdmin(admin.ModelAdmin):
    """Problems are reported from the Problems page (so that a serious one
    opens its reviews); here they are triaged and resolved."""

    list_display = ("title", "severity", "status", "reported_by", "reported_at", "assigned_to")
    list_filter = ("status", "severity")
    list_select_related = ("reported_by", "assigned_to")
    search_fields = ("title", "report", "resolution")
    date_hierarchy = "reported_at"
    fields = (
        "title",
        "report",
        "severity",
        "status",
        "strategy",
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
        "reported_by",
        "reported_at",
        "triage_notes",
        "triaged_at",
        "resolution",
        "resolved_at",
    )
    raw_id_fields = ("assigned_to",)
    actions = [
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
