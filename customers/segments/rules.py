"""The rule types a segment can use, one per data component, each with how
its value is checked and the condition it becomes.

A segment's rules are JSON: a group ``{"op": "and" | "or", "rules": [...]}``
whose items are rules or nested groups, and a rule is
``{"field": <type>, "value": <value>}`` (a custom attribute adds
``"name": <attribute>``). Value shapes:

- list: a non-empty list, e.g. ``["GB", "IE"]``: the customer has any of them;
- range: ``{"min": a, "max": b}``, either bound may be left out, both inclusive;
- text: one non-empty string (a postcode prefix);
- days: a whole number of days (last order within N days);
- consent: ``{"purpose": code, "channel": code}`` (governance's codes);
- boolean: ``true`` or ``false`` (a yes/no attribute).

Every condition is over ``CustomerFacts``, the narrow per-customer table
(customers.segments.facts), under the same field names as the customer's own
fields. Its order figures (orders, spend, last order, channels, categories)
are current with the orders; the RFM scores are as of the nightly metrics
refresh, so a customer who has not ordered since then has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import DecimalField, IntegerField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from customers import fields as registry
from customers import policy, validation
from customers.models import (
    AttributeDefinition,
    AttributeType,
    Customer,
    CustomerQuality,
    OrderChannel,
    RfmSegment,
)

MAX_LIST_VALUES = 200
MAX_TEXT = 100


class Shape:
    LIST = "list"
    RANGE = "range"
    TEXT = "text"
    DAYS = "days"
    CONSENT = "consent"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class RuleType:
    field: str
    label: str
    component: str
    shape: str
    to_q: Callable[..., Q]
    sensitive: bool = False
    # Allowed values of a list (code, label), or None for free text.
    choices: Callable[[], list[tuple[str, str]]] | None = None
    # For a range: the kind of number and its bounds.
    number: type = int
    bounds: tuple[Any, Any] = (None, None)
    normalise: Callable[[str], str] = field(default=lambda text: " ".join(text.split()))
    help: str = ""


# Conditions -------------------------------------------------------------------


def _any_iexact(field_name: str) -> Callable[[list[str]], Q]:
    def to_q(values: list[str]) -> Q:
        q = Q()
        for value in values:
            q |= Q(**{f"{field_name}__iexact": value})
        return q

    return to_q


def _in(field_name: str) -> Callable[[list[str]], Q]:
    return lambda values: Q(**{f"{field_name}__in": values})


def _range(field_name: str) -> Callable[[dict], Q]:
    def to_q(value: dict) -> Q:
        q = Q()
        if value.get("min") is not None:
            q &= Q(**{f"{field_name}__gte": value["min"]})
        if value.get("max") is not None:
            q &= Q(**{f"{field_name}__lte": value["max"]})
        return q

    return to_q


def _quality_score(value: dict) -> Q:
    """The score lives in its own narrow table (the nightly sweep changes
    it), not in the facts: the records whose score is in the range."""
    scores = _range("score")(value)
    return Q(customer_id__in=CustomerQuality.objects.filter(scores).values("customer_id"))


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(value: dict) -> Q:
    today = timezone.localdate()
    q = Q(date_of_birth__isnull=False)
    if value.get("min") is not None:
        q &= Q(date_of_birth__lte=years_before(today, value["min"]))
    if value.get("max") is not None:
        # Younger than max + 1 years means at most max.
        q &= Q(date_of_birth__gt=years_before(today, value["max"] + 1))
    return q


def _any_of(field_name: str, lower: bool = False) -> Callable[[list[str]], Q]:
    """Any of the values in one of the facts' sets (``|a|b|``)."""

    def to_q(values: list[str]) -> Q:
        q = Q()
        for value in values:
            q |= Q(**{f"{field_name}__contains": f"|{value.lower() if lower else value}|"})
        return q

    return to_q


def _last_order_within(days: int) -> Q:
    return Q(last_order_at__gte=timezone.now() - dt.timedelta(days=days))


def _postcode_prefix(prefix: str) -> Q:
    return Q(postcode__startswith=prefix)


def _consent(value: dict) -> Q:
    checked = policy.eligible(
        Customer.objects.all(), purpose=value["purpose"], channel=value["channel"]
    )
    return Q(pk__in=checked.eligible.values("pk"))


def _choices(enum) -> Callable[[], list[tuple[str, str]]]:
    return lambda: list(enum.choices)


def _countries() -> list[tuple[str, str]]:
    from django_countries import countries

    return [(code, name) for code, name in countries]


def _score_range(field_name: str, label: str) -> RuleType:
    return RuleType(
        field_name,
        label,
        "buying pattern",
        Shape.RANGE,
        _range(field_name),
        bounds=(1, 5),
        help="1 to 5; 5 is the best fifth.",
    )


