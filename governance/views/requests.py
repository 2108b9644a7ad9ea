"""Data-subject request pages: the register (overdue flagged), one request
with its identity check, extension and fulfilment."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import Customer
from governance import selectors
from governance.models import DataSubjectRequest, RequestKind, RequestStatus
from governance.services import requests as dsr

VIEW = "governance.view_datasubjectrequest"


class RegisterForm(forms.Form):
    customer = forms.UUIDField(label="Customer id", help_text="The customer's id (from its page).")
    kind = forms.ChoiceField(choices=RequestKind.choices)
    received_via = forms.CharField(max_length=64, label="Received via")
    received_at = forms.DateTimeField(required=False, label="Received at (default: now)")

    def clean_customer(self):
        try:
            return Customer.objects.get(public_id=self.cleaned_data["customer"])
        except Customer.DoesNotExist:
            raise forms.ValidationError("No customer has this id.") from None


class IdentityForm(forms.Form):
    verified = forms.TypedChoiceField(
        choices=[("yes", "Verified"), ("no", "Could not be verified")],
        coerce=lambda value: value == "yes",
    )
    method = forms.CharField(max_length=200, label="How it was checked")


class ExtendForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=60)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class FulfilForm(forms.Form):
    outcome = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for a rectification: what was corrected.",
    )


def _apply_errors(form, exc: ValidationError, rename=None) -> None:
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        for field, problems in exc.message_dict.items():
            field = rename.get(field, field)
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
@permission_required(VIEW, raise_exception=True)
def request_list(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("governance.add_datasubjectrequest"):
            raise PermissionDenied
        if form.is_valid():
            try:
                created = dsr.dsr_register(
                    customer=form.cleaned_data["customer"],
                    kind=form.cleaned_data["kind"],
                    received_via=form.cleaned_data["received_via"],
                    received_at=form.cleaned_data["received_at"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"Registered: due {created.due_at:%d %b %Y}.")
                return redirect("governance:request-detail", public_id=created.public_id)
    context = {
        "form": form,
        "overdue": list(selectors.dsr_overdue()),
        "requests": DataSubjectRequest.objects.filter(status=RequestStatus.OPEN)
        .select_related("customer")
        .order_by("due_at")[:200],
        "recent": DataSubjectRequest.objects.exclude(status=RequestStatus.OPEN).order_by(
            "-fulfilled_at", "-received_at"
        )[:20],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "governance/requests.html", context, status=status)


def _detail(request, item, forms_=None, status=200):
    forms_ = forms_ or {}
    context = {
        "item": item,
        "identity_form": forms_.get("identity") or IdentityForm(),
        "extend_form": forms_.get("extend") or ExtendForm(),
        "fulfil_form": forms_.get("fulfil") or FulfilForm(),
        "may_handle": request.user.has_perm(dsr.HANDLE_PERMISSION),
    }
    return render(request, "governance/request_detail.html", context, status=status)


@require_GET
@permission_required(VIEW, raise_exception=True)
def request_detail(request, public_id):
    item = get_object_or_404(
        DataSubjectRequest.objects.select_related("customer"), public_id=public_id
    )
    return _detail(request, item)


@require_POST
@permission_required([VIEW, dsr.HANDLE_PERMISSION], raise_exception=True)
def request_act(request, public_id, step: str):
    """One step of handling a request: identity, extend or fulfil."""
    item = get_object_or_404(DataSubjectRequest, public_id=public_id)
    form_class = {"identity": IdentityForm, "extend": ExtendForm, "fulfil": FulfilForm}[step]
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "identity":
                dsr.dsr_identity_check(
                    request=item,
                    verified=data["verified"],
                    method=data["method"],
                    actor=request.user,
                )
            elif step == "extend":
                dsr.dsr_extend(
                    request=item, days=data["days"], reason=data["reason"], actor=request.user
                )
            else:
                dsr.dsr_fulfil(request=item, outcome=data["outcome"], actor=request.user)
        except ValidationError as exc:
            _apply_errors(
                form, exc, rename={"extension_reason": "reason", "identity_method": "method"}
            )
        else:
            messages.success(request, "Done.")
            return redirect("governance:request-detail", public_id=item.public_id)
    item.refresh_from_db()
    return _detail(request, item, {step: form}, status=400)


@require_GET
@permission_required([VIEW, dsr.HANDLE_PERMISSION], raise_exception=True)
def request_package(request, public_id):
    item = get_object_or_404(DataSubjectRequest, public_id=public_id)
    if not item.package:
        raise Http404
    response = FileResponse(
        item.package.open("rb"), as_attachment=True, filename=f"personal-data-{item.public_id}.zip"
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
@permission_required([VIEW, dsr.HANDLE_PERMISSION], raise_exception=True)
def request_certificate(request, public_id):
    item = get_object_or_404(DataSubjectRequest, public_id=public_id)
    if not item.certificate:
        raise Http404
    response = JsonResponse(item.certificate, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="erasure-{item.public_id}.json"'
    return response
