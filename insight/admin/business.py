"""Business cases (approve or reject), stakeholders, consultations, and the
read-only record of lifecycle transitions."""

from django.contrib import admin

from insight import services
from insight.admin.base import ApprovalAdmin, GuardedAdmin
from insight.admin_actions import decision_action
from insight.models import (
    BusinessCase,
    BusinessCaseObjective,
    BusinessCaseOption,
    BusinessCaseRisk,
    Consultation,
    Stakeholder,
    Transition,
)
from mis.admin import ReadOnlyAdmin


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
class StakeholderAdmin(GuardedAdmin):
    list_display = ("name", "role", "organisation", "influence", "interest", "user")
    list_filter = ("role", "influence", "interest")
    list_select_related = ("user",)
    search_fields = ("name", "organisation", "email")
    raw_id_fields = ("user",)


@admin.register(Consultation)
class ConsultationAdmin(GuardedAdmin):
    list_display = ("topic", "stakeholder", "held_on", "committed", "business_case", "strategy")
    list_filter = ("committed", "stakeholder__role")
    list_select_related = ("stakeholder", "business_case", "strategy")
    search_fields = ("topic", "feedback_summary", "stakeholder__name")
    readonly_fields = ("recorded_by", "created_at")
    autocomplete_fields = ("stakeholder",)
    date_hierarchy = "held_on"

    creator_field = "recorded_by"


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    """The record of decisions: read-only for everyone."""

    list_display = ("at", "content_type", "object_id", "from_status", "to_status", "actor_name")
    list_filter = ("content_type", "to_status")
    list_select_related = ("content_type",)
    search_fields = ("actor_name", "reason")
    date_hierarchy = "at"