# The segment builder's groups for the registry's data components.
SEGMENT_GROUPS = {
    "identity": "identity",
    "contact": "contact",
    "geographic": "geography",
    "demographic": "demographics",
    "psychographic": "psychographics",
    "record": "lifecycle",
}


def _sensitive(rule_name: str) -> bool:
    """A rule over a field is as sensitive as the field (the registry's word)."""
    return any(s.sensitive for s in registry.FIELDS if s.rule_name == rule_name)


def _custom_field_rules() -> dict[str, RuleType]:
    """The rules over registry fields whose condition is written by hand."""
    return {
        rule.field: rule
        for rule in (
            RuleType(
                "country",
                "Country",
                "geography",
                Shape.LIST,
                _in("country"),
                choices=_countries,
                normalise=lambda text: validation.normalise_country(text.strip()),
                sensitive=_sensitive("country"),
            ),
            RuleType(
                "postcode_prefix",
                "Postcode starts with",
                "geography",
                Shape.TEXT,
                _postcode_prefix,
                normalise=lambda text: " ".join(text.upper().split()),
                sensitive=_sensitive("postcode_prefix"),
            ),
            RuleType(
                "age",
                "Age",
                "demographics",
                Shape.RANGE,
                _age,
                sensitive=_sensitive("age"),
                bounds=(0, 130),
            ),
            RuleType(
                "interests",
                "Interests (any of)",
                "psychographics",
                Shape.LIST,
                _any_of("interests", lower=True),
                sensitive=_sensitive("interests"),
                normalise=lambda text: " ".join(text.lower().split()),
            ),
        )
    }


def field_rule_types() -> dict[str, RuleType]:
    """One rule type per registry field that has one, in the registry's order:
    "any of" its choices or "any of" free texts, or the hand-written one."""
    custom = _custom_field_rules()
    found: dict[str, RuleType] = {}
    for spec in registry.FIELDS:
        if spec.segment is None:
            continue
        if spec.segment == registry.SegmentRule.CUSTOM:
            found[spec.rule_name] = custom[spec.rule_name]
            continue
        choice = spec.segment == registry.SegmentRule.CHOICE
        found[spec.rule_name] = RuleType(
            spec.rule_name,
            spec.label.capitalize(),
            SEGMENT_GROUPS.get(spec.component, spec.component),
            Shape.LIST,
            _in(spec.name) if choice else _any_iexact(spec.name),
            sensitive=spec.sensitive,
            choices=_choices(spec.choices) if choice else None,
        )
    return found


RULE_TYPES: dict[str, RuleType] = {
    **field_rule_types(),
    **{
        rule.field: rule
        for rule in (
            RuleType(
                "attribute",
                "Custom attribute",
                "psychographics",
                # Replaced, rule by rule, by the named attribute's own (_attribute_rule).
                Shape.LIST,
                lambda value: Q(),
            ),
            _score_range("rfm_r", "RFM recency score"),
            _score_range("rfm_f", "RFM frequency score"),
            _score_range("rfm_m", "RFM monetary score"),
            RuleType(
                "rfm_segment",
                "RFM segment",
                "buying pattern",
                Shape.LIST,
                _in("rfm_segment"),
                choices=_choices(RfmSegment),
            ),
            RuleType(
                "last_order_within_days",
                "Last order within (days)",
                "buying pattern",
                Shape.DAYS,
                _last_order_within,
            ),
            RuleType(
                "total_spent",
                "Total spent",
                "buying pattern",
                Shape.RANGE,
                _range("total_spent"),
                number=Decimal,
                bounds=(Decimal(0), None),
                help="In the reporting currency.",
            ),
            RuleType(
                "order_count",
                "Number of orders",
                "buying pattern",
                Shape.RANGE,
                _range("order_count"),
                bounds=(0, None),
            ),
            RuleType(
                "category_bought",
                "Bought in category (any of)",
                "buying pattern",
                Shape.LIST,
                _any_of("categories", lower=True),
                normalise=lambda text: " ".join(text.lower().split()),
                help="A product category as the orders name it, in any case.",
            ),
            RuleType(
                "channel",
                "Bought through channel (any of)",
                "buying pattern",
                Shape.LIST,
                _any_of("channels"),
                choices=_choices(OrderChannel),
            ),
            RuleType(
                "quality_score",
                "Quality score",
                "quality",
                Shape.RANGE,
                _quality_score,
                bounds=(0, 100),
                help="0 to 100, from the last quality check; records not yet checked have none.",
            ),
            RuleType(
                "consent",
                "May be contacted (consent)",
                "consent",
                Shape.CONSENT,
                _consent,
                help="For a purpose on a channel, as governance records it.",
            ),
        )
    },
}

