"""Writing insight records in the browser (one form view for every kind),
business cases, stakeholders and insights."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from insight import forms, selectors, services
from insight.admin_actions import refusal_text
from insight.models import (
    BusinessCase,
    CollectionOption,
    Confidence,
    Feedback,
    InformationRequirement,
    InformationSource,
    Insight,
    InsightStatus,
    InsightStrategy,
    Stakeholder,
)
from insight.services import guards
from mis.pagination import keyset_page


def _after_save(obj) -> str:
    """Where a saved record is seen in context."""
    if isinstance(obj, InsightStrategy):
        return reverse("insight:strategy", args=[obj.public_id])
    if isinstance(obj, Feedback):
        return reverse("insight:effectiveness")
    if isinstance(obj, BusinessCase):
        return reverse("insight:business-case", args=[obj.public_id])
    case = getattr(obj, "case", None) or getattr(obj, "business_case", None)
    if case is not None:
        return reverse("insight:business-case", args=[case.public_id])
    strategy = getattr(obj, "strategy", None)
    if strategy is not None:
        return reverse("insight:strategy", args=[strategy.public_id])
    if isinstance(obj, InformationRequirement):
        return reverse("insight:requirements")
    if isinstance(obj, (InformationSource, CollectionOption)):
        return reverse("insight:options")
    return reverse("insight:stakeholders")


def _lookup(model, ident: str):
    field = "public_id" if any(f.name == "public_id" for f in model._meta.fields) else "pk"
    try:
        return get_object_or_404(model, **{field: ident})
    except (ValueError, ValidationError):
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def record_form(request, kind: str, ident: str | None = None):
    """Add (no ``ident``) or edit one insight record of the kind named in
    the address. The record's services check permissions and rules."""
    if kind not in forms.RECORDS:
        raise Http404
    record = forms.RECORDS[kind]
    opts = record.model._meta
    instance = _lookup(record.model, ident) if ident else None
    action = "change" if instance else "add"
    if not request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
        raise PermissionDenied
    form_type = forms.form_class(kind, instance=instance)
    if request.method == "POST":
        form = form_type(request.POST, request.FILES, instance=instance)
        if form.is_valid():
            saved = forms.record_save(kind, form=form, actor=request.user, instance=instance)
            if saved is not None:
                messages.success(request, f"The {record.title} is saved.")
                return redirect(_after_save(saved))
    else:
        initial = {k: v for k, v in request.GET.items() if k in record.fields}
        form = form_type(instance=instance, initial=initial)
    return render(
        request,
        "insight/record_form.html",
        {"form": form, "record": record, "instance": instance},
        status=400 if form.is_bound else 200,
    )


@require_GET
@permission_required("insight.view_businesscase", raise_exception=True)
def business_case_detail(request, public_id):
    case = get_object_or_404(
        BusinessCase.objects.select_related("author", "decided_by", "recommended_option"),
        public_id=public_id,
    )
    return render(
        request,
        "insight/business_case.html",
        {
            "case": case,
            "objectives": case.objectives.all(),
            "options": case.options.all(),
            "risks": case.risks.all(),
            "consultations": case.consultations.select_related("stakeholder"),
            "missing": services.business_case_missing(case),
            "history": selectors.transitions_of(case),
            "editable": guards.lock_reason(case) is None,
        },
    )


@require_POST
@permission_required("insight.view_businesscase", raise_exception=True)
def business_case_submit(request, public_id):
    case = get_object_or_404(BusinessCase, public_id=public_id)
    try:
        services.business_case_submit(
            case=case, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, "Submitted: a manager decides on it in admin.")
    return redirect("insight:business-case", public_id=case.public_id)


@require_GET
@permission_required("insight.view_stakeholder", raise_exception=True)
def stakeholders(request):
    people = list(Stakeholder.objects.select_related("user"))
    grid = {
        quadrant: [p for p in people if p.engagement == quadrant]
        for quadrant in ("manage closely", "keep satisfied", "keep informed", "monitor")
    }
    return render(request, "insight/stakeholders.html", {"people": people, "grid": grid})


@require_GET
@permission_required("insight.view_insight", raise_exception=True)
def insight_list(request):
    queryset = Insight.objects.select_related("strategy", "owner")
    status, confidence = request.GET.get("status"), request.GET.get("confidence")
    if status in InsightStatus.values:
        queryset = queryset.filter(status=status)
    if confidence in Confidence.values:
        queryset = queryset.filter(confidence=confidence)
    page = keyset_page(request, queryset, page_size=50)
    return render(
        request,
        "insight/insights.html",
        {
            "page": page,
            "statuses": InsightStatus.choices,
            "confidences": Confidence.choices,
            "status": status or "",
            "confidence": confidence or "",
        },
    )


@require_GET
@permission_required("insight.view_insight", raise_exception=True)
def insight_evidence(request, public_id):
    """The attached evidence file, to logged-in readers of insights only
    (media files are never served publicly)."""
    insight = get_object_or_404(Insight, public_id=public_id)
    if not insight.evidence_file:
        raise Http404("This insight has no attached file.")
    return FileResponse(
        insight.evidence_file.open("rb"),
        as_attachment=True,
        filename=insight.evidence_file.name.rsplit("/", 1)[-1],
    )
