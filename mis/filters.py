"""Filter fields shared by every filter set (pages and API): each refuses a
value the database cannot take, so a bad filter is a 400 naming the field and
the reason, never a 500."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError


class UTCDateTimeField(forms.DateTimeField):
    """A date-time in any offset Python accepts (up to ±23:59), compared in
    UTC: PostgreSQL refuses offsets beyond ±15:59, and a date at the edge of
    the calendar may have no UTC equivalent."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError(
                "This date and time is out of range.", code="out_of_range"
            ) from exc


class UTCDateTimeFilter(django_filters.DateTimeFilter):
    field_class = UTCDateTimeField