SENSITIVE_RULES = tuple(name for name, rule in RULE_TYPES.items() if rule.sensitive)


def rules_sensitive_fields(rules) -> set[str]:
    """The sensitive rule types a (possibly nested, possibly invalid) rule
    tree uses: a segment using any is shown only to those who may use them."""
    found: set[str] = set()
    stack = [rules]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("field") in SENSITIVE_RULES:
                found.add(node["field"])
            children = node.get("rules")
            if isinstance(children, list):
                stack.extend(children)
        elif isinstance(node, list):
            stack.extend(node)
    return found


# Checking values ----------------------------------------------------------------


class RuleError(Exception):
    """One rule's problem, said to the person who wrote it."""


def _clean_list(rule: RuleType, value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise RuleError("give a non-empty list of values.")
    if len(value) > MAX_LIST_VALUES:
        raise RuleError(f"give at most {MAX_LIST_VALUES} values.")
    cleaned = []
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise RuleError(f"“{item}” is not a text value.")
        text = rule.normalise(str(item))
        if not text:
            raise RuleError("a value is empty.")
        if len(text) > MAX_TEXT:
            raise RuleError(f"“{text[:20]}…” is longer than {MAX_TEXT} characters.")
        cleaned.append(text)
    if rule.choices is not None:
        allowed = {code for code, _ in rule.choices()}
        unknown = [text for text in cleaned if text not in allowed]
        if unknown:
            shown = ", ".join(sorted(allowed)) if len(allowed) <= 20 else "see the list"
            raise RuleError(f"not a known value: {', '.join(unknown)} (allowed: {shown}).")
    return list(dict.fromkeys(cleaned))


def _number(rule: RuleType, raw, bound: str):
    if isinstance(raw, bool):
        raise RuleError(f"{bound} must be a number.")
    try:
        if rule.number is int:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            number = int(str(raw).strip())
        else:
            number = Decimal(str(raw).strip())
            if not number.is_finite():
                raise ValueError
    except (ValueError, InvalidOperation):
        kind = "whole number" if rule.number is int else "number"
        raise RuleError(f"{bound} must be a {kind}, not “{raw}”.") from None
    low, high = rule.bounds
    if low is not None and number < low:
        raise RuleError(f"{bound} must be at least {low}.")
    if high is not None and number > high:
        raise RuleError(f"{bound} must be at most {high}.")
    return number


def _clean_range(rule: RuleType, value) -> dict:
    if not isinstance(value, dict) or set(value) - {"min", "max"}:
        raise RuleError('give {"min": …, "max": …} (either may be left out).')
    bounds = {
        key: _number(rule, value[key], key)
        for key in ("min", "max")
        if value.get(key) not in (None, "")
    }
    if not bounds:
        raise RuleError("give a minimum, a maximum or both.")
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        raise RuleError(f"the minimum {bounds['min']} is above the maximum {bounds['max']}.")
    # JSON keeps decimals as text, so that a saved rule reads back exactly.
    return {
        key: str(number) if isinstance(number, Decimal) else number
        for key, number in bounds.items()
    }


def _clean_days(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError("give a whole number of days.")
    try:
        days = int(str(value).strip())
    except ValueError:
        raise RuleError(f"give a whole number of days, not “{value}”.") from None
    if not 1 <= days <= 36500:
        raise RuleError("the number of days must be between 1 and 36500.")
    return days


def _clean_text(rule: RuleType, value) -> str:
    if not isinstance(value, str) or not rule.normalise(value):
        raise RuleError("give a non-empty text.")
    text = rule.normalise(value)
    if len(text) > MAX_TEXT:
        raise RuleError(f"give at most {MAX_TEXT} characters.")
    return text


def _clean_consent(value) -> dict:
    if not isinstance(value, dict) or set(value) != {"purpose", "channel"}:
        raise RuleError('give {"purpose": …, "channel": …}.')
    if not settings.CUSTOMER_POLICY_BACKEND:
        raise RuleError(
            "consent cannot be checked: no governance policy backend is configured "
            "(setting CUSTOMER_POLICY_BACKEND), so this rule is refused."
        )
    purposes = {code for code, _ in policy.purposes()}
    channels = {code for code, _ in policy.channels()}
    problems = []
    if value["purpose"] not in purposes:
        problems.append(
            f"unknown purpose “{value['purpose']}” (known: {', '.join(sorted(purposes))})"
        )
    if value["channel"] not in channels:
        problems.append(
            f"unknown channel “{value['channel']}” (known: {', '.join(sorted(channels))})"
        )
    if problems:
        raise RuleError("; ".join(problems) + ".")
    return {"purpose": value["purpose"], "channel": value["channel"]}


# Custom attributes -----------------------------------------------------------


def _attribute_rule(definition: AttributeDefinition) -> tuple[str, RuleType]:
    """The shape and condition of a rule on one custom attribute, by its type."""
    name = definition.name
    key = f"attributes__{name}"
    kind = definition.data_type
    if kind in (AttributeType.TEXT, AttributeType.CHOICE):
        choices = (
            (lambda: [(v, v) for v in definition.allowed_values]) if kind == "choice" else None
        )
        return Shape.LIST, RuleType(
            "attribute", definition.label, "custom", Shape.LIST, _in(key), choices=choices
        )
    if kind == AttributeType.BOOLEAN:
        return Shape.BOOLEAN, RuleType(
            "attribute", definition.label, "custom", Shape.BOOLEAN, lambda v: Q(**{key: v})
        )
    if kind == AttributeType.DATE:
        # ISO dates compare as text in date order.
        def date_q(value: dict) -> Q:
            q = Q()
            if value.get("min"):
                q &= Q(**{f"{key}__gte": value["min"]})
            if value.get("max"):
                q &= Q(**{f"{key}__lte": value["max"]})
            return q

        return "date_range", RuleType("attribute", definition.label, "custom", Shape.RANGE, date_q)
    # Numbers: decimals are stored as text, so both kinds are compared as numbers.
    output = (
        IntegerField()
        if kind == AttributeType.INTEGER
        else DecimalField(max_digits=30, decimal_places=10)
    )

    def number_q(value: dict) -> Q:
        number = Cast(KT(key), output)
        q = Q()
        if value.get("min") is not None:
            q &= Q(GreaterThanOrEqual(number, Decimal(str(value["min"]))))
        if value.get("max") is not None:
            q &= Q(LessThanOrEqual(number, Decimal(str(value["max"]))))
        return Q(**{f"{key}__isnull": False}) & q

    number_type = int if kind == AttributeType.INTEGER else Decimal
    return Shape.RANGE, RuleType(
        "attribute", definition.label, "custom", Shape.RANGE, number_q, number=number_type
    )


def _clean_date_range(value) -> dict:
    if not isinstance(value, dict) or set(value) - {"min", "max"}:
        raise RuleError('give {"min": …, "max": …} as YYYY-MM-DD dates.')
    cleaned = {}
    for key in ("min", "max"):
        if value.get(key) in (None, ""):
            continue
        try:
            cleaned[key] = dt.date.fromisoformat(str(value[key])).isoformat()
        except ValueError:
            raise RuleError(f"{key} must be a date as YYYY-MM-DD, not “{value[key]}”.") from None
    if not cleaned:
        raise RuleError("give a first date, a last date or both.")
    if "min" in cleaned and "max" in cleaned and cleaned["min"] > cleaned["max"]:
        raise RuleError("the first date is after the last one.")
    return cleaned


def clean_rule(rule: dict, *, may_use_sensitive: bool) -> tuple[dict, Q]:
    """One rule, checked: its cleaned JSON and its condition. Raises RuleError."""
    if not isinstance(rule, dict) or "field" not in rule:
        raise RuleError("a rule needs a “field”.")
    kind = RULE_TYPES.get(rule["field"])
    if kind is None:
        raise RuleError(f"“{rule['field']}” is not a rule type. Known: {', '.join(RULE_TYPES)}.")
    allowed_keys = {"field", "value", "name"} if kind.field == "attribute" else {"field", "value"}
    extra = set(rule) - allowed_keys
    if extra:
        raise RuleError(f"unknown key{'s' if len(extra) > 1 else ''}: {', '.join(sorted(extra))}.")
    if "value" not in rule:
        raise RuleError("a rule needs a “value”.")
    if kind.sensitive and not may_use_sensitive:
        raise RuleError("you do not have permission to use sensitive data in segment rules.")
    value = rule["value"]
    shape = kind.shape
    cleaned: dict = {"field": kind.field}
    if kind.field == "attribute":
        definition = AttributeDefinition.objects.filter(name=rule.get("name") or "").first()
        if definition is None:
            raise RuleError(f"“{rule.get('name')}” is not a defined custom attribute.")
        cleaned["name"] = definition.name
        shape, kind = _attribute_rule(definition)
    if shape == Shape.LIST:
        value = _clean_list(kind, value)
    elif shape == Shape.RANGE:
        value = _clean_range(kind, value)
    elif shape == "date_range":
        value = _clean_date_range(value)
    elif shape == Shape.TEXT:
        value = _clean_text(kind, value)
    elif shape == Shape.DAYS:
        value = _clean_days(value)
    elif shape == Shape.CONSENT:
        value = _clean_consent(value)
    elif shape == Shape.BOOLEAN and not isinstance(value, bool):
        raise RuleError("give true or false.")
    cleaned["value"] = value
    return cleaned, kind.to_q(value)
