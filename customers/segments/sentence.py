"""A segment's rules as a sentence a person reads: "Region is Greater London
and RFM recency score is 4 or more". Codes become their labels; nested groups
are put in brackets."""

from __future__ import annotations

from customers import policy
from customers.models import AttributeDefinition
from customers.segments.rules import RULE_TYPES, Shape


def _join(words: list[str], conjunction: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _range(value: dict) -> str:
    low, high = value.get("min"), value.get("max")
    if low is not None and high is not None:
        return f"is {_number(low)}" if low == high else f"is {_number(low)} to {_number(high)}"
    if low is not None:
        return f"is {_number(low)} or more"
    return f"is {_number(high)} or less"


def rule_sentence(rule: dict) -> str:
    kind = RULE_TYPES.get(rule.get("field", ""))
    if kind is None:
        return str(rule.get("field", "an unknown rule"))
    value = rule.get("value")
    if kind.field == "attribute":
        name = str(rule.get("name", ""))
        definition = AttributeDefinition.objects.filter(name=name).first()
        label = definition.label if definition else name.replace("_", " ").capitalize()
        if isinstance(value, bool):
            return f"{label} is {'yes' if value else 'no'}"
        if isinstance(value, dict):
            return f"{label} {_range(value)}"
        return f"{label} is {_join([str(v) for v in value or []])}"
    label = kind.label.replace(" (any of)", "")
    if kind.shape == Shape.LIST:
        names = dict(kind.choices()) if kind.choices else {}
        words = [str(names.get(v, v)) for v in value or []]
        return f"{label} is {_join(words)}"
    if kind.shape == Shape.RANGE:
        return f"{label} {_range(value or {})}"
    if kind.shape == Shape.TEXT:
        return f"Postcode starts with {value}"
    if kind.shape == Shape.DAYS:
        return f"Last order within {_number(value)} days"
    if kind.shape == Shape.CONSENT:
        purposes = dict(policy.purposes())
        channels = dict(policy.channels())
        purpose = purposes.get(value.get("purpose"), value.get("purpose"))
        channel = channels.get(value.get("channel"), value.get("channel"))
        return f"May be contacted for {purpose} by {str(channel).lower()}"
    return f"{label} is {value}"


def rules_sentence(rules: dict, *, nested: bool = False) -> str:
    """The whole rule tree as one sentence."""
    if not isinstance(rules, dict):
        return ""
    if "rules" not in rules:
        return rule_sentence(rules)
    parts = [rules_sentence(item, nested=True) for item in rules.get("rules") or []]
    parts = [part for part in parts if part]
    if not parts:
        return "Everyone"
    text = f" {rules.get('op', 'and')} ".join(parts)
    return f"({text})" if nested and len(parts) > 1 else text
