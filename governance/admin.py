from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from governance import services
from governance.models import (
    AccessLog,
    Acknowledgement,
    AuditEvent,
    Consent,
    DataSubjectRequest,
    Procedure,
    ProcedureVersion,
    Purpose,
    RetentionPolicy,
    RetentionRun,
    SuppressionEntry,
    Tombstone,
)
from governance.services import retention
from mis.admin import ReadOnlyAdmin
from mis.forms import form_errors_add


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "legal_basis", "is_marketing", "channels", "is_active")
    list_filter = ("legal_basis", "is_marketing", "is_active")
    search_fields = ("code", "label")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Consent events point at it; retire it (is_active) instead.
        return False


class ConsentAddForm(forms.ModelForm):
    """A consent event recorded in admin, checked by the same service as
    everywhere else."""

    class Meta:
        model = Consent
        fields = (
            "customer",
            "purpose",
            "channel",
            "status",
            "occurred_at",
            "capture_method",
            "source",
            "wording_version",
            "wording_text",
            "evidence",
            "expires_at",
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.consent_check(
                purpose=data["purpose"],
                channel=data["channel"],
                status=data["status"],
                occurred_at=data["occurred_at"],
                capture_method=data["capture_method"],
                source=data["source"],
                wording_version=data.get("wording_version", ""),
                wording_text=data.get("wording_text", ""),
                expires_at=data.get("expires_at"),
            )
        except ValidationError as exc:
            form_errors_add(self, exc)
        return data


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """The ledger: events are added (through the service), never changed or deleted."""

    list_display = (
        "occurred_at",
        "customer",
        "purpose",
        "channel",
        "status",
        "capture_method",
        "source",
        "actor",
    )
    list_filter = ("status", "channel", "purpose", "capture_method")
    list_select_related = ("customer", "purpose", "actor")
    search_fields = ("customer__email", "customer__external_id", "source", "wording_version")
    raw_id_fields = ("customer",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ConsentAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [field.name for field in Consent._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        data = {name: form.cleaned_data.get(name) for name in ConsentAddForm.Meta.fields}
        data = {
            k: ("" if v is None and k in {"wording_version", "wording_text", "evidence"} else v)
            for k, v in data.items()
        }
        saved = services.consent_record(**data, actor=request.user)
        obj.pk, obj.public_id = saved.pk, saved.public_id


@admin.register(SuppressionEntry)
class SuppressionEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "reason", "value_hash", "actor")
    list_filter = ("kind", "reason")
    list_select_related = ("actor",)
    search_fields = ("value_hash",)
    show_full_result_count = False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "actor_name", "subject")
    list_filter = ("kind",)
    search_fields = ("subject", "actor_name")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Who read personal data. Append-only: the database refuses changes too."""

    list_display = ("at", "username", "action", "via", "record_count", "auth", "ip_address")
    list_filter = ("action", "via", "auth")
    search_fields = ("username", "detail", "ip_address")
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AccessLog._meta.fields]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "selects",
        "lifecycle_stage",
        "inactivity_months",
        "consent_condition",
        "action",
        "is_active",
    )
    list_filter = ("selects", "action", "lifecycle_stage", "consent_condition", "is_active")
    search_fields = ("name",)
    actions = ["prepare_dry_runs"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # runs point at it; deactivate it instead

    @admin.action(description="Prepare a dry run for the selected policies")
    def prepare_dry_runs(self, request, queryset):
        for policy in queryset:
            try:
                run = retention.retention_run_prepare(policy=policy)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request, f"{policy}: {run.candidate_count} candidates, awaiting approval."
                )


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    """Dry runs await approval here. Approving queues the execution; nothing is
    erased before."""

    list_display = (
        "prepared_at",
        "policy",
        "action",
        "status",
        "candidate_count",
        "erased_count",
        "skipped_count",
        "approved_by",
    )
    list_filter = ("status", "action", "policy")
    list_select_related = ("policy", "approved_by")
    readonly_fields = [field.name for field in RetentionRun._meta.fields]
    actions = ["approve_runs", "reject_runs"]

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(retention.APPROVE_PERMISSION)

    def _decide(self, request, queryset, decide, done: str) -> None:
        for run in queryset:
            try:
                decide(run=run, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{run}: {' '.join(exc.args)}", messages.ERROR)
            else:
                self.message_user(request, f"{run.policy}: {done}.")

    @admin.action(description="Approve the selected dry runs", permissions=["approve"])
    def approve_runs(self, request, queryset):
        self._decide(request, queryset, retention.retention_run_approve, "approved, queued")

    @admin.action(description="Reject the selected dry runs", permissions=["approve"])
    def reject_runs(self, request, queryset):
        self._decide(request, queryset, retention.retention_run_reject, "rejected")


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdmin):
    list_display = ("erased_at", "reason", "action", "retention_run", "reference")
    list_filter = ("reason", "action")
    list_select_related = ("retention_run",)
    date_hierarchy = "erased_at"


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyAdmin):
    """Requests are registered and handled on the Governance pages (through the
    services); admin lists them for managers."""

    list_display = (
        "received_at",
        "kind",
        "status",
        "identity_status",
        "due_at",
        "extended_due_at",
        "fulfilled_at",
        "handled_by",
    )
    list_filter = ("kind", "status", "identity_status")
    list_select_related = ("handled_by",)
    date_hierarchy = "received_at"
    readonly_fields = [field.name for field in DataSubjectRequest._meta.fields]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    """Procedures are named here; their text is published (versioned) on the
    Governance pages."""

    list_display = ("title", "code", "topic")
    list_filter = ("topic",)
    search_fields = ("title", "code")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ReadOnlyAdmin):
    list_display = ("procedure", "number", "published_by", "published_at")
    list_filter = ("procedure",)
    list_select_related = ("procedure", "published_by")


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ("version", "user", "acknowledged_at")
    list_filter = ("version__procedure",)
    list_select_related = ("version__procedure", "user")
    search_fields = ("user__username",)
