from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from customers.campaigns import services
from customers.models import Campaign, CampaignResponse
from mis.admin import ServiceWrittenAdmin


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ("name", "description", "snapshots")

    def clean_name(self):
        # The service checks again when saving; here the form can say so.
        name = self.cleaned_data["name"].strip()
        taken = Campaign.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"A campaign is already called “{name}”.")
        return name


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ("name", "created_by", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("snapshots",)
    list_select_related = ("created_by",)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        made = services.campaign_create(
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            snapshots=form.cleaned_data["snapshots"],
            actor=request.user,
        )
        obj.pk = made.pk

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CampaignResponse)
class CampaignResponseAdmin(ServiceWrittenAdmin):
    list_display = ("campaign", "kind", "occurred_at", "value", "source")
    list_filter = ("kind", "source")
    list_select_related = ("campaign",)
    readonly_fields = [f.name for f in CampaignResponse._meta.fields]
