from django.contrib import admin

from mis.models import MetricSnapshot


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
