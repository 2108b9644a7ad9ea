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


class ApprovalAdmin(CreatorAdmin):
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
