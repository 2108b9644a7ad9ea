"""Data-subject request pages: the register (overdue flagged), one request
with its identity check, extension and fulfilment."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import Customer
from governance import selectors
from governance.models import DataSubjectRequest, RequestKind, RequestStatus
from governance.services import requests as dsr
from mis.confirm import confirmation
from mis.forms import form_errors_add
from mis.templatetags.mis_format import day

VIEW = "governance.view_datasubjectrequest"


class RegisterForm(forms.Form):
    # Filled by the customer picker; empty for a person not in the database.
    customer = forms.UUIDField(required=False, widget=forms.HiddenInput)
    requester_name = forms.CharField(max_length=200, required=False, label="Their name")
    requester_contact = forms.CharField(
        max_length=254, required=False, label="E-mail or phone to answer on"
    )
    kind = forms.ChoiceField(choices=[("", "Choose…"), *RequestKind.choices], label="Request")
    received_via = forms.CharField(
        max_length=64, label="Received via", help_text="E-mail, letter, phone, web form."
    )
    received_at = forms.DateTimeField(required=False, label="Received at (default: now)")

    def clean_customer(self):
        public_id = self.cleaned_data["customer"]
        if public_id is None:
            return None
        try:
            return Customer.objects.get(public_id=public_id, merged_into__isnull=True)
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


@require_http_methods(["GET", "POST"])
@permission_required(VIEW, raise_exception=True)
def request_list(request):
    form = RegisterForm(
        request.POST or None, initial={"customer": request.GET.get("customer") or None}
    )
    if request.method == "POST":
        if not request.user.has_perm("governance.add_datasubjectrequest"):
            raise PermissionDenied
        if form.is_valid():
            try:
                created = dsr.dsr_register(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, f"Registered: due {day(created.due_at)}.")
                return redirect("governance:request-detail", public_id=created.public_id)
    context = {
        "form": form,
        "chosen_customer": _chosen(form),
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


def _chosen(form) -> Customer | None:
    """The customer the picker shows as chosen: the one posted back (a form
    with a mistake elsewhere keeps it), or the one the link named."""
    raw = form["customer"].value()
    if not raw:
        return None
    try:
        return Customer.objects.filter(public_id=raw, merged_into__isnull=True).first()
    except ValidationError:
        return None


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
    if step == "fulfil" and item.kind == RequestKind.ERASURE and item.customer is not None:
        name = item.customer.display_name
        asked = confirmation(
            request,
            title=f"Erase {name} everywhere?",
            message=f"Every record of {name} (the customer record, its history, orders, "
            "quality issues, import rows and request packages) is deleted for good; only "
            "the proof of consent and keyed hashes of the contact points are kept. "
            "This cannot be undone.",
            button="Erase everywhere",
            type_to_confirm=name,
            cancel_url=reverse("governance:request-detail", args=[item.public_id]),
        )
        if asked:
            return asked
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
            form_errors_add(
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
