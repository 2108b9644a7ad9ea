"""The one place where customer data is normalised and validated.

Model ``clean()``, forms, the API and imports all call these functions, so a
value is judged the same way whichever door it came in through. Each validator
raises ``django.core.exceptions.ValidationError`` with a message a person can
act on; normalisers return the canonical form.
"""

from __future__ import annotations

import functools
import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.utils import timezone
from django_countries import countries

# The oldest plausible customer; anything older is a typo (1899 for 1989).
MAX_AGE_YEARS = 120

# Postcode shapes per ISO country, checked after normalise_postcode().
POSTCODE_PATTERNS: dict[str, re.Pattern[str]] = {
    # Royal Mail format, including GIR 0AA and the BFPO-free civilian shapes.
    "GB": re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2})$"),
    "US": re.compile(r"^[0-9]{5}(-[0-9]{4})?$"),
    "AU": re.compile(r"^[0-9]{4}$"),
    "DE": re.compile(r"^[0-9]{5}$"),
    "FR": re.compile(r"^[0-9]{5}$"),
    "IE": re.compile(r"^[AC-FHKNPRTV-Y][0-9]{2}[0-9W]? ?[0-9AC-FHKNPRTV-Y]{4}$"),
    "NL": re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$"),
    "CA": re.compile(r"^[ABCEGHJ-NPRSTVXY][0-9][A-Z] [0-9][A-Z][0-9]$"),
    "ES": re.compile(r"^[0-9]{5}$"),
    "IT": re.compile(r"^[0-9]{5}$"),
}


def normalise_email(value: str | None) -> str:
    """Trim and lower-case an email address (domains are case-insensitive and in
    practice so are mailboxes; matching needs one spelling)."""
    return (value or "").strip().lower()


def validate_email(value: str) -> None:
    if not value:
        return
    try:
        django_validate_email(value)
    except ValidationError:
        raise ValidationError(
            "“%(value)s” is not a valid email address.",
            code="invalid_email",
            params={"value": value},
        ) from None


@functools.cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes. Cached: listing countries translates every
    name, far too slow to repeat for each row of an import."""
    return frozenset(code for code, _ in countries)


@functools.cache
def _country_by_name(name: str) -> str:
    return countries.by_name(name) or ""


def normalise_country(value: str | None) -> str:
    """Return the ISO 3166-1 alpha-2 code for a code or an English country name."""
    raw = (value or "").strip()
    if not raw:
        return ""
    code = raw.upper()
    if code == "UK":  # common, but not ISO 3166
        return "GB"
    if code in country_codes():
        return code
    return _country_by_name(raw.lower()) or code


def validate_country(value: str) -> None:
    if value and value not in country_codes():
        raise ValidationError(
            "“%(value)s” is not an ISO 3166 country code (for example GB, IE, US).",
            code="invalid_country",
            params={"value": value},
        )


# Numbers already normalised, by (as written, region; None for a number
# written with its country code, which needs no region). Parsing a number is
# the costliest check there is, and an import asks about each number twice
# (cleaning, then the suppression list): bounded, and cleared when full.
_PHONES: dict[tuple[str, str | None], str] = {}
PHONES_REMEMBERED = 50_000


def normalise_phone(value: str | None, country: str | None = None) -> str:
    """Return the number in E.164 (+447700900123). Numbers written without a
    country prefix are read as belonging to ``country`` (GB when unknown).

    Raises ValidationError when the number cannot be a real phone number.
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    region = (country or "GB").upper()
    key = (raw, None if raw.startswith("+") else region)
    known = _PHONES.get(key)
    if known is not None:
        return known
    normalised = _normalise_phone(raw, region)
    if len(_PHONES) >= PHONES_REMEMBERED:
        _PHONES.clear()
    _PHONES[key] = normalised
    # A valid number in E.164 normalises to itself, whatever the region.
    _PHONES[(normalised, None)] = normalised
    return normalised


def _normalise_phone(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "“%(value)s” is not a valid phone number for %(region)s; write it with its country "
            "code, for example +44 7911 123456.",
            code="invalid_phone",
            params={"value": raw, "region": region},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_postcode(value: str | None, country: str | None = None) -> str:
    """Upper-case and fix the spacing of a postcode. For GB and CA the inward part
    is always the last three characters, so the space can be put back."""
    raw = re.sub(r"\s+", " ", (value or "").strip().upper())
    if country in {"GB", "CA"}:
        compact = raw.replace(" ", "")
        if len(compact) > 3:
            return f"{compact[:-3]} {compact[-3:]}"
    return raw


def validate_postcode(value: str, country: str | None) -> None:
    if not value:
        return
    pattern = POSTCODE_PATTERNS.get((country or "").upper())
    if pattern is not None and not pattern.match(value):
        raise ValidationError(
            "“%(value)s” is not a valid postcode for %(country)s.",
            code="invalid_postcode",
            params={"value": value, "country": country},
        )


def validate_date_of_birth(value: date | None, today: date | None = None) -> None:
    if value is None:
        return
    today = today or timezone.localdate()
    if value > today:
        raise ValidationError("Date of birth cannot be in the future.", code="future_date_of_birth")
    if today.year - value.year > MAX_AGE_YEARS:
        raise ValidationError(
            "Date of birth %(value)s means an age over %(max)s years; check the year.",
            code="implausible_date_of_birth",
            params={"value": value.isoformat(), "max": MAX_AGE_YEARS},
        )


def validate_currency(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", value or ""):
        raise ValidationError(
            "“%(value)s” is not an ISO 4217 currency code (three capital letters, such as GBP).",
            code="invalid_currency",
            params={"value": value},
        )


def normalise_tag(value: str) -> str:
    """Interests are compared case-insensitively and without stray spaces."""
    return re.sub(r"\s+", " ", (value or "").strip().lower())
