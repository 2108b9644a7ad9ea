"""Admin for segments and snapshots: read-mostly records for managers and the
data protection lead. Segments are built in the builder (it checks the rules
as their author may write them), so admin does not edit rules."""

from django.contrib import admin

from customers.models import CampaignSnapshot, CustomerMetrics, Segment, SegmentVersion
from customers.segments.selectors import (
    segment_versions_visible_to,
    segments_visible_to,
    snapshots_visible_to,
)
from mis.admin import ServiceWrittenAdmin


class SegmentVersionInline(admin.TabularInline):
    model = SegmentVersion
    extra = 0
    can_delete = False
    fields = ("number", "name", "rules", "saved_by", "saved_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # A version on sensitive fields only for those who may use them.
        return segment_versions_visible_to(request.user)


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "owner", "updated_at")
    list_select_related = ("owner",)
    search_fields = ("name", "description")
    list_filter = ("owner",)
    readonly_fields = ("public_id", "rules", "version", "owner", "created_at", "updated_at")
    inlines = [SegmentVersionInline]

    def get_queryset(self, request):
        # A segment on sensitive fields only for those who may use them.
        return segments_visible_to(request.user)


@admin.register(CampaignSnapshot)
class CampaignSnapshotAdmin(ServiceWrittenAdmin):
    list_display = (
        "segment",
        "purpose",
        "channel",
        "consent_checked",
        "matched_count",
        "member_count",
        "taken_by",
        "taken_at",
    )
    list_select_related = ("segment", "taken_by")
    list_filter = ("purpose", "channel", "consent_checked")
    search_fields = ("segment__name",)
    date_hierarchy = "taken_at"

    def get_queryset(self, request):
        return snapshots_visible_to(request.user).select_related("segment")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(CustomerMetrics)
class CustomerMetricsAdmin(admin.ModelAdmin):
    list_display = (
        "customer",
        "order_count",
        "total_spent",
        "recency_days",
        "rfm_segment",
        "as_of",
    )
    list_select_related = ("customer",)
    list_filter = ("rfm_segment", "rfm_r", "rfm_f", "rfm_m")
    search_fields = ("customer__email", "customer__last_name")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False  # derived by metrics_refresh
