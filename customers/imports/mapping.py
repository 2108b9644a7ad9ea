"""Which file column feeds which field.

A mapping is JSON: target field -> a source column name, a list of source
columns (joined with a space), or ``{"const": VALUE}``. Without one, columns
whose header names a field (or a common alias of it) are mapped."""

from __future__ import annotations

import re
from collections.abc import Mapping

from customers import fields as registry
from customers.models import AttributeDefinition, ImportKind


# The customer columns come from the field registry (customers.fields): the
# canonical ones first (an export writes them under these names so that it
# can be imported again), then the others a file may carry.
def customer_columns() -> tuple[str, ...]:
    return registry.import_columns()


ORDER_COLUMNS = (
    "order_id",
    "customer_external_id",
    "ordered_at",
    "amount",
    "currency",
    "channel",
    "category",
    "quantity",
)
ATTRIBUTE_PREFIX = "attributes."

# Header spellings seen in order exports; the customer fields' own are in
# the field registry.
ORDER_ALIASES = {
    "customer_external_id": (
        "customer_id",
        "customer",
        "customer_number",
        "customer_no",
        "client_id",
    ),
    "ordered_at": ("order_date", "date", "transaction_date", "purchase_date"),
    "order_id": ("transaction_id", "invoice", "invoice_no", "invoice_number", "order_number"),
    "amount": ("total", "price", "value", "order_amount", "sales"),
    "category": ("product_category",),
    "quantity": ("qty", "units"),
}


def aliases(kind: str) -> dict[str, tuple[str, ...]]:
    return registry.import_aliases() if kind == ImportKind.CUSTOMERS else ORDER_ALIASES


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "_", name.strip().lower()).strip("_")


def target_fields(kind: str) -> tuple[str, ...]:
    return customer_columns() if kind == ImportKind.CUSTOMERS else ORDER_COLUMNS


def suggest_mapping(header: list[str], kind: str) -> dict[str, str]:
    """Map each target to the column that names it (exactly or by an alias);
    for customers, ``attributes.<name>`` columns map to themselves."""
    by_key = {_key(column): column for column in header}
    suggestion = {}
    spellings = aliases(kind)
    for target in target_fields(kind):
        for candidate in (target, *spellings.get(target, ())):
            if candidate in by_key and by_key[candidate] not in suggestion.values():
                suggestion[target] = by_key[candidate]
                break
    if kind == ImportKind.CUSTOMERS:
        for column in header:
            if _key(column).startswith(ATTRIBUTE_PREFIX):
                suggestion[_key(column)] = column
    return suggestion


def check_mapping(mapping: Mapping, header: list[str], kind: str) -> list[str]:
    """What is wrong with a mapping against this file, one sentence each."""
    problems = []
    columns = set(header)
    attributes = None
    targets = set(target_fields(kind))
    for target, spec in mapping.items():
        if target.startswith(ATTRIBUTE_PREFIX) and kind == ImportKind.CUSTOMERS:
            if attributes is None:
                attributes = set(AttributeDefinition.objects.values_list("name", flat=True))
            name = target[len(ATTRIBUTE_PREFIX) :]
            if name not in attributes:
                problems.append(f"“{target}”: there is no custom attribute called “{name}”.")
        elif target not in targets:
            problems.append(f"“{target}” is not a field that can be imported.")
        if isinstance(spec, dict):
            if set(spec) != {"const"}:
                problems.append(f'“{target}”: a constant is written {{"const": value}}.')
            continue
        sources = [spec] if isinstance(spec, str) else spec
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            problems.append(
                f"“{target}”: map it to a column name, a list of column names or a constant."
            )
            continue
        for source in sources:
            if source not in columns:
                problems.append(f"“{target}”: the file has no column “{source}”.")
    return problems


def unmapped_columns(mapping: Mapping, header: list[str]) -> list[str]:
    used = set()
    for spec in mapping.values():
        if isinstance(spec, str):
            used.add(spec)
        elif isinstance(spec, list):
            used.update(spec)
    return [column for column in header if column not in used]


def apply_mapping(mapping: Mapping, header: list[str], values: list[str]) -> dict[str, str]:
    """The row's raw text per target field."""
    row = dict(zip(header, values, strict=False))
    out = {}
    for target, spec in mapping.items():
        if isinstance(spec, dict):
            out[target] = "" if spec["const"] is None else str(spec["const"])
        elif isinstance(spec, str):
            out[target] = row.get(spec, "")
        else:
            out[target] = " ".join(row.get(s, "").strip() for s in spec if row.get(s, "").strip())
    return out
