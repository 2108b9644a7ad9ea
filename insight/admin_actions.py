"""Approval as admin actions: each asks for a comment on an intermediate
page, then calls the same service as the API and pages, one object at a time,
and reports each refusal (with its reason) as an admin message."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse


class DecisionForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


def refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def decision_action(
    service: Callable,
    *,
    name: str,
    verb: str,
    argument: str,
    permission: str,
    comment_required=False,
    text_argument: str = "comment",
):
    """An admin action named ``name`` that calls ``service(<argument>=obj,
    actor=user, <text_argument>=...)`` for each selected object."""

    def action(modeladmin, request, queryset):
        form = DecisionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and comment_required and not form.data.get("comment", "").strip():
            form.add_error("comment", f"Say why you {verb.lower()}.")
        if not form.is_bound or not form.is_valid():
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": f"{verb}: give your comment",
                "verb": verb,
                "objects": queryset,
                "form": form,
                "action": name,
                "opts": modeladmin.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/insight/decision.html", context)
        done = 0
        for obj in queryset.order_by("pk"):
            try:
                service(
                    **{argument: obj, text_argument: form.cleaned_data["comment"]},
                    actor=request.user,
                )
            except (ValidationError, PermissionDenied) as error:
                modeladmin.message_user(
                    request, f"“{obj}” was not changed: {refusal_text(error)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            modeladmin.message_user(request, f"{verb}: {done} done.", messages.SUCCESS)
        return None

    action.__name__ = name
    return admin.action(description=f"{verb} the selected", permissions=[permission])(action)
