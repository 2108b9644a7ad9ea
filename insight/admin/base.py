"""What the insight admins share: records saved and deleted through the
record services (so the status rules of ``insight.services.guards`` hold
here as on the pages and in the API), locked records shown read-only,
approval actions shown only to holders of the approve permission, and
read-only record rows."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from insight.admin_actions import refusal_text
from insight.services import guards, records
from mis.forms import form_errors_add


class GuardedForm:
    """Mixed into admin forms: the guards judge the record as it is about to
    be saved, so a refusal shows on the form (with its field) instead of
    failing at save."""

    def _post_clean(self):
        super()._post_clean()
        instance = self.instance
        before = type(instance).objects.filter(pk=instance.pk).first() if instance.pk else None
        try:
            guards.require_changeable(instance, before=before)
        except ValidationError as error:
            form_errors_add(self, error)


class GuardedAdmin(admin.ModelAdmin):
    """Saves and deletes through ``insight.services.records``. A locked record
    opens read-only (its inlines too) and offers no delete."""

    creator_field = ""  # the field that records who created an object here

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (GuardedForm, form), {})

    @staticmethod
    def stored(obj):
        """The record as stored: the rules judge it, not a form's unsaved
        changes (admin validates a form on the very object it shows)."""
        if obj is None or obj.pk is None:
            return None
        return type(obj).objects.filter(pk=obj.pk).first()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [f for f in guards.locked_fields(self.stored(obj)) if f not in fields]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        stored = self.stored(obj)
        if stored is not None and guards.lock_reason(stored):
            for inline in inlines:
                inline.has_add_permission = lambda *args, **kwargs: False
                inline.has_change_permission = lambda *args, **kwargs: False
                inline.has_delete_permission = lambda *args, **kwargs: False
        return inlines

    def has_change_permission(self, request, obj=None) -> bool:
        stored = self.stored(obj)
        if stored is not None and guards.lock_reason(stored):
            return False  # opens read-only for those who may view it
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        stored = self.stored(obj)
        if stored is not None:
            try:
                guards.require_deletable(stored)
            except ValidationError:
                return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change and self.creator_field:
            setattr(obj, self.creator_field, request.user)
        records.record_save(obj, actor=request.user)

    def delete_model(self, request, obj):
        records.record_delete(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        """The bulk delete action: all or nothing, refused with the reason
        when any selected record is kept by a rule."""
        refusals = []
        for obj in queryset:
            try:
                guards.require_deletable(obj)
            except ValidationError as error:
                refusals.append(f"“{obj}”: {refusal_text(error)}")
        if refusals:
            raise PermissionDenied("Nothing was deleted. " + " ".join(refusals))
        for obj in queryset.order_by("pk"):
            records.record_delete(obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            records.record_save(obj, actor=request.user)
        for obj in formset.deleted_objects:
            records.record_delete(obj, actor=request.user)
        formset.save_m2m()


class ApprovalAdmin(GuardedAdmin):
    """An admin whose approval actions show only to holders of
    ``approve_permission``; the services check it again."""

    approve_permission = ""

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(self.approve_permission)


class RecordInline(admin.TabularInline):
    """Rows written by services only: shown, never edited here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RaisesImprovements:
    """Admins of what feeds the improvement backlog (problems, feedback,
    evaluations): their "Add to the improvement backlog" action shows to
    those who may add to it."""

    def has_raise_permission(self, request) -> bool:
        return request.user.has_perm("insight.add_improvement")
