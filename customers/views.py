from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import exports, listing, reads, selectors, services
from customers.duplicates.selectors import likely_duplicates
from customers.filters import CustomerFilter, sensitive_filters
from customers.forms import CustomerForm
from customers.masking import MASK, can_view_sensitive, masked_fields_for
from customers.models import (
    DATA_COMPONENTS,
    Customer,
    ExportFormat,
    ExportVia,
    LifecycleStage,
    SavedView,
    StaticList,
)
from customers.timeline import customer_timeline
from mis.forms import form_errors_add
from mis.pagination import without_empty_params
from mis.templatetags.mis_format import day, phone_display

HISTORY_LIMIT = 50
# What governance's erasure leaves in an anonymised record's source.
ERASED_SOURCE = "erased"
MATCH_COUNT_CAP = 10_000


# What the list's own controls send, beside the filters.
LIST_PARAMETERS = ("sort", "cols", "after", "cursor")


@require_GET
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    filters = request.GET.copy()
    for name in LIST_PARAMETERS:
        filters.pop(name, None)
    customer_filter = CustomerFilter(
        filters or None, queryset=selectors.customer_table_queryset(), request=request
    )
    if customer_filter.is_bound and not customer_filter.is_valid():
        queryset = Customer.objects.none()
    else:
        queryset = customer_filter.qs
    sort = request.GET.get("sort", "")
    page = listing.sorted_page(request, queryset, sort=sort, page_size=settings.CUSTOMER_PAGE_SIZE)
    columns = listing.chosen_columns(request.GET.getlist("cols"))
    parsed = listing.parse_sort(sort)
    # The paginator loads one row beyond the page to know there is a next one.
    reads.describe(action="list", shown=page.items)
    context = {
        "filter": customer_filter,
        "page": page,
        "sorted": parsed is not None,
        "headers": _headers(request, columns, parsed),
        "columns": columns,
        "all_columns": listing.COLUMNS.items(),
        # Counting stops at the cap: an exact count of a million matches costs
        # a scan on every page view and tells a person nothing more.
        # Without the list's ORDER BY, which would walk the created_at index.
        "match_count": queryset.order_by()[: MATCH_COUNT_CAP + 1].count(),
        "match_count_cap": MATCH_COUNT_CAP,
        # Filters on sensitive fields are hidden from those who may not use them.
        "hidden_filters": () if can_view_sensitive(request.user) else sensitive_filters(),
        "export_urls": (
            {file_format: _export_url(request, file_format) for file_format in ExportFormat.values}
            if request.user.has_perm(exports.EXPORT_PERMISSION) and not customer_filter.errors
            else None
        ),
        "saved_views": SavedView.objects.filter(owner=request.user),
        "current_query": _view_query(request),
        "bulk_actions": _bulk_actions(request.user),
        "stages": LifecycleStage.choices,
        "static_lists": StaticList.objects.values_list("name", flat=True)[:200],
    }
    if not request.htmx:
        return render(request, "customers/list.html", context)
    response = render(request, "customers/_list_results.html", context)
    # The address bar shows the filters in use, not every empty form field.
    position = {k: request.GET[k] for k in ("after", "cursor") if request.GET.get(k)}
    query = _list_query(request)
    query.update(position)
    response["HX-Push-Url"] = without_empty_params(f"{request.path}?{query.urlencode()}")
    return response


def _list_query(request):
    """The list's query without its page position, and without the column
    choice when it is the default one (the chooser's boxes are sent with
    every change of filter)."""
    query = request.GET.copy()
    for name in ("after", "cursor"):
        query.pop(name, None)
    if listing.chosen_columns(query.getlist("cols")) == listing.DEFAULT_COLUMNS:
        query.pop("cols", None)
    return query


def _view_query(request) -> str:
    """What a saved view keeps: the filters, sort and columns."""
    return without_empty_params(f"?{_list_query(request).urlencode()}").lstrip("?")


def _headers(request, columns: list[str], parsed) -> list[dict]:
    """The table's column headers, each sortable one with the link that sorts
    by it (again: the other way) and its aria-sort."""
    headers = []
    for key in ["name", *columns]:
        label = "Name" if key == "name" else listing.COLUMNS[key]
        header = {"key": key, "label": label, "url": None, "aria_sort": None}
        if key in listing.SORTS:
            descending = parsed == (key, False)
            query = _list_query(request)
            query["sort"] = f"-{key}" if descending else key
            header["url"] = without_empty_params(f"{request.path}?{query.urlencode()}")
            if parsed and parsed[0] == key:
                header["aria_sort"] = "descending" if parsed[1] else "ascending"
        headers.append(header)
    return headers


def _bulk_actions(user) -> list[tuple[str, str]]:
    from customers.bulk_actions import _PERMISSIONS, BulkAction

    actions = [(a.value, a.label) for a in BulkAction if user.has_perm(_PERMISSIONS[a])]
    if not can_view_sensitive(user):
        actions = [a for a in actions if a[0] != BulkAction.INTERESTS]
    return actions


