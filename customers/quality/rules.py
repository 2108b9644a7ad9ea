"""What each kind of quality rule checks, with the shared validation of
``customers.validation``: a value is judged the same way by a rule as by the
forms, the API and imports.

``RuleSet`` is built once per sweep (or check) from the active rules. It
judges one record from a dict of its values (``judge``), and serves the
set-based check (``customers.quality.services``): the rules that SQL can
state (completeness, patterns, currency, date of birth) compile to a
condition over the customer table (``sql``); the others (the shared
validation of emails, phone numbers, postcodes and countries, and the
consistency checks) judge each distinct combination of the values they read
once (``message_for``), however many records share it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from customers import validation
from customers.models import Contactability, Customer, LifecycleStage, QualityRule, RuleKind

# The record's own columns a rule may name (interests, a many-to-many, and
# the derived or bookkeeping columns are not among them).
CHECKABLE_FIELDS = tuple(
    f.name
    for f in Customer._meta.concrete_fields
    if f.name
    not in {
        "id",
        "public_id",
        "search_text",
        "field_sources",
        "attributes",
        "created_at",
        "updated_at",
        "archived_at",
        "merged_into",
    }
)


def _email(value, record, today):
    validation.validate_email(value)
    # Well formed, but a campaign reported that it does not exist.
    if record.get("contactability") == Contactability.HARD_BOUNCE:
        raise ValidationError("The address hard-bounced: mail to it cannot be delivered.")


def _phone(value, record, today):
    validation.normalise_phone(value, record.get("country") or None)


def _postcode(value, record, today):
    country = record.get("country") or ""
    validation.validate_postcode(validation.normalise_postcode(value, country), country)


def _date_of_birth(value, record, today):
    validation.validate_date_of_birth(value, today)


def _country(value, record, today):
    validation.validate_country(value)


# The values each validity check reads (the field first).
VALIDITY_READS: dict[str, tuple[str, ...]] = {
    "email": ("email", "contactability"),
    "phone": ("phone", "country"),
    "postcode": ("postcode", "country"),
    "date_of_birth": ("date_of_birth",),
    "country": ("country",),
}


# Validity rules: the field, and the shared check that judges its value.
VALIDITY_CHECKS: dict[str, Callable] = {
    "email": _email,
    "phone": _phone,
    "postcode": _postcode,
    "date_of_birth": _date_of_birth,
    "country": _country,
}


def _postcode_country(record) -> str | None:
    """A postcode shaped like another country's while not like its own."""
    postcode, country = record.get("postcode") or "", record.get("country") or ""
    own = validation.POSTCODE_PATTERNS.get(country)
    if not postcode or own is None or own.match(validation.normalise_postcode(postcode, country)):
        return None
    for other, pattern in validation.POSTCODE_PATTERNS.items():
        if other != country and pattern.match(validation.normalise_postcode(postcode, other)):
            return f"“{postcode}” looks like a {other} postcode, but the country is {country}"
    return None


def _phone_country(record) -> str | None:
    """A phone number of another country than the record's. Compared by
    calling code: +44 serves GB, Guernsey, Jersey and the Isle of Man alike."""
    phone, country = record.get("phone") or "", record.get("country") or ""
    expected = phonenumbers.country_code_for_region(country) if country else 0
    if not phone.startswith("+") or not expected:
        return None
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != expected:
        region = phonenumbers.region_code_for_number(number) or f"+{number.country_code}"
        return f"the phone number {phone} is from {region}, but the country is {country}"
    return None


CONSISTENCY_CHECKS: dict[str, tuple[tuple[str, ...], Callable]] = {
    # check name: (the fields it reads, the check)
    "postcode_country": (("postcode", "country"), _postcode_country),
    "phone_country": (("phone", "country"), _phone_country),
}


def rule_problems(rule: QualityRule) -> None:
    """Raise ValidationError, per field, for a rule that cannot be applied."""
    errors: dict[str, str] = {}
    params = rule.params if isinstance(rule.params, dict) else {}
    if not isinstance(rule.params, dict):
        errors["params"] = "Parameters are a JSON object."
    if rule.lifecycle_stage and rule.lifecycle_stage not in LifecycleStage.values:
        errors["lifecycle_stage"] = (
            f"“{rule.lifecycle_stage}” is not a lifecycle stage "
            f"({', '.join(LifecycleStage.values)})."
        )
    if rule.kind in (RuleKind.COMPLETENESS, RuleKind.REGEX) and rule.field not in CHECKABLE_FIELDS:
        errors["field"] = (
            f"“{rule.field}” is not a field a rule can check "
            f"(one of: {', '.join(CHECKABLE_FIELDS)})."
        )
    if rule.kind == RuleKind.VALIDITY and rule.field not in VALIDITY_CHECKS:
        errors["field"] = (
            f"Validity is checked for {', '.join(VALIDITY_CHECKS)}; not for “{rule.field}”."
        )
    if rule.kind == RuleKind.CURRENCY:
        months = params.get("months")
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 600:
            errors["params"] = 'Currency rules need {"months": N}, N from 1 to 600.'
    if rule.kind == RuleKind.REGEX:
        pattern = params.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            errors["params"] = 'Pattern rules need {"pattern": "...", "must_match": true}.'
        else:
            try:
                re.compile(pattern)
            except re.error as exc:
                errors["params"] = f"The pattern is not a valid regular expression: {exc}."
            else:
                problem = _database_regex_problem(pattern)
                if problem:
                    errors["params"] = (
                        f"The pattern is not one the database can apply to every record: {problem}."
                    )
    if rule.kind == RuleKind.CONSISTENCY and params.get("check") not in CONSISTENCY_CHECKS:
        errors["params"] = (
            'Consistency rules name their check: {"check": "'
            + '" or "'.join(CONSISTENCY_CHECKS)
            + '"}.'
        )
    if errors:
        raise ValidationError(errors)


