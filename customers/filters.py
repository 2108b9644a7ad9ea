"""Filters over customers, shared by the API and the customer list page.

Filters on rare values have an index behind them (Customer.Meta.indexes); the
others walk the created_at index of the page order (docs/adr/0006). Filters
on sensitive fields are refused for users who may not see those fields:
filtering is a way of reading.
"""

from datetime import date, datetime

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef
from django.utils import timezone

from customers import fields as registry
from customers import validation
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
    RfmSegment,
    ValuesOrientation,
)
from mis.filters import UTCDateTimeFilter

MAX_AGE = 150
IMPORT_CHANGES = [("created", "Created"), ("updated", "Updated"), ("flagged", "Flagged")]
# The customer field each filter reads, where the filter is not named after it.
FILTER_FIELDS = {"age_min": "date_of_birth", "age_max": "date_of_birth", "interest": "interests"}


def sensitive_filters() -> tuple[str, ...]:
    """The filters over a field the registry calls sensitive: filtering is a
    way of reading, so they are for those who may see the field."""
    sensitive = set(registry.sensitive_names())
    return tuple(
        name for name in CustomerFilter.base_filters if FILTER_FIELDS.get(name, name) in sensitive
    )


def _years_ago(years: int) -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


MONTH = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", "Give a month as YYYY-MM, e.g. 2026-03.")


def month_range(value: str) -> tuple[datetime, datetime]:
    """The start of the month and of the next, in TIME_ZONE (as the figures
    count months)."""
    year, month = (int(part) for part in value.split("-"))
    start = timezone.make_aware(datetime(year, month, 1))
    following = datetime(year + (month == 12), month % 12 + 1, 1)
    return start, timezone.make_aware(following)


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
    email = django_filters.CharFilter(method="filter_email", label="Email")
    phone = django_filters.CharFilter(method="filter_phone", label="Phone")
    country = django_filters.CharFilter(method="filter_country", label="Country code")
    region = django_filters.CharFilter(field_name="region", lookup_expr="iexact")
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    postcode_prefix = django_filters.CharFilter(
        method="filter_postcode_prefix", label="Postcode starts"
    )
    occupation = django_filters.CharFilter(lookup_expr="iexact")
    income_band = django_filters.ChoiceFilter(choices=IncomeBand.choices)
    # Whole years a person can be: anything else cannot name a date of birth.
    age_min = django_filters.NumberFilter(
        method="filter_age_min", label="Age from", min_value=0, max_value=MAX_AGE, decimal_places=0
    )
    age_max = django_filters.NumberFilter(
        method="filter_age_max", label="Age to", min_value=0, max_value=MAX_AGE, decimal_places=0
    )
    interest = django_filters.CharFilter(method="filter_interest", label="Interest")
    lifestyle = django_filters.ChoiceFilter(choices=Lifestyle.choices)
    values = django_filters.ChoiceFilter(choices=ValuesOrientation.choices)
    verified_before = UTCDateTimeFilter(
        field_name="last_verified_at", lookup_expr="lt", label="Verified before"
    )
    verified_after = UTCDateTimeFilter(
        field_name="last_verified_at", lookup_expr="gte", label="Verified since"
    )
    created_after = UTCDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Added since"
    )
    created_before = UTCDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Added before"
    )
    archived = django_filters.BooleanFilter(method="filter_archived", label="Archived")
    # Drill-down from the analytics figures.
    rfm_r = django_filters.NumberFilter(
        field_name="metrics__rfm_r", label="RFM recency score", min_value=1, max_value=5
    )
    rfm_f = django_filters.NumberFilter(
        field_name="metrics__rfm_f", label="RFM frequency score", min_value=1, max_value=5
    )
    rfm_segment = django_filters.ChoiceFilter(
        field_name="metrics__rfm_segment", choices=RfmSegment.choices, label="RFM segment"
    )
    first_order_month = django_filters.CharFilter(
        method="filter_first_order_month",
        label="First order in (YYYY-MM)",
        validators=[MONTH],
    )
    ordered_month = django_filters.CharFilter(
        method="filter_ordered_month", label="Ordered in (YYYY-MM)", validators=[MONTH]
    )
    static_list = django_filters.UUIDFilter(
        field_name="static_lists__public_id", label="On static list"
    )
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
            used = [name for name in sensitive_filters() if self.data.get(name) not in (None, "")]
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

    def filter_phone(self, queryset, name, value):
        """A number as people write it (07911 123456) finds the stored E.164."""
        try:
            value = validation.normalise_phone(value, "GB")
        except ValidationError:
            value = value.strip()
        return queryset.filter(phone=value)

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

    def filter_first_order_month(self, queryset, name, value):
        start, end = month_range(value)
        return queryset.filter(metrics__first_order_at__gte=start, metrics__first_order_at__lt=end)

    def filter_ordered_month(self, queryset, name, value):
        start, end = month_range(value)
        return queryset.filter(
            Exists(
                Order.objects.filter(
                    customer=OuterRef("pk"), ordered_at__gte=start, ordered_at__lt=end
                )
            )
        )

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)


class OrderFilter(django_filters.FilterSet):
    customer = django_filters.UUIDFilter(field_name="customer__public_id")
    channel = django_filters.ChoiceFilter(choices=OrderChannel.choices)
    ordered_after = UTCDateTimeFilter(field_name="ordered_at", lookup_expr="gte")
    ordered_before = UTCDateTimeFilter(field_name="ordered_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields: list[str] = []
