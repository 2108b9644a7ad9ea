"""Governance pages: the section's home and a customer's consent."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import reads
from customers.models import Customer
from governance import selectors, services
from governance.forms import ChoiceOfEvent, ConsentGrantForm, WithdrawalForm
from governance.models import (
    AccessAction,
    AuditEvent,
    Channel,
    Consent,
    Purpose,
    SuppressionEntry,
)
from mis.confirm import confirmation
from mis.forms import form_errors_add

HISTORY_LIMIT = 100


@require_GET
def home(request):
    user = request.user
    context = {
        "purposes": Purpose.objects.filter(is_active=True).order_by("label")
        if user.has_perm("governance.view_purpose")
        else None,
        "consent_total": Consent.objects.count()
        if user.has_perm("governance.view_consent")
        else None,
        "suppressed_total": SuppressionEntry.objects.count()
        if user.has_perm("governance.view_suppressionentry")
        else None,
        "may_monitor": user.has_perm("governance.view_accesslog"),
        "may_see_requests": user.has_perm("governance.view_datasubjectrequest"),
        "may_audit": user.has_perms(
            ["customers.view_historicalcustomer", "governance.view_auditevent"]
        ),
        "events": list(AuditEvent.objects.select_related("actor")[:10])
        if user.has_perm("governance.view_auditevent")
        else None,
    }
    return render(request, "governance/home.html", context)


def _consent_context(customer: Customer, form: ConsentGrantForm | None = None) -> dict:
    return {
        "customer": customer,
        "state": selectors.consent_state(customer),
        "history": list(selectors.consent_history(customer)[:HISTORY_LIMIT]),
        "history_limit": HISTORY_LIMIT,
        "form": form or ConsentGrantForm(purposes=_purpose_choices()),
    }


def _purpose_choices():
    return list(Purpose.objects.filter(is_active=True).values_list("code", "label"))


def _consent_panel(request, customer: Customer, form=None, status: int = 200):
    template = (
        "governance/_consent_panel.html" if request.htmx else "governance/customer_consents.html"
    )
    return render(request, template, _consent_context(customer, form), status=status)


@require_http_methods(["GET", "POST"])
@permission_required(["customers.view_customer", "governance.view_consent"], raise_exception=True)
def customer_consents(request, public_id):
    """A customer's current consent per purpose and channel, its history, a
    one-click withdrawal for each, an objection, and a form to record a grant."""
    customer = get_object_or_404(Customer, public_id=public_id)
    if request.method == "GET":
        reads.describe(action=AccessAction.VIEW, detail="consent page")
        return _consent_panel(request, customer)
    if not request.user.has_perm("governance.add_consent"):
        raise PermissionDenied
    form = ConsentGrantForm(request.POST, purposes=_purpose_choices())
    if form.is_valid():
        try:
            services.consent_grant(customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("governance:customer-consents", public_id=customer.public_id)
    return _consent_panel(request, customer, form, status=400)


@require_POST
@permission_required(
    ["customers.view_customer", "governance.view_consent", "governance.add_consent"],
    raise_exception=True,
)
def consent_withdraw(request, public_id):
    """One click: the purpose and channel are all it needs (Art. 7(3))."""
    customer = get_object_or_404(Customer, public_id=public_id)
    choice = ChoiceOfEvent(request.POST)
    how = WithdrawalForm(request.POST)
    purpose = Purpose.objects.filter(code=request.POST.get("purpose", "")).first()
    channel = dict(Channel.choices).get(request.POST.get("channel", ""), "")
    asked = confirmation(
        request,
        title="Withdraw this consent?",
        message=f"{customer.display_name} will no longer be contacted for "
        f"{purpose.label if purpose else 'this purpose'} by {str(channel).lower()}. "
        "Say how the withdrawal reached us: it is kept as proof.",
        button="Withdraw consent",
        form=how,
        cancel_url=reverse("governance:customer-consents", args=[customer.public_id]),
    )
    if asked:
        return asked
    try:
        if not choice.is_valid():
            raise ValidationError(choice.errors.get_json_data())
        services.consent_withdraw(
            customer=customer,
            purpose=choice.cleaned_data["purpose"],
            channel=choice.cleaned_data["channel"],
            capture_method=how.cleaned_data["capture_method"],
            source=how.cleaned_data["source"] or "consent page",
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _consent_panel(request, customer, status=400)
    messages.success(request, "Consent withdrawn.")
    return _consent_panel(request, customer)


@require_POST
@permission_required(
    ["customers.view_customer", "governance.view_consent", "governance.add_consent"],
    raise_exception=True,
)
def objection_register(request, public_id):
    customer = get_object_or_404(Customer, public_id=public_id)
    events = services.objection_register(
        customer=customer, source="consent page", actor=request.user
    )
    messages.success(
        request,
        f"Objection recorded: {len(events)} marketing consents withdrawn and the contact "
        "points suppressed.",
    )
    return _consent_panel(request, customer)