def _database_regex_problem(pattern: str) -> str | None:
    """Sweeps apply a pattern in the database (PostgreSQL's regular
    expressions, which differ from Python's in a few constructs)."""
    if connection.vendor != "postgresql":
        return None  # SQLite's REGEXP is Python's re
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT '' ~ %s", [pattern])
    except DatabaseError as exc:
        return str(exc).splitlines()[0]
    return None


def rules_digest(rules: list[QualityRule]) -> str:
    """What the rules check, in one string: a sweep judges every record again
    when the rules differ from the last sweep's."""
    described = sorted(
        (
            r.code,
            r.kind,
            r.field,
            r.lifecycle_stage,
            r.severity,
            json.dumps(r.params, sort_keys=True),
        )
        for r in rules
    )
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


@dataclass(frozen=True)
class Violation:
    rule: QualityRule
    field: str
    message: str
    raw: str


@dataclass(frozen=True)
class SqlRule:
    """A rule as SQL: the condition a violating record meets (its lifecycle
    stage included), the message and the raw value, each an expression."""

    condition: str
    params: list
    message: str
    message_params: list
    raw: str


def customer_column(field: str) -> str:
    """The quoted column of a customer field (a rule's field name)."""
    field_object = Customer._meta.get_field(field)
    assert isinstance(field_object, Field)
    return connection.ops.quote_name(field_object.column)


def _blank(value) -> bool:
    return value is None or value == "" or (hasattr(value, "code") and not value.code)


