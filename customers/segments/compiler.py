"""From a segment's JSON rules to one condition (a Q) over CustomerFacts, checked
strictly on the way: every problem is reported, each with the rule's place
("rule 2.1") and what is wrong, and nothing is compiled from rules that are
not all valid."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from customers.masking import can_view_sensitive
from customers.models import Customer, CustomerFacts
from customers.segments.facts import facts_current
from customers.segments.rules import RULE_TYPES, RuleError, clean_rule

MAX_DEPTH = 3  # the top group and two levels of groups inside it
MAX_RULES = 50
OPERATORS = ("and", "or")


@dataclass(frozen=True)
class Compiled:
    rules: dict  # the rules as checked and normalised, as they are saved
    condition: Q
    rule_count: int


def empty_rules() -> dict:
    return {"op": "and", "rules": []}


def compile_rules(rules, *, user=None, allow_empty: bool = False) -> Compiled:
    """Check ``rules`` and compile them. ``user`` is who writes them (sensitive
    rule types need customers.view_sensitive_data); None is the system,
    reading rules that were checked when they were saved. An empty top group
    (every customer) is allowed only with ``allow_empty``, for the builder's
    first count. Raises ValidationError({"rules": [messages]})."""
    may_use_sensitive = user is None or can_view_sensitive(user)
    errors: list[str] = []
    counter = {"rules": 0}

    def group(node, place: str, depth: int) -> tuple[dict, Q]:
        where = f"group {place}" if place else "the top group"
        if not isinstance(node, dict) or set(node) != {"op", "rules"}:
            errors.append(
                f'{where.capitalize()}: a group is {{"op": "and" or "or", "rules": [...]}}.'
            )
            return empty_rules(), Q()
        if node["op"] not in OPERATORS:
            errors.append(f"{where.capitalize()}: “{node['op']}” is not and/or.")
        items = node["rules"]
        if not isinstance(items, list):
            errors.append(f"{where.capitalize()}: its rules must be a list.")
            return empty_rules(), Q()
        if not items and (place or not allow_empty):
            errors.append(f"{where.capitalize()}: add at least one rule.")
        cleaned_items, conditions = [], []
        for index, item in enumerate(items, start=1):
            here = f"{place}.{index}" if place else str(index)
            if isinstance(item, dict) and "op" in item:
                if depth >= MAX_DEPTH:
                    errors.append(f"Group {here}: groups nest at most {MAX_DEPTH} deep.")
                    continue
                cleaned, condition = group(item, here, depth + 1)
            else:
                counter["rules"] += 1
                try:
                    cleaned, condition = clean_rule(item, may_use_sensitive=may_use_sensitive)
                except RuleError as exc:
                    label = _label(item)
                    errors.append(f"Rule {here}{label}: {exc}")
                    continue
            cleaned_items.append(cleaned)
            conditions.append(condition)
        combined = Q()
        for condition in conditions:
            combined = (combined & condition) if node["op"] == "and" else (combined | condition)
        return {"op": node["op"], "rules": cleaned_items}, combined

    cleaned, condition = group(rules, "", 1)
    if counter["rules"] > MAX_RULES:
        errors.append(f"A segment has at most {MAX_RULES} rules; this one has {counter['rules']}.")
    if errors:
        raise ValidationError({"rules": errors})
    return Compiled(rules=cleaned, condition=condition, rule_count=counter["rules"])


def _label(item) -> str:
    if isinstance(item, dict) and item.get("field") in RULE_TYPES:
        return f" ({RULE_TYPES[item['field']].label})"
    return ""


def facts_matching(condition: Q) -> QuerySet[CustomerFacts]:
    """The facts rows a compiled condition matches: one per live customer,
    so their count is the segment's size."""
    facts_current()
    return CustomerFacts.objects.filter(condition)


def segment_queryset(rules, *, user=None, allow_empty: bool = False) -> QuerySet[Customer]:
    """The live customers the rules match (archived customers never are)."""
    compiled = compile_rules(rules, user=user, allow_empty=allow_empty)
    return Customer.objects.active().filter(
        pk__in=facts_matching(compiled.condition).values("customer_id")
    )
