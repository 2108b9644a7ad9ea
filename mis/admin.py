from django.contrib import admin

from mis.models import MetricSnapshot, Notification


class ServiceWrittenAdmin(admin.ModelAdmin):
    """Records that only a service or a sweep writes (jobs, runs, snapshots,
    responses): shown here, never added or changed by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ServiceWrittenAdmin):
    """Evidence: nobody edits or deletes it in admin, superusers included."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ServiceWrittenAdmin):
    list_display = ("metric", "params_key", "taken_on", "value")
    list_filter = ("metric", "taken_on")
    search_fields = ("metric", "params_key")
    date_hierarchy = "taken_on"


@admin.register(Notification)
class NotificationAdmin(ServiceWrittenAdmin):
    list_display = ("created_at", "user", "kind", "subject", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
