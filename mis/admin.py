from django.contrib import admin

from mis.models import MetricSnapshot, Notification


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(admin.ModelAdmin):
    list_display = ("metric", "params_key", "taken_on", "value")
    list_filter = ("metric", "taken_on")
    search_fields = ("metric", "params_key")
    date_hierarchy = "taken_on"

    # Snapshots are the record of what was measured: read-only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "subject", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    # The log of what was mailed to whom: written by the sweep only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
