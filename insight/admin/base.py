"""What the insight admins share: who created a record, approval actions
shown only to holders of the approve permission, read-only record rows."""

from django.contrib import admin


class CreatorAdmin(admin.ModelAdmin):
    """Records who created an object from admin in ``creator_field``."""

    creator_field = ""

    def save_model(self, request, obj, form, change):
        if not change and self.creator_field:
            setattr(obj, self.creator_field, request.user)
        super().save_model(request, obj, form, change)


class LockedAfterAdmin(admin.ModelAdmin):
    """Once a record leaves ``editable_statuses`` its form is read-only (and
    its inlines with it): what a decision maker judged or agreed is changed
    through its lifecycle, as on the pages and in the API."""

    editable_statuses: tuple[str, ...] = ()

    def is_locked(self, obj) -> bool:
        return obj is not None and obj.status not in self.editable_statuses

    def get_readonly_fields(self, request, obj=None):
        if self.is_locked(obj):
            return [f.name for f in self.model._meta.fields if f.editable] + list(
                super().get_readonly_fields(request, obj)
            )
        return super().get_readonly_fields(request, obj)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if self.is_locked(obj):
            for inline in inlines:
                inline.has_add_permission = lambda *args, **kwargs: False
                inline.has_change_permission = lambda *args, **kwargs: False
                inline.has_delete_permission = lambda *args, **kwargs: False
        return inlines


class ApprovalAdmin(CreatorAdmin, LockedAfterAdmin):
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