class RuleSet:
    """The active rules, ready to judge records."""

    def __init__(self, rules: list[QualityRule] | None = None, *, today: dt.date | None = None):
        self.rules = (
            rules
            if rules is not None
            else list(QualityRule.objects.filter(is_active=True).order_by("code"))
        )
        self.today = today or timezone.localdate()
        self.patterns = {
            rule.pk: re.compile(rule.params["pattern"])
            for rule in self.rules
            if rule.kind == RuleKind.REGEX
        }
        self._memo: dict[tuple, str | None] = {}
        self.fields = sorted(
            {"id", "lifecycle_stage", "country", "last_verified_at", "contactability"}
            | {r.field for r in self.rules if r.field}
            | {f for r in self.rules if r.kind == RuleKind.CONSISTENCY for f in self._reads(r)}
        )

    @staticmethod
    def _reads(rule) -> tuple[str, ...]:
        return CONSISTENCY_CHECKS[rule.params["check"]][0]

    # Set-based checking ------------------------------------------------------

    @staticmethod
    def in_sql(rule: QualityRule) -> bool:
        """Whether the rule is stated in SQL (else judged in Python, once per
        distinct combination of the values it reads)."""
        return rule.kind in (RuleKind.COMPLETENESS, RuleKind.REGEX, RuleKind.CURRENCY) or (
            rule.kind == RuleKind.VALIDITY and rule.field == "date_of_birth"
        )

    @staticmethod
    def time_based(rule: QualityRule) -> bool:
        """Whether the rule's verdict can change with the date alone, with no
        change to the record: these are judged over every record each night."""
        return rule.kind == RuleKind.CURRENCY or (
            rule.kind == RuleKind.VALIDITY and rule.field == "date_of_birth"
        )

    def reads(self, rule: QualityRule) -> tuple[str, ...]:
        """The values a Python-judged rule reads."""
        if rule.kind == RuleKind.CONSISTENCY:
            return self._reads(rule)
        return VALIDITY_READS[rule.field]

    def message_for(self, rule: QualityRule, values: tuple) -> str | None:
        """The violation message for these values of ``reads(rule)``, judged
        once per distinct combination."""
        key = (rule.pk, rule.code, values)
        if key not in self._memo:
            self._memo[key] = self._message(rule, dict(zip(self.reads(rule), values, strict=True)))
        return self._memo[key]

    def sql(self, rule: QualityRule) -> SqlRule:
        """The rule as SQL over the customer table aliased ``c``."""
        column = f"c.{customer_column(rule.field)}" if rule.field else ""
        text = f"CAST({column} AS varchar)" if column else "''"
        condition, params, message, message_params = "1 = 1", [], "''", []
        if rule.kind == RuleKind.COMPLETENESS:
            condition = f"({column} IS NULL OR {text} = '')"
            message, message_params = "%s", [f"{rule.field} is missing"]
        elif rule.kind == RuleKind.REGEX:
            matches = connection.ops.regex_lookup("regex") % (text, "%s")
            negate = "NOT " if rule.params.get("must_match", True) else ""
            condition = f"({column} IS NOT NULL AND {text} <> '' AND {negate}({matches}))"
            params = [rule.params["pattern"]]
            if rule.params.get("message"):
                message, message_params = "%s", [rule.params["message"]]
            else:
                verdict = "does not match the pattern" if negate else "matches a forbidden pattern"
                message = f"%s || {text} || %s"
                message_params = ["“", f"” {verdict}"]
        elif rule.kind == RuleKind.CURRENCY:
            months = rule.params["months"]
            cutoff = self.today - dt.timedelta(days=round(months * 30.44))
            start = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
            condition = "(c.last_verified_at IS NULL OR c.last_verified_at < %s)"
            params = [start]
            day, day_params = connection.ops.datetime_cast_date_sql(
                "c.last_verified_at", (), timezone.get_current_timezone_name()
            )
            message = (
                "CASE WHEN c.last_verified_at IS NULL THEN %s "
                f"ELSE %s || CAST({day} AS varchar) || %s END"
            )
            message_params = [
                "never verified",
                "last verified ",
                *day_params,
                f", over {months} months ago",
            ]
        elif rule.kind == RuleKind.VALIDITY and rule.field == "date_of_birth":
            oldest = dt.date(self.today.year - validation.MAX_AGE_YEARS, 1, 1)
            condition = f"({column} IS NOT NULL AND ({column} > %s OR {column} < %s))"
            params = [self.today, oldest]
            message = f"CASE WHEN {column} > %s THEN %s ELSE %s || {text} || %s END"
            message_params = [
                self.today,
                "Date of birth cannot be in the future",
                "Date of birth ",
                f" means an age over {validation.MAX_AGE_YEARS} years; check the year",
            ]
        else:
            raise ValueError(f"Rule {rule.code} is judged in Python, not SQL.")
        if rule.lifecycle_stage:
            condition = f"(c.lifecycle_stage = %s AND {condition})"
            params = [rule.lifecycle_stage, *params]
        return SqlRule(condition, params, message, message_params, text)

    def applies(self, rule: QualityRule, record: dict) -> bool:
        return not rule.lifecycle_stage or record.get("lifecycle_stage") == rule.lifecycle_stage

    def judge(self, record: dict) -> tuple[list[Violation], set[str]]:
        """The record's violations, and the fields whose values passed a
        validity check (their earlier import flags can close)."""
        violations: list[Violation] = []
        passed: set[str] = set()
        for rule in self.rules:
            if not self.applies(rule, record):
                continue
            message = self._message(rule, record)
            if message is None:
                if rule.kind == RuleKind.VALIDITY and not _blank(record.get(rule.field)):
                    passed.add(rule.field)
                continue
            value = record.get(rule.field) if rule.field else None
            violations.append(
                Violation(
                    rule, rule.field or "record", message[:500], "" if value is None else str(value)
                )
            )
        return violations, passed

    def _message(self, rule: QualityRule, record: dict) -> str | None:
        value = record.get(rule.field) if rule.field else None
        if rule.kind == RuleKind.COMPLETENESS:
            return f"{rule.field} is missing" if _blank(value) else None
        if rule.kind == RuleKind.VALIDITY:
            if _blank(value):
                return None
            try:
                VALIDITY_CHECKS[rule.field](value, record, self.today)
            except ValidationError as exc:
                return exc.messages[0].rstrip(".")
            return None
        if rule.kind == RuleKind.CURRENCY:
            cutoff = self.today - dt.timedelta(days=round(rule.params["months"] * 30.44))
            verified = record.get("last_verified_at")
            if verified is None:
                return "never verified"
            day = timezone.localdate(verified)
            if day < cutoff:
                return f"last verified {day:%Y-%m-%d}, over {rule.params['months']} months ago"
            return None
        if rule.kind == RuleKind.REGEX:
            if _blank(value):
                return None
            matched = self.patterns[rule.pk].search(str(value)) is not None
            if matched != bool(rule.params.get("must_match", True)):
                return rule.params.get("message") or (
                    f"“{value}” does not match the pattern"
                    if not matched
                    else f"“{value}” matches a forbidden pattern"
                )
            return None
        if rule.kind == RuleKind.CONSISTENCY:
            return CONSISTENCY_CHECKS[rule.params["check"]][1](record)
        return None
