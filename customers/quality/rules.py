"""What each kind of quality rule checks, with the shared validation of
``customers.validation``: a value is judged the same way by a rule as by the
forms, the API and imports.

``RuleSet`` is built once per sweep (or check) from the active rules and
judges one record at a time, from a dict of the record's values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
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
        "quality_score",
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
    if rule.kind == RuleKind.CONSISTENCY and params.get("check") not in CONSISTENCY_CHECKS:
        errors["params"] = (
            'Consistency rules name their check: {"check": "'
            + '" or "'.join(CONSISTENCY_CHECKS)
            + '"}.'
        )
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class Violation:
    rule: QualityRule
    field: str
    message: str
    raw: str


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
        self.fields = sorted(
            {"id", "lifecycle_stage", "country", "last_verified_at", "contactability"}
            | {r.field for r in self.rules if r.field}
            | {f for r in self.rules if r.kind == RuleKind.CONSISTENCY for f in self._reads(r)}
        )

    @staticmethod
    def _reads(rule) -> tuple[str, ...]:
        return CONSISTENCY_CHECKS[rule.params["check"]][0]

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
