"""The segment builder's form: the rule tree written as flat form fields and
read back, and the rows the page draws.

Each node has a path: the top group is ``0``, its second item ``0-1``, that
item's first ``0-1-0``. The form posts ``node`` (one ``g:<path>`` or
``r:<path>`` per node, in order) and, per node, ``op-<path>`` for a group and
``field-<path>``, ``value-<path>``, ``min-<path>``, ``max-<path>``,
``name-<path>``, ``purpose-<path>``, ``channel-<path>`` for a rule. Buttons send
``action``: ``add-rule:<path>``, ``add-group:<path>`` or ``remove:<path>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from customers import policy
from customers.masking import can_view_sensitive
from customers.models import AttributeDefinition, AttributeType
from customers.segments.compiler import empty_rules
from customers.segments.rules import RULE_TYPES, Shape

DEFAULT_FIELD = "country"


def _rule_from_form(data, path: str) -> dict:
    name = data.get(f"field-{path}", DEFAULT_FIELD)
    rule: dict = {"field": name}
    kind = RULE_TYPES.get(name)
    shape = kind.shape if kind else Shape.LIST
    if name == "attribute":
        rule["name"] = data.get(f"name-{path}", "")
        shape = _attribute_shape(rule["name"])
    if shape == Shape.LIST:
        values = [v for v in data.getlist(f"value-{path}") if v.strip()]
        if len(values) == 1 and "," in values[0]:
            values = [v.strip() for v in values[0].split(",") if v.strip()]
        rule["value"] = values
    elif shape in (Shape.RANGE, "date_range"):
        rule["value"] = {
            bound: data.get(f"{bound}-{path}")
            for bound in ("min", "max")
            if data.get(f"{bound}-{path}", "").strip()
        }
    elif shape == Shape.CONSENT:
        rule["value"] = {
            "purpose": data.get(f"purpose-{path}", ""),
            "channel": data.get(f"channel-{path}", ""),
        }
    elif shape == Shape.BOOLEAN:
        rule["value"] = data.get(f"value-{path}") == "true"
    else:
        rule["value"] = data.get(f"value-{path}", "")
    return rule


def _attribute_shape(name: str) -> str:
    data_type = (
        AttributeDefinition.objects.filter(name=name).values_list("data_type", flat=True).first()
    )
    if data_type in (AttributeType.INTEGER, AttributeType.DECIMAL):
        return Shape.RANGE
    if data_type == AttributeType.DATE:
        return "date_range"
    if data_type == AttributeType.BOOLEAN:
        return Shape.BOOLEAN
    return Shape.LIST


def rules_from_form(data) -> dict:
    """The rule tree the form describes (not yet checked)."""
    nodes: dict[str, dict] = {}
    root = None
    for entry in data.getlist("node"):
        kind, _, path = entry.partition(":")
        if kind == "g":
            node = {"op": data.get(f"op-{path}", "and"), "rules": []}
        elif kind == "r":
            node = _rule_from_form(data, path)
        else:
            continue
        parent = path.rpartition("-")[0]
        if not parent:
            root = node if kind == "g" else root
        elif parent in nodes and "rules" in nodes[parent]:
            nodes[parent]["rules"].append(node)
        nodes[path] = node
    return root or empty_rules()


def _node_at(rules: dict, path: str):
    node = rules
    for index in path.split("-")[1:]:
        node = node["rules"][int(index)]
    return node


def apply_action(rules: dict, action: str) -> dict:
    """The tree after a button: add a rule or a group to a group, or remove a node."""
    verb, _, path = (action or "").partition(":")
    try:
        node = _node_at(rules, path) if path else None
    except (IndexError, KeyError, ValueError, TypeError):
        return rules
    if verb == "add-rule" and node is not None and "rules" in node:
        node["rules"].append({"field": DEFAULT_FIELD, "value": []})
    elif verb == "add-group" and node is not None and "rules" in node:
        node["rules"].append({"op": "or", "rules": [{"field": DEFAULT_FIELD, "value": []}]})
    elif verb == "remove" and path.count("-") >= 1:
        parent_path, _, index = path.rpartition("-")
        parent = _node_at(rules, parent_path)
        del parent["rules"][int(index)]
    return rules


@dataclass
class Row:
    kind: str  # "group", "rule" or "end" (closes a group)
    path: str
    depth: int
    number: str = ""  # as error messages name it: "2.1"
    op: str = "and"
    rule: dict = field(default_factory=dict)
    shape: str = ""
    choices: list = field(default_factory=list)
    text: str = ""


def _value_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None or isinstance(value, dict | bool) else str(value)


def rows(rules: dict) -> list[Row]:
    """The rows the builder draws, in order, with the numbers errors use."""
    out: list[Row] = []

    def walk(node: dict, path: str, number: str, depth: int) -> None:
        out.append(Row("group", path, depth, number=number, op=node.get("op", "and")))
        for index, item in enumerate(node.get("rules", [])):
            here = f"{path}-{index}"
            label = f"{number}.{index + 1}" if number else str(index + 1)
            if isinstance(item, dict) and "op" in item:
                walk(item, here, label, depth + 1)
            else:
                out.append(_rule_row(item, here, label, depth + 1))
        out.append(Row("end", path, depth))

    walk(rules, "0", "", 0)
    return out


def _rule_row(rule: dict, path: str, number: str, depth: int) -> Row:
    name = rule.get("field", DEFAULT_FIELD)
    kind = RULE_TYPES.get(name)
    shape = kind.shape if kind else Shape.LIST
    choices = kind.choices() if kind and kind.choices else []
    if name == "attribute":
        shape = _attribute_shape(rule.get("name", ""))
        definition = AttributeDefinition.objects.filter(name=rule.get("name", "")).first()
        choices = (
            [(v, v) for v in definition.allowed_values]
            if definition and definition.data_type == AttributeType.CHOICE
            else []
        )
    return Row(
        "rule",
        path,
        depth,
        number=number,
        rule=rule,
        shape=shape,
        choices=choices,
        text=_value_text(rule.get("value")),
    )


def field_options(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rule types this user may pick, grouped by data component."""
    sensitive_ok = can_view_sensitive(user)
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, kind in RULE_TYPES.items():
        if kind.sensitive and not sensitive_ok:
            continue
        groups.setdefault(kind.component, []).append((name, kind.label))
    return list(groups.items())


def builder_context(rules: dict, user) -> dict:
    return {
        "rows": rows(rules),
        "field_options": field_options(user),
        "attributes": list(
            AttributeDefinition.objects.filter(is_active=True).values_list("name", "label")
        ),
        "purposes": policy.purposes(),
        "channels": policy.channels(),
    }