@require_POST
@permission_required("customers.view_customer", raise_exception=True)
def customer_bulk(request):
    """One bulk action on the customers ticked on the list."""
    from customers.bulk_actions import customers_bulk_update

    back = reverse("customers:list") + (
        f"?{request.POST['query']}" if request.POST.get("query") else ""
    )
    try:
        done = customers_bulk_update(
            public_ids=request.POST.getlist("ids"),
            action=request.POST.get("action", ""),
            # The stage comes from its own list; the other actions take text.
            value=request.POST.get(
                "stage" if request.POST.get("action") == "stage" else "value", ""
            ),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, "Nothing was changed: " + " ".join(exc.messages))
    else:
        messages.success(
            request, f"{done['changed']:,} customer{pluralize(done['changed'])} {done['done']}."
        )
    return redirect(back)


@require_POST
@permission_required("customers.view_customer", raise_exception=True)
def saved_view_save(request):
    name = " ".join(request.POST.get("name", "").split())
    query = request.POST.get("query", "")[:2000]
    if not name:
        messages.error(request, "Give the view a name.")
    elif len(name) > 80:
        messages.error(request, "A view's name is at most 80 characters.")
    else:
        SavedView.objects.update_or_create(owner=request.user, name=name, defaults={"query": query})
        messages.success(request, f"The view “{name}” was saved.")
    return redirect(reverse("customers:list") + (f"?{query}" if query else ""))


@require_POST
@permission_required("customers.view_customer", raise_exception=True)
def saved_view_delete(request, pk: int):
    view = get_object_or_404(SavedView, pk=pk, owner=request.user)
    view.delete()
    messages.success(request, f"The view “{view.name}” was deleted.")
    return redirect("customers:list")


def _export_url(request, file_format: str) -> str:
    """The export of what the list shows: its filters, every page of them."""
    query = request.GET.copy()
    query.pop("cursor", None)
    query["format"] = file_format
    return without_empty_params(f"{reverse('customers:export')}?{query.urlencode()}")


@require_GET
@permission_required(["customers.view_customer", exports.EXPORT_PERMISSION], raise_exception=True)
def customer_export(request):
    """The list's current filters as a CSV or XLSX download. Mistakes (an
    unknown column or format, a bad filter value) go back to the list with a
    message; a sensitive column or filter the user may not see is refused."""
    query = request.GET.copy()
    for name in ("format", "fields"):
        query.pop(name, None)
    back = without_empty_params(f"{reverse('customers:list')}?{query.urlencode()}")
    try:
        file_format = exports.export_file_format(request.GET.get("format"))
        fields = exports.customer_export_fields(
            requested=",".join(request.GET.getlist("fields")), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    customer_filter = CustomerFilter(
        query or None, queryset=selectors.customer_export_queryset(), request=request
    )
    if customer_filter.is_bound and not customer_filter.is_valid():
        messages.error(request, "Correct the filters before exporting.")
        return redirect(back)
    queryset = customer_filter.qs
    export = exports.customer_export_start(
        actor=request.user,
        via=ExportVia.PAGE,
        fields=fields,
        filters=exports.export_filters(query),
        file_format=file_format,
    )
    return exports.customer_export_response(export=export, queryset=queryset)


def _components(customer: Customer, user) -> list[dict]:
    masked = set(masked_fields_for(user))
    sources = customer.field_sources or {}
    components = []
    for component, fields in DATA_COMPONENTS.items():
        rows = []
        for name in fields:
            field = Customer._meta.get_field(name)
            if name in masked:
                value = MASK
            elif name == "interests":
                value = ", ".join(i.name for i in customer.interests.all())
            elif getattr(field, "choices", None):
                value = getattr(customer, f"get_{name}_display")()
            elif name == "country":
                value = customer.country.name if customer.country else ""
            elif name == "phone":
                value = phone_display(customer.phone)
            else:
                value = getattr(customer, name)
                if isinstance(value, date):
                    value = day(value)
            rows.append(
                {
                    "label": field.verbose_name,
                    "value": value,
                    # Where a masked value came from would tell that it exists.
                    "source": None if name in masked else (sources.get(name) or {}).get("source"),
                }
            )
        components.append({"name": component, "rows": rows})
    return components


def _history(customer: Customer, user) -> list[dict]:
    hidden = {*masked_fields_for(user), "field_sources", "updated_at"}
    records = list(
        customer.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_LIMIT + 1
        ]
    )
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(entries) == HISTORY_LIMIT:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(older, excluded_fields=list(hidden))
            changes = [change.field for change in delta.changes]
        entries.append({"record": newer, "changes": changes})
    return entries


