"""Filters over customers, shared by the API and the customer list page.

Every filter here has an index behind it (see Customer.Meta.indexes). Filters
on sensitive fields are refused for users who may not see those fields:
filtering is a way of reading.
"""

from datetime import date

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from customers.masking import can_view_sensitive
from customers.models import (
    Customer,
    CustomerKind,
    IncomeBand,
    LifecycleStage,
    Lifestyle,
    Order,
    OrderChannel,
    QualityIssue,
    ValuesOrientation,
)

IMPORT_CHANGES = [("created", "Created"), ("updated", "Updated"), ("flagged", "Flagged")]
SENSITIVE_FILTERS = ("income_band", "age_min", "age_max", "interest", "lifestyle", "values")


def _years_ago(years: int) -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    kind = django_filters.ChoiceFilter(choices=CustomerKind.choices)
    # distinct=False: "stage in (...)" on the customer's own column cannot
    # repeat a row, and the DISTINCT django-filter adds by default sorts
    # every selected column of the page.
    lifecycle_stage = django_filters.MultipleChoiceFilter(
        choices=LifecycleStage.choices, label="Lifecycle stage", distinct=False
    )
    source = django_filters.CharFilter()
    email = django_filters.CharFilter(method="filter_email")
    phone = django_filters.CharFilter()
    country = django_filters.CharFilter(method="filter_country")
    region = django_filters.CharFilter(field_name="region", lookup_expr="iexact")
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    postcode_prefix = django_filters.CharFilter(
        method="filter_postcode_prefix", label="Postcode starts"
    )
    occupation = django_filters.CharFilter(lookup_expr="iexact")
    income_band = django_filters.ChoiceFilter(choices=IncomeBand.choices)
    age_min = django_filters.NumberFilter(method="filter_age_min", label="Age from")
    age_max = django_filters.NumberFilter(method="filter_age_max", label="Age to")
    interest = django_filters.CharFilter(method="filter_interest")
    lifestyle = django_filters.ChoiceFilter(choices=Lifestyle.choices)
    values = django_filters.ChoiceFilter(choices=ValuesOrientation.choices)
    verified_before = django_filters.DateTimeFilter(field_name="last_verified_at", lookup_expr="lt")
    verified_after = django_filters.DateTimeFilter(field_name="last_verified_at", lookup_expr="gte")
    created_after = django_filters.DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.DateTimeFilter(field_name="created_at", lookup_expr="lt")
    archived = django_filters.BooleanFilter(method="filter_archived")
    # The records one import created, updated or flagged (its summary links here).
    imported_by = django_filters.UUIDFilter(method="filter_imported_by", label="Import")
    import_change = django_filters.ChoiceFilter(
        choices=IMPORT_CHANGES, method="filter_noop", label="What the import did"
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    @property
    def qs(self):
        user = getattr(self.request, "user", None)
        if not can_view_sensitive(user):
            used = [name for name in SENSITIVE_FILTERS if self.data.get(name) not in (None, "")]
            if used:
                raise PermissionDenied(
                    "You do not have permission to filter on sensitive data: "
                    + ", ".join(used)
                    + "."
                )
        queryset = super().qs
        archived = (
            self.form.cleaned_data.get("archived") if self.is_bound and self.is_valid() else None
        )
        if archived is None:
            queryset = queryset.filter(archived_at__isnull=True)
        # A merged record lives on only as a pointer to its survivor: never listed.
        return queryset.filter(merged_into__isnull=True)

    def filter_search(self, queryset, name, value):
        term = " ".join(value.split()).upper()
        if not term:
            return queryset
        return queryset.filter(search_text__contains=term)

    def filter_email(self, queryset, name, value):
        return queryset.filter(email=value.strip().lower())

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())

    def filter_postcode_prefix(self, queryset, name, value):
        return queryset.filter(postcode__startswith=value.strip().upper())

    def filter_age_min(self, queryset, name, value):
        return queryset.filter(date_of_birth__lte=_years_ago(int(value)))

    def filter_age_max(self, queryset, name, value):
        # Younger than age_max + 1 years means at most age_max.
        return queryset.filter(date_of_birth__gt=_years_ago(int(value) + 1))

    def filter_interest(self, queryset, name, value):
        return queryset.filter(interests__name=value.strip().lower())

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_imported_by

    def filter_imported_by(self, queryset, name, value):
        """An import names itself in the history rows it writes (created,
        updated) and in the quality issues it opens (flagged)."""
        reason = f"import {value}"
        change = self.form.cleaned_data.get("import_change") or ""
        if change == "flagged":
            flagged = QualityIssue.objects.filter(detected_by=reason)
            return queryset.filter(pk__in=flagged.values("customer_id"))
        history = Customer.history.filter(history_change_reason=reason)
        if change in ("created", "updated"):
            history = history.filter(history_type="+" if change == "created" else "~")
        return queryset.filter(pk__in=history.values("id"))

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)


class OrderFilter(django_filters.FilterSet):
    customer = django_filters.UUIDFilter(field_name="customer__public_id")
    channel = django_filters.ChoiceFilter(choices=OrderChannel.choices)
    ordered_after = django_filters.DateTimeFilter(field_name="ordered_at", lookup_expr="gte")
    ordered_before = django_filters.DateTimeFilter(field_name="ordered_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields: list[str] = []
