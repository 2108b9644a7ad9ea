"""Which file column feeds which field.

A mapping is JSON: target field -> a source column name, a list of source
columns (joined with a space), or ``{"const": VALUE}``. Without one, columns
whose header names a field (or a common alias of it) are mapped."""

from __future__ import annotations

import re
from collections.abc import Mapping

from customers.models import AttributeDefinition, ImportKind

# The canonical customer columns, in the order the README lists them; an
# export writes them under these names so that it can be imported again.
CANONICAL_CUSTOMER_COLUMNS = (
    "external_id",
    "first_name",
    "last_name",
    "organisation",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
    "date_of_birth",
    "occupation",
    "income_band",
    "household_size",
    "interests",
    "lifecycle_stage",
    "last_verified_at",
)
CUSTOMER_COLUMNS = (
    *CANONICAL_CUSTOMER_COLUMNS,
    # Beyond the canonical list, for files that carry them.
    "kind",
    "lifestyle",
    "values",
)
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

# Header spellings seen in CRM and spreadsheet exports.
ALIASES = {
    "external_id": ("id", "customer_id", "customer_number", "crm_id", "contact_id", "ref"),
    "first_name": ("firstname", "forename", "given_name", "first"),
    "last_name": ("lastname", "surname", "family_name", "last"),
    "organisation": ("organisation_name", "organization", "company", "company_name", "account"),
    "email": ("e_mail", "email_address", "mail"),
    "phone": ("telephone", "tel", "mobile", "phone_number", "mobile_number"),
    "address_line1": ("address", "address1", "street", "address_line_1"),
    "address_line2": ("address2", "address_line_2"),
    "city": ("town", "town_city", "locality"),
    "region": ("county", "state", "province"),
    "postcode": ("post_code", "zip", "zip_code", "postal_code"),
    "country": ("country_code",),
    "date_of_birth": ("dob", "birth_date", "birthday", "date_of_birth"),
    "occupation": ("job", "job_title", "profession"),
    "household_size": ("household",),
    "lifecycle_stage": ("stage", "status", "lifecycle"),
    "last_verified_at": ("verified_at", "last_verified"),
    "customer_external_id": ("customer_id", "customer"),
    "ordered_at": ("order_date", "date"),
    "category": ("product_category",),
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "_", name.strip().lower()).strip("_")


def target_fields(kind: str) -> tuple[str, ...]:
    return CUSTOMER_COLUMNS if kind == ImportKind.CUSTOMERS else ORDER_COLUMNS


def suggest_mapping(header: list[str], kind: str) -> dict[str, str]:
    """Map each target to the column that names it (exactly or by an alias);
    for customers, ``attributes.<name>`` columns map to themselves."""
    by_key = {_key(column): column for column in header}
    suggestion = {}
    for target in target_fields(kind):
        for candidate in (target, *ALIASES.get(target, ())):
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
