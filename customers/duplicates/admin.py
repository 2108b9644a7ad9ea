"""Admin for duplicate detection: the match model versions a data steward
retrains and inspects (thresholds editable), sweeps with their figures, the
candidate pairs and the record of merges (undo as an admin action)."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from customers.duplicates import engine
from customers.duplicates.services.merge import MergeError, merge_undo
from customers.duplicates.services.sweep import model_train
from customers.models import DuplicateCandidate, DuplicateSweep, MatchModel, Merge, MergeStatus
from mis.admin import ServiceWrittenAdmin


@admin.register(MatchModel)
class MatchModelAdmin(admin.ModelAdmin):
    list_display = (
        "version",
        "is_active",
        "duplicate_threshold",
        "possible_threshold",
        "records_used",
        "training_seconds",
        "trained_at",
        "trained_by",
    )
    list_filter = ("is_active",)
    list_select_related = ("trained_by",)
    fields = (*list_display, "parameters")
    readonly_fields = (
        "version",
        "records_used",
        "training_seconds",
        "trained_at",
        "trained_by",
        "parameters",
    )
    actions = ["retrain"]

    @admin.display(description="Parameters (per comparison level: m, u, match weight)")
    def parameters(self, obj):
        model = obj.splink_settings
        rows = [
            f"Prior: two random records match with probability "
            f"{model.get('probability_two_random_records_match')}"
        ]
        for comparison in model["comparisons"]:
            rows.append(f"\n{comparison['output_column_name']}:")
            for gamma, level in engine._levels(comparison):
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = engine.math.log2(m / u) if m and u else None
                label = level.get("label_for_charts") or level["sql_condition"]
                rows.append(
                    f"  [{gamma}] {label}: m={m} u={u}"
                    + (f" weight={weight:+.2f}" if weight is not None else "")
                )
        rows.append("\nFull Splink model:\n" + json.dumps(model, indent=2))
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", "\n".join(rows))

    @admin.action(description="Train a new model version from the current data")
    def retrain(self, request, queryset):
        try:
            model = model_train(actor=request.user)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Trained {model}; it is now the active model.")

    def has_add_permission(self, request) -> bool:
        return False  # a model is trained (the action), not typed in


@admin.register(DuplicateSweep)
class DuplicateSweepAdmin(ServiceWrittenAdmin):
    list_display = (
        "pk",
        "status",
        "via",
        "started_at",
        "seconds",
        "records_checked",
        "duplicate_pairs",
        "possible_pairs",
        "auto_merged",
        "match_model",
    )
    list_filter = ("status", "via")
    list_select_related = ("match_model", "started_by")
    readonly_fields = [f.name for f in DuplicateSweep._meta.fields]


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ("customer_a", "customer_b", "match_probability", "decision", "status")
    list_filter = ("decision", "status")
    list_select_related = ("customer_a", "customer_b")
    search_fields = ("customer_a__last_name", "customer_b__last_name", "customer_a__email")
    readonly_fields = [f.name for f in DuplicateCandidate._meta.fields]
    raw_id_fields = ("customer_a", "customer_b")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Merge)
class MergeAdmin(ServiceWrittenAdmin):
    list_display = ("merged_at", "merged", "survivor", "merged_by", "automatic", "status")
    list_filter = ("status", "automatic")
    list_select_related = ("merged", "survivor", "merged_by")
    search_fields = ("survivor__last_name", "merged__last_name")
    readonly_fields = [f.name for f in Merge._meta.fields]
    actions = ["undo"]

    @admin.action(description="Undo the selected merges", permissions=["merge"])
    def undo(self, request, queryset):
        for merge in queryset.filter(status=MergeStatus.MERGED).order_by("-merged_at"):
            try:
                merge_undo(merge=merge, actor=request.user)
            except MergeError as exc:
                self.message_user(request, f"{merge}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"Undone: {merge}.")

    def has_merge_permission(self, request) -> bool:
        return request.user.has_perm("customers.merge_customers")
