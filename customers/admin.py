from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from customers.models import (
    AttributeDefinition,
    Customer,
    CustomerExport,
    ImportJob,
    ImportRowError,
    Interest,
    Order,
    OrderLine,
    ProposalStatus,
    QualityIssue,
    QualityIssueStatus,
    QualityRule,
    QualityRun,
    QualityRunChunk,
    RedundancyProposal,
)
from customers.quality.redundant import redundancy_decide
from mis.admin import ReadOnlyAdmin, ServiceWrittenAdmin


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = (
        "display_name",
        "email",
        "lifecycle_stage",
        "country",
        "source",
        "created_at",
        "archived_at",
    )
    list_filter = ("lifecycle_stage", "kind", "contactability", "is_test", "country", "income_band")
    search_fields = ("email", "last_name", "organisation_name", "postcode", "external_id")
    readonly_fields = ("public_id", "field_sources", "quality_score", "created_at", "updated_at")
    autocomplete_fields = ("interests",)
    show_full_result_count = False  # a COUNT(*) over a million rows on every list page
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("quality")

    @admin.display(description="quality score")
    def quality_score(self, customer: Customer) -> int | None:
        quality = getattr(customer, "quality", None)
        return None if quality is None else quality.score


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "label", "data_type", "is_active")
    list_filter = ("data_type", "is_active")
    search_fields = ("name", "label")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "customer", "ordered_at", "channel", "total_amount", "currency")
    list_filter = ("channel", "currency")
    list_select_related = ("customer",)
    search_fields = ("external_id", "customer__email")
    raw_id_fields = ("customer",)
    readonly_fields = ("public_id", "total_amount", "created_at")
    inlines = [OrderLineInline]
    show_full_result_count = False
    date_hierarchy = "ordered_at"


@admin.register(OrderLine)
class OrderLineAdmin(SimpleHistoryAdmin):
    list_display = ("order", "product_category", "quantity", "amount")
    list_select_related = ("order",)
    raw_id_fields = ("order",)
    search_fields = ("product_category",)


@admin.register(CustomerExport)
class CustomerExportAdmin(ReadOnlyAdmin):
    """The record of exports. Nobody adds, edits or deletes one, superusers
    included: it is the evidence of who took which personal data."""

    list_display = (
        "started_at",
        "actor_name",
        "via",
        "file_format",
        "row_count",
        "status",
        "finished_at",
    )
    list_filter = ("via", "file_format", "status")
    search_fields = ("actor_name",)
    date_hierarchy = "started_at"
    show_full_result_count = False


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    fields = ("row_number", "reasons", "raw")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        # The first rejected rows only: a bad file can have a million.
        return super().get_queryset(request).order_by("row_number")


@admin.register(ImportJob)
class ImportJobAdmin(ServiceWrittenAdmin):
    """Import jobs and their figures, read-only: a job is started from the
    wizard, the API or the command, and its record is evidence of what came in."""

    list_display = (
        "original_name",
        "kind",
        "source",
        "status",
        "processed_rows",
        "created_count",
        "updated_count",
        "rejected_count",
        "suppressed_count",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status", "source")
    list_select_related = ("created_by",)
    search_fields = ("original_name", "source", "public_id")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    inlines = [ImportRowErrorInline]


# Segments, snapshots and buying-pattern metrics.
from customers.segments import admin as segments_admin  # noqa: E402, F401


@admin.register(QualityRule)
class QualityRuleAdmin(admin.ModelAdmin):
    """Data stewards keep the rules here; each change applies from the next
    check (a save, an import, or the nightly sweep)."""

    list_display = ("code", "name", "kind", "field", "lifecycle_stage", "severity", "is_active")
    list_filter = ("kind", "severity", "is_active")
    list_editable = ("severity", "is_active")
    search_fields = ("code", "name", "field")
    readonly_fields = ("created_at", "updated_at")


@admin.register(QualityIssue)
class QualityIssueAdmin(admin.ModelAdmin):
    list_display = ("customer", "field", "code", "severity", "status", "detected_by", "created_at")
    list_filter = ("status", "severity", "code")
    list_select_related = ("customer",)
    search_fields = ("code", "field", "customer__email", "customer__external_id")
    raw_id_fields = ("customer", "rule")
    readonly_fields = ("created_at", "resolved_at", "detected_by", "raw_value")
    show_full_result_count = False
    actions = ["dismiss"]

    @admin.action(description="Dismiss the selected issues (not a problem)", permissions=["change"])
    def dismiss(self, request, queryset):
        closed = queryset.filter(status=QualityIssueStatus.OPEN).update(
            status=QualityIssueStatus.RESOLVED, resolved_at=timezone.now()
        )
        self.message_user(request, f"{closed} issues dismissed.")


class QualityRunChunkInline(admin.TabularInline):
    model = QualityRunChunk
    fields = ("first_id", "last_id", "done_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(QualityRun)
class QualityRunAdmin(ServiceWrittenAdmin):
    """The record of every sweep and its figures: read-only."""

    list_display = (
        "started_at",
        "kind",
        "status",
        "triggered_by",
        "records_checked",
        "issues_opened",
        "issues_resolved",
        "finished_at",
    )
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in QualityRun._meta.fields]
    inlines = [QualityRunChunkInline]


@admin.register(RedundancyProposal)
class RedundancyProposalAdmin(admin.ModelAdmin):
    list_display = ("customer", "reason", "detail", "status", "proposed_at", "decided_by")
    list_filter = ("status", "reason")
    list_select_related = ("customer", "decided_by")
    search_fields = ("customer__email", "customer__external_id", "customer__last_name")
    raw_id_fields = ("customer",)
    readonly_fields = (
        "customer",
        "reason",
        "detail",
        "status",
        "proposed_at",
        "decided_at",
        "decided_by",
    )
    actions = ["archive_records", "keep_records"]

    def has_add_permission(self, request) -> bool:
        return False

    def _decide(self, request, queryset, archive: bool) -> None:
        done, refused = 0, []
        for proposal in queryset.filter(status=ProposalStatus.PROPOSED).select_related("customer"):
            try:
                redundancy_decide(proposal=proposal, archive=archive, actor=request.user)
                done += 1
            except ValidationError as exc:
                refused.append(f"{proposal.customer}: {' '.join(exc.messages)}")
        self.message_user(request, f"{done} proposals decided.")
        for message in refused:
            self.message_user(request, message, level=messages.ERROR)

    @admin.action(description="Archive the selected records", permissions=["change"])
    def archive_records(self, request, queryset):
        self._decide(request, queryset, archive=True)

    @admin.action(
        description="Keep the selected records (close the proposals)", permissions=["change"]
    )
    def keep_records(self, request, queryset):
        self._decide(request, queryset, archive=False)


# Duplicate detection: match models, sweeps, candidate pairs, merges.
from customers.campaigns import admin as campaigns_admin  # noqa: E402, F401
from customers.duplicates import admin as duplicates_admin  # noqa: E402, F401
