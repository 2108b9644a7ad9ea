"""One way to show dates, times, phone numbers, figures and codes on every page.

Loaded as a builtin (settings.TEMPLATES), so every template has them:

- ``{{ value|day }}``: 4 Dec 2026
- ``{{ value|moment }}``: 4 Dec 2026, 14:05 (in TIME_ZONE)
- ``{{ value|phone }}``: a stored E.164 number in its country's national
  format (07911 123456), or international for another country than ours
- ``{{ value|number }}``: 12,345 (whole) or 12,345.68 (``number:2``)
- ``{{ code|label }}``: a stored code's words (``label:"purpose"`` to say which)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import phonenumbers
from django import template
from django.conf import settings
from django.utils import timezone

from mis.labels import label_for

register = template.Library()

DAY = "%-d %b %Y"
TIME = "%H:%M"
# National format for numbers of this country, international for the others.
HOME_REGION = getattr(settings, "PHONE_REGION", "GB")


def _local(value):
    """A moment in TIME_ZONE (what the person's clock said); dates as they are."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def day(value) -> str:
    value = _local(value)
    if isinstance(value, dt.date):  # a datetime is a date too
        return value.strftime(DAY)
    return str(value or "")


@register.filter
def moment(value) -> str:
    value = _local(value)
    if isinstance(value, dt.datetime):
        return f"{value.strftime(DAY)}, {value.strftime(TIME)}"
    return day(value)


def phone_display(value: str) -> str:
    if not value:
        return ""
    try:
        number = phonenumbers.parse(str(value), HOME_REGION)
    except phonenumbers.NumberParseException:
        return str(value)
    if not phonenumbers.is_possible_number(number):
        return str(value)
    region = phonenumbers.region_code_for_country_code(number.country_code)
    kind = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == HOME_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, kind)


@register.filter
def phone(value) -> str:
    return phone_display(value)


@register.filter
def number(value, places=0) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
        places = int(places)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    return f"{amount:,.{places}f}"


@register.filter
def label(value, vocabulary: str = "") -> str:
    return label_for(value, vocabulary)


@register.filter
def rules_sentence(rules) -> str:
    from customers.segments.sentence import rules_sentence as sentence

    return sentence(rules)
