"""The processing register (Art. 30), the procedures and the audit view."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.masking import masked_fields_for
from customers.models import Customer
from governance import register, selectors
from governance.models import Procedure, ProcedureVersion
from governance.services import procedures
from mis.csvfiles import csv_writer
from mis.forms import form_errors_add

AUDIT_PAGE_SIZE = 50


@require_GET
@permission_required("governance.view_purpose", raise_exception=True)
def processing_register(request):
    context = {
        "rows": register.register_rows(),
        "fields": register.field_tags(),
        "policies": register.retention_rows(),
    }
    return render(request, "governance/register.html", context)


@require_GET
@permission_required("governance.view_purpose", raise_exception=True)
def processing_register_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="processing-register.csv"'
    writer = csv_writer(response)
    writer.writerow(register.REGISTER_COLUMNS)
    for row in register.register_rows():
        writer.writerow([row[column] for column in register.REGISTER_COLUMNS])
    return response


# Procedures -----------------------------------------------------------------------


class PublishForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}))
    change_summary = forms.CharField(max_length=300, required=False, label="What changed")


@require_GET
@permission_required("governance.view_procedure", raise_exception=True)
def procedure_list(request):
    current = selectors.procedure_current_versions()
    read = set(
        request.user.procedure_acknowledgements.filter(version__in=current).values_list(
            "version_id", flat=True
        )
    )
    published = {version.procedure_id for version in current}
    context = {
        "current": [{"version": v, "read": v.pk in read} for v in current],
        "unpublished": Procedure.objects.exclude(pk__in=published),
    }
    return render(request, "governance/procedures.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("governance.view_procedure", raise_exception=True)
def procedure_detail(request, code):
    procedure = get_object_or_404(Procedure, code=code)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            procedures.procedure_publish(
                procedure=procedure, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, "Published: everyone is asked to read it.")
            return redirect("governance:procedure", code=procedure.code)
    versions = list(procedure.versions.select_related("published_by"))
    context = {
        "procedure": procedure,
        "current": versions[0] if versions else None,
        "older": versions[1:],
        "form": form,
        "may_publish": request.user.has_perm(procedures.PUBLISH_PERMISSION),
    }
    return render(
        request,
        "governance/procedure.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@permission_required("governance.view_procedure", raise_exception=True)
def procedure_acknowledge(request, version_id):
    version = get_object_or_404(ProcedureVersion.objects.select_related("procedure"), pk=version_id)
    try:
        procedures.procedure_acknowledge(version=version, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Thank you: you have read {version}.")
    return redirect("governance:procedures")


@require_GET
@permission_required("governance.view_acknowledgement", raise_exception=True)
def procedure_outstanding(request):
    return render(
        request,
        "governance/procedures_outstanding.html",
        {"rows": selectors.procedure_outstanding()},
    )


# Audit view ------------------------------------------------------------------------


class AuditFilter(forms.Form):
    customer = forms.UUIDField(required=False, label="Customer id")
    user = forms.CharField(required=False, max_length=150, label="Changed by (user name)")
    change = forms.ChoiceField(
        required=False, choices=[("", "any"), ("+", "created"), ("~", "changed"), ("-", "deleted")]
    )
    since = forms.DateField(required=False, label="From (date)")
    until = forms.DateField(required=False, label="To (date)")
    before = forms.IntegerField(required=False, widget=forms.HiddenInput)


@require_GET
@permission_required(
    ["customers.view_historicalcustomer", "governance.view_auditevent"], raise_exception=True
)
def audit_view(request):
    """Who changed which customer record, when, and which fields. Newest
    first, a page at a time by history id (keyset)."""
    form = AuditFilter(request.GET or None)
    history = Customer.history.model.objects.select_related("history_user")
    entries, next_before = [], None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        if data.get("customer"):
            customer_id = (
                Customer.objects.filter(public_id=data["customer"])
                .values_list("pk", flat=True)
                .first()
            )
            history = history.filter(id=customer_id)
        if data.get("user"):
            history = history.filter(history_user__username=data["user"])
        if data.get("change"):
            history = history.filter(history_type=data["change"])
        if data.get("since"):
            history = history.filter(history_date__date__gte=data["since"])
        if data.get("until"):
            history = history.filter(history_date__date__lte=data["until"])
        if data.get("before"):
            history = history.filter(history_id__lt=data["before"])
        rows = list(history.order_by("-history_id")[: AUDIT_PAGE_SIZE + 1])
        hidden = {*masked_fields_for(request.user), "field_sources", "updated_at"}
        previous = selectors.history_previous(rows[:AUDIT_PAGE_SIZE])
        for row in rows[:AUDIT_PAGE_SIZE]:
            before = previous.get(row.history_id)
            changes = []
            if before is not None:
                changes = [
                    c.field for c in row.diff_against(before, excluded_fields=list(hidden)).changes
                ]
            entries.append({"record": row, "changes": changes})
        if len(rows) > AUDIT_PAGE_SIZE:
            query = request.GET.copy()
            query["before"] = rows[AUDIT_PAGE_SIZE - 1].history_id
            next_before = query.urlencode()
    context = {"form": form, "entries": entries, "next_query": next_before}
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "governance/audit.html", context, status=status)
