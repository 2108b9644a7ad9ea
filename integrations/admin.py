from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from integrations import services
from integrations.events import EventType
from integrations.models import ApiKey, Scope, WebhookDelivery, WebhookSubscription
from integrations.services.keys import api_key_check
from mis.admin import ReadOnlyAdmin
from mis.forms import form_errors_add


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ("url", "description", "event_types", "is_active")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("__str__", "url", "owner", "is_active", "consecutive_failures", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    list_select_related = ("owner",)
    readonly_fields = ("secret", "owner", "consecutive_failures", "disabled_at", "disabled_reason")

    def save_model(self, request, obj, form, change):
        # Through the services: the endpoint check and the secret are theirs.
        data = form.cleaned_data
        try:
            if change:
                saved = services.webhook_subscription_update(
                    subscription=obj,
                    data={k: data[k] for k in ("url", "event_types", "description", "is_active")},
                    actor=request.user,
                )
            else:
                saved = services.webhook_subscription_create(
                    url=data["url"],
                    event_types=data["event_types"],
                    description=data["description"],
                    owner=request.user,
                    actor=request.user,
                )
        except (ValidationError, PermissionDenied) as exc:
            raise forms.ValidationError(str(exc)) from exc
        obj.pk = saved.pk

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        base_clean = form.clean

        def clean(this):
            cleaned = base_clean(this)
            url = cleaned.get("url")
            if url:
                try:
                    services.endpoint_check(url=url)
                except ValidationError as exc:
                    this.add_error("url", exc.message_dict["url"])
            return cleaned

        form.clean = clean
        return form


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "event_type",
        "subscription",
        "status",
        "attempts",
        "response_status",
        "duration_ms",
        "created_at",
    )
    list_filter = ("status", "event__type")
    list_select_related = ("event", "subscription")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay"]

    @admin.display(description="event")
    def event_type(self, obj) -> str:
        return obj.event.get_type_display()

    @admin.action(description="Replay the selected deliveries", permissions=["view"])
    def replay(self, request, queryset):
        done = 0
        for delivery in queryset.select_related("subscription", "event"):
            try:
                services.webhook_delivery_replay(delivery=delivery, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request,
                    f"{delivery}: {' '.join(exc.messages) if hasattr(exc, 'messages') else exc}",
                    messages.ERROR,
                )
        if done:
            self.message_user(request, f"{done} deliveries queued again.", messages.SUCCESS)


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(required=False, help_text="Empty: the default lifetime.")

    class Meta:
        model = ApiKey
        fields = ("name", "user", "scopes", "expires_at")

    def clean(self):
        cleaned = super().clean()
        try:
            api_key_check(
                name=cleaned.get("name", ""),
                scopes=cleaned.get("scopes", []),
                expires_at=cleaned.get("expires_at"),
            )
        except ValidationError as exc:
            form_errors_add(self, exc)
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    list_select_related = ("user",)
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "name",
            "prefix",
            "user",
            "scopes",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "created_by",
        )

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        try:
            row, key = services.api_key_create(
                name=data["name"],
                user=data["user"],
                scopes=data["scopes"],
                expires_at=data.get("expires_at"),
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise forms.ValidationError(str(exc)) from exc
        obj.pk = row.pk
        self.message_user(
            request,
            f"The key is {key} — copy it now: it is not stored and will not be shown again.",
            messages.WARNING,
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key, actor=request.user)
        self.message_user(request, f"{queryset.count()} keys revoked.", messages.SUCCESS)