@require_GET
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, public_id):
    customer = selectors.customer_list_queryset().filter(public_id=public_id).first()
    if customer is None or customer.source == ERASED_SOURCE:
        return _erased_or_not_found(request, public_id, customer)
    if customer.merged_into_id:  # an old link to a merged record leads to its survivor
        return redirect(customer.merged_into)
    reads.describe(action="view", detail="customer page")
    masked = masked_fields_for(request.user)
    history = _history(customer, request.user)
    context = {
        "customer": customer,
        "timeline": customer_timeline(customer, user=request.user, history=history),
        "components": _components(customer, request.user),
        "attributes": [] if "attributes" in masked else sorted(customer.attributes.items()),
        "orders": selectors.customer_orders(customer),
        "history": history,
        "history_limit": HISTORY_LIMIT,
        # A merged record's history lives on with its survivor.
        "merged_histories": [
            {"merge": merge, "history": _history(merge.merged, request.user)}
            for merge in customer.merges_survived.filter(status="merged").select_related(
                "merged", "merged_by"
            )
        ],
        "reporting_currency": settings.REPORTING_CURRENCY,
        "quality_issues": customer.quality_issues.filter(status="open").order_by("field"),
        "masked": masked,
    }
    return render(request, "customers/detail.html", context)


def _erased_or_not_found(request, public_id, customer):
    """An erased record's page says so (410 Gone), with when and why from its
    tombstone; any other unknown id is a plain 404."""
    from governance.models import Tombstone

    if customer is not None:  # anonymised: the row stays, empty
        reference = customer.external_id.removeprefix("erased:")
        tombstone = Tombstone.objects.filter(reference=reference).first()
    else:
        tombstone = Tombstone.objects.filter(record_key=Tombstone.record_key_for(public_id)).first()
        if tombstone is None:
            raise Http404("No customer with this id.")
    return render(request, "customers/erased.html", {"tombstone": tombstone}, status=410)


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def customer_verify(request, public_id):
    customer = get_object_or_404(Customer, public_id=public_id)
    try:
        services.customer_mark_verified(customer=customer, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked verified today.")
    return redirect(customer)


def _save_form(request, form, save):
    if not form.is_valid():
        return None
    try:
        return save(form.service_data())
    except ValidationError as exc:
        form_errors_add(form, exc)
    return None


@require_http_methods(["GET", "POST"])
@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request):
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST":
        customer = _save_form(
            request,
            form,
            lambda data: services.customer_create(data=data, source="web form", actor=request.user),
        )
        if customer is not None:
            messages.success(request, f"{customer.display_name} was added.")
            for likely in likely_duplicates(customer):
                messages.warning(
                    request,
                    format_html(
                        'Possible duplicate of <a href="{}">{}</a> ({}).',
                        likely.customer.get_absolute_url(),
                        likely.customer.display_name,
                        f"{likely.probability:.0%}",
                    ),
                )
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "POST"])
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request, public_id):
    customer = get_object_or_404(Customer, public_id=public_id)
    if customer.is_archived:
        messages.error(request, "This customer is archived; restore it before editing.")
        return redirect(customer)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST":
        saved = _save_form(
            request,
            form,
            lambda data: services.customer_update(
                customer=customer, data=data, source="web form", actor=request.user
            ),
        )
        if saved is not None:
            messages.success(request, "Changes saved.")
            return redirect(saved)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@require_POST
@permission_required("customers.archive_customer", raise_exception=True)
def customer_archive(request, public_id):
    customer = get_object_or_404(Customer, public_id=public_id)
    if request.POST.get("restore"):
        services.customer_restore(customer=customer, actor=request.user)
        messages.success(request, "The customer was restored.")
    else:
        services.customer_archive(customer=customer, actor=request.user)
        messages.success(request, "The customer was archived; it no longer appears in lists.")
    return redirect(customer)


# The customer picker: a search box wherever a customer is chosen -------------


def _picker_field(request) -> str:
    """The form field the picker fills (its hidden input's name)."""
    field = request.GET.get("field", "customer")
    return field if field.isidentifier() else "customer"


@require_GET
@permission_required("customers.view_customer", raise_exception=True)
def customer_pick(request):
    """Matches for what was typed, as buttons that choose one; or, with
    ``chosen=<id>``, the picker showing that customer chosen."""
    field = _picker_field(request)
    chosen = request.GET.get("chosen")
    if chosen:
        customer = get_object_or_404(Customer, public_id=chosen, merged_into__isnull=True)
        return render(request, "customers/_picker.html", {"field": field, "chosen": customer})
    if "clear" in request.GET:
        return render(request, "customers/_picker.html", {"field": field})
    term = request.GET.get("q", "")
    return render(
        request,
        "customers/_picker_results.html",
        {
            "field": field,
            "term": term,
            "matches": selectors.customer_pick_matches(term),
            "limit": selectors.PICK_LIMIT,
        },
    )
