"""Cleaning one customer row with the shared validation.

A row without identity is rejected. A bad value in a good row is kept (raw,
where the field can hold it) and flagged, unless the import is strict, in
which case the row is rejected with the same messages."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from customers import fields as registry
from customers import validation
from customers.imports import dates
from customers.imports.mapping import ATTRIBUTE_PREFIX
from customers.models import AttributeDefinition


@dataclass
class Flag:
    field: str
    code: str
    message: str
    raw: str


@dataclass
class CleanRow:
    values: dict = field(default_factory=dict)
    interests: list[str] | None = None
    attributes: dict | None = None
    flags: list[Flag] = field(default_factory=list)
    rejection: list[str] = field(default_factory=list)


def parse_date(raw: str, date_format: str | None = None, order: str | None = None) -> date:
    return dates.parse_date(raw, order=order, date_format=date_format)


def parse_datetime(
    raw: str, date_format: str | None = None, tz=None, order: str | None = None
) -> datetime:
    """A date and time; a naive one is in ``tz`` (default: the current time zone)."""
    value = dates.parse(raw, order=order, date_format=date_format)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, tz)
    return value


@functools.cache
def _choices_of(enum) -> dict[str, str]:
    """Each choice by its value and by its label, lower case."""
    found = {}
    for value, label in reversed(enum.choices):  # the first choice wins a clash
        found[str(label).lower()] = value
        found[value] = value
    return found


def _choice(enum, raw: str) -> str | None:
    return _choices_of(enum).get(raw.strip().lower())


# Distinct values remembered per column and job.
REMEMBERED_VALUES = 100_000


def _remembered(judge):
    return functools.lru_cache(maxsize=REMEMBERED_VALUES)(judge)


def _judge(validator):
    """A validator as (value, problem or None), so that its verdict can be kept."""

    def judge(value):
        try:
            validator(value)
        except ValidationError as exc:
            return value, exc.messages[0]
        return value, None

    return judge


def _judge_country(raw: str):
    code = validation.normalise_country(raw)
    return _judge(validation.validate_country)(code)


def _judge_phone(raw: str, country: str):
    try:
        return validation.normalise_phone(raw, country), None
    except ValidationError as exc:
        return "", exc.messages[0]


def _judge_postcode(raw: str, country: str):
    postcode = validation.normalise_postcode(raw, country)
    try:
        validation.validate_postcode(postcode, country)
    except ValidationError as exc:
        return postcode, exc.messages[0]
    return postcode, None


def _judge_date(raw: str, date_format: str | None, order: str | None):
    try:
        return parse_date(raw, date_format, order), None
    except ValueError as exc:
        return None, str(exc)


class RowCleaner:
    """Cleans rows of one import: definitions are looked up once."""

    def __init__(
        self,
        *,
        date_format: str | None = None,
        strict: bool = False,
        date_orders: dict[str, str] | None = None,
    ):
        self.date_format = date_format
        # Target field -> how its column writes dates (dates.DAY_FIRST...).
        self.date_orders = date_orders or {}
        self.strict = strict
        self.definitions = {d.name: d for d in AttributeDefinition.objects.filter(is_active=True)}
        # Looked up once per import, not once per row.
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        # Each distinct value is judged once per job (a file repeats its towns,
        # postcodes, dates and, across a re-import, everything): the shared
        # validation, remembered. Bounded, so memory stays flat on a file of
        # unique values.
        self._country = _remembered(_judge_country)
        self._email = _remembered(_judge(validation.validate_email))
        self._phone = _remembered(_judge_phone)
        self._postcode = _remembered(_judge_postcode)
        self._date = _remembered(_judge_date)
        # The registry as this job reads it, looked up once.
        self.field_of_column = {spec.import_column: spec.name for spec in registry.FIELDS}
        self.max_length = {spec.name: spec.max_length for spec in registry.FIELDS}
        self.of_type = {
            kind: tuple(spec for spec in registry.FIELDS if spec.type == kind)
            for kind in registry.Type
        }

    def clean(self, raw: dict[str, str]) -> CleanRow:
        row = CleanRow()
        text = {}
        for column, value in raw.items():
            text[self.field_of_column.get(column, column)] = (value or "").strip()

        for spec in self.of_type[registry.Type.TEXT]:
            name = spec.name
            if name in text:
                value = " ".join(text[name].split())
                if len(value) > self.max_length[name]:
                    self._flag(
                        row,
                        name,
                        "too_long",
                        f"longer than {self.max_length[name]} characters",
                        value,
                    )
                    value = ""
                row.values[name] = value

        email = validation.normalise_email(text.get("email"))
        if not any(
            row.values.get(n)
            for n in ("external_id", "first_name", "last_name", "organisation_name")
        ) and not (email and len(email) <= self.max_length["email"]):
            if email:
                row.rejection.append(
                    "No identity: the row has no external id and no name, and its email is "
                    f"longer than {self.max_length['email']} characters."
                )
            else:
                row.rejection.append(
                    "No identity: the row has no external id, no email and no name."
                )
            return row

        for spec in self.of_type[registry.Type.CHOICE]:
            name, enum = spec.name, spec.choices
            if text.get(name):
                value = _choice(enum, text[name])
                if value is None:
                    allowed = ", ".join(v for v, _ in enum.choices)
                    self._flag(
                        row,
                        name,
                        "invalid_choice",
                        f"“{text[name]}” is not one of {allowed}",
                        text[name],
                    )
                else:
                    row.values[name] = value
            elif name in text and not spec.blank_keeps:
                row.values[name] = ""

        country = "GB"
        if "country" in text:
            code, problem = self._country(text["country"])
            if problem:
                self._flag(row, "country", "invalid_country", problem, text["country"])
                row.values["country"] = ""
            else:
                row.values["country"] = code
                country = code or "GB"

        if "email" in text:
            if len(email) > self.max_length["email"]:
                self._flag(
                    row,
                    "email",
                    "too_long",
                    f"longer than {self.max_length['email']} characters",
                    text["email"],
                )
                email = ""
            else:
                _, problem = self._email(email)
                if problem:
                    self._flag(row, "email", "invalid_email", problem, text["email"])
            row.values["email"] = email

        if "phone" in text:
            row.values["phone"], problem = self._phone(text["phone"], country)
            if problem:
                self._flag(row, "phone", "invalid_phone", problem, text["phone"])
                raw_phone = text["phone"]
                row.values["phone"] = (
                    raw_phone if len(raw_phone) <= self.max_length["phone"] else ""
                )

        if "postcode" in text:
            postcode, problem = self._postcode(text["postcode"], country)
            if problem:
                self._flag(row, "postcode", "invalid_postcode", problem, text["postcode"])
                postcode = text["postcode"]  # kept as found, not reshaped
            if len(postcode) > self.max_length["postcode"]:
                if not any(f.field == "postcode" for f in row.flags):
                    self._flag(
                        row,
                        "postcode",
                        "too_long",
                        f"longer than {self.max_length['postcode']} characters",
                        text["postcode"],
                    )
                postcode = ""
            row.values["postcode"] = postcode

        if "date_of_birth" in text:
            row.values["date_of_birth"] = None
            if text["date_of_birth"]:
                dob, problem = self._date(
                    text["date_of_birth"], self.date_format, self.date_orders.get("date_of_birth")
                )
                if problem:
                    self._flag(row, "date_of_birth", "invalid_date", problem, text["date_of_birth"])
                else:
                    # An implausible date is still a date: kept, and flagged.
                    self._check(
                        row,
                        "date_of_birth",
                        "implausible_date_of_birth",
                        validation.validate_date_of_birth,
                        dob,
                        self.today,
                        raw=text["date_of_birth"],
                    )
                    row.values["date_of_birth"] = dob

        for spec in self.of_type[registry.Type.INTEGER]:
            name = spec.name
            if name not in text:
                continue
            row.values[name] = None
            if text[name]:
                try:
                    number = int(text[name])
                    if not spec.min_value <= number <= spec.max_value:
                        raise ValueError
                    row.values[name] = number
                except ValueError:
                    self._flag(
                        row,
                        name,
                        f"invalid_{name}",
                        f"“{text[name]}” is not a {spec.label} ({spec.limits_text()})",
                        text[name],
                    )

        if "last_verified_at" in text:
            row.values["last_verified_at"] = None
            if text["last_verified_at"]:
                try:
                    row.values["last_verified_at"] = parse_datetime(
                        text["last_verified_at"],
                        self.date_format,
                        self.tz,
                        self.date_orders.get("last_verified_at"),
                    )
                except ValueError as exc:
                    self._flag(
                        row, "last_verified_at", "invalid_date", str(exc), text["last_verified_at"]
                    )

        if "interests" in text:
            longest = self.max_length["interests"]
            tags = [validation.normalise_tag(t) for t in text["interests"].split(";")]
            row.interests = sorted({t for t in tags if t and len(t) <= longest})
            for tag in tags:
                if len(tag) > longest:
                    self._flag(
                        row,
                        "interests",
                        "too_long",
                        f"an interest is over {longest} characters",
                        tag,
                    )

        attributes = {
            k[len(ATTRIBUTE_PREFIX) :]: v for k, v in text.items() if k.startswith(ATTRIBUTE_PREFIX)
        }
        if attributes:
            row.attributes = {}
            for name, value in attributes.items():
                try:
                    cleaned = self.definitions[name].clean_value(value)
                except KeyError:
                    self._flag(
                        row,
                        f"attributes.{name}",
                        "unknown_attribute",
                        "not an active attribute",
                        value,
                    )
                    continue
                except ValidationError as exc:
                    self._flag(
                        row, f"attributes.{name}", "invalid_attribute", exc.messages[0], value
                    )
                    continue
                if cleaned is not None:
                    row.attributes[name] = cleaned

        if self.strict and row.flags:
            row.rejection.extend(f"{f.field}: {f.message}" for f in row.flags)
        return row

    def _flag(self, row: CleanRow, name: str, code: str, message: str, raw: str) -> None:
        row.flags.append(Flag(name, code, message.rstrip("."), str(raw)))

    def _check(self, row, name, code, func, value, *args, raw=None) -> None:
        try:
            func(value, *args)
        except ValidationError as exc:
            self._flag(row, name, code, exc.messages[0], raw if raw is not None else value)
