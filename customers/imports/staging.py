"""Writing a batch of cleaned customer rows set-based (PostgreSQL).

The rows are streamed with ``COPY`` into a temporary staging table (not
WAL-logged, emptied at commit), then written with one ``INSERT ... SELECT``
for the new records and one ``UPDATE ... FROM`` for the matched ones. The
update compares in SQL (``IS DISTINCT FROM``) and touches only the records
with a changed value, so a re-import of an unchanged file writes nothing.
Each statement returns the ids it wrote, for the history rows (one
``INSERT ... SELECT`` each, mis.bulk), the interests and the quality flags.

The staging table's columns come from the field registry and the model, so
a field added there is staged without a change here."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection

from customers import fields as registry
from customers.models import Customer, CustomerKind
from mis.bulk import copy_into, history_insert


@dataclass
class StagedRow:
    """One cleaned row, ready for the staging table. ``customer_id`` is the
    record it matched (None: a new record); ``present`` the fields the row
    gives (the others keep the record's value, or take the model's default)."""

    number: int
    customer_id: int | None
    values: dict
    attributes: dict | None
    interests: list[str] | None


@dataclass
class Written:
    created: dict[int, int]  # row number -> new record's id
    updated: dict[int, int]  # row number -> changed record's id
    interests_changed: set[int]  # ids of changed records whose interests changed


@dataclass(frozen=True)
class _Shape:
    table: str
    fields: tuple[str, ...]  # registry fields staged as columns (model names)
    columns: tuple[str, ...]  # their database columns
    create: str
    defaults: dict


@cache
def _shape(signature: tuple) -> _Shape:
    names = signature
    model_fields = [Customer._meta.get_field(name) for name in names]
    columns = tuple(f.column for f in model_fields)
    definition = ", ".join(
        [
            "n integer PRIMARY KEY",
            "customer_id bigint",
            "public_id uuid",
            "present text[] NOT NULL",
            "attributes jsonb",
            "interests text[]",
            *(f"{_q(f.column)} {f.db_type(connection)}" for f in model_fields),
        ]
    )
    digest = hashlib.sha1(definition.encode()).hexdigest()[:10]
    table = f"import_customer_stage_{digest}"
    return _Shape(
        table=table,
        fields=names,
        columns=columns,
        create=f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({definition}) ON COMMIT DELETE ROWS",
        defaults={f.name: f.get_default() for f in model_fields},
    )


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _staged_fields() -> tuple[str, ...]:
    """The registry's fields that are columns of the customer table (tags are
    a many-to-many, staged as an array of their own)."""
    return tuple(spec.name for spec in registry.FIELDS if spec.type != registry.Type.TAGS)


def stage_write(rows: Sequence[StagedRow], *, source: str, at: str, now, user, reason: str):
    """Write ``rows`` (at most one per record; call inside a transaction):
    new records, changed records (only what changed; provenance and history
    for them), nothing for unchanged ones."""
    written = Written(created={}, updated={}, interests_changed=set())
    if not rows:
        return written
    shape = _shape(_staged_fields())
    with connection.cursor() as cursor:
        # The statements below are estimated dear enough for PostgreSQL to
        # compile them (JIT) every time: about 2 s a batch, for statements
        # that run in a fraction of that.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(shape.create)
        cursor.execute(f"TRUNCATE {shape.table}")
    public_ids: dict[str, int] = {}
    staged = []
    for row in rows:
        values = row.values
        public_id = None
        present = list(values)
        if row.attributes:
            present.append("attributes")
        if row.customer_id is None:
            public_id = str(uuid.uuid4())
            public_ids[public_id] = row.number
            if row.interests:
                present.append("interests")
            if (
                "kind" not in values
                and values.get("organisation_name")
                and not (values.get("first_name") or values.get("last_name"))
            ):
                values = {**values, "kind": CustomerKind.ORGANISATION}
        staged.append(
            (
                row.number,
                row.customer_id,
                public_id,
                "{" + ",".join(present) + "}",
                json.dumps(row.attributes) if row.attributes else None,
                _array(row.interests),
                *(values.get(name, shape.defaults[name]) for name in shape.fields),
            )
        )
    copy_into(
        shape.table,
        ["n", "customer_id", "public_id", "present", "attributes", "interests", *shape.columns],
        staged,
    )
    if public_ids:
        with connection.cursor() as cursor:
            cursor.execute(*_insert_sql(shape, source=source, at=at, now=now))
            for pk, public_id in cursor.fetchall():
                written.created[public_ids[str(public_id)]] = pk
        history_insert(
            Customer, sorted(written.created.values()), history_type="+", user=user, reason=reason
        )
    if len(public_ids) < len(rows):
        with connection.cursor() as cursor:
            cursor.execute(*_update_sql(shape, source=source, at=at, now=now))
            for pk, number, interests_changed in cursor.fetchall():
                written.updated[number] = pk
                if interests_changed:
                    written.interests_changed.add(pk)
        history_insert(
            Customer, sorted(written.updated.values()), history_type="~", user=user, reason=reason
        )
    return written


def _array(values: list[str] | None) -> str | None:
    """A text array in PostgreSQL's literal form (each element quoted)."""
    if values is None:
        return None
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _provenance(names: str) -> str:
    """The provenance (field_sources entries) of the fields in the text array
    ``names``."""
    return (
        "(SELECT coalesce(jsonb_object_agg(name, jsonb_build_object('source', %s::text, "
        f"'at', %s::text)), '{{}}'::jsonb) FROM unnest({names}) AS name)"
    )


def _insert_sql(shape: _Shape, *, source: str, at: str, now) -> tuple[str, list]:
    """New records: the staged values (the model's defaults where the row
    gave none), with provenance for the fields the row gave."""
    table = Customer._meta.db_table
    staged = dict(zip(shape.fields, shape.columns, strict=True))
    columns, selects, params = [], [], []
    for field in Customer._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        columns.append(_q(field.column))
        if field.name in staged:
            selects.append(f"s.{_q(field.column)}")
        elif field.name == "public_id":
            selects.append("s.public_id")
        elif field.name == "attributes":
            selects.append("coalesce(s.attributes, '{}'::jsonb)")
        elif field.name == "field_sources":
            selects.append(_provenance("s.present"))
            params += [source, at]
        elif field.name == "source":
            selects.append("%s")
            params.append(source)
        elif field.name in ("created_at", "updated_at"):
            selects.append("%s")
            params.append(now)
        else:
            default = field.get_default()
            selects.append("%s")
            params.append(json.dumps(default) if isinstance(default, dict | list) else default)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM {shape.table} AS s "
        "WHERE s.customer_id IS NULL ORDER BY s.n RETURNING id, public_id"
    )
    return sql, params


def _update_sql(shape: _Shape, *, source: str, at: str, now) -> tuple[str, list]:
    """Matched records: each field the row gives and the record holds
    otherwise. A record's id in its source system is filled in, never
    replaced (a row found by email or phone may carry another system's id);
    attributes are merged; interests are compared as sets."""
    table = Customer._meta.db_table
    through = Customer.interests.through
    interest = through._meta.get_field("interest").related_model
    changes = []
    for name, column in zip(shape.fields, shape.columns, strict=True):
        col = _q(column)
        if name == "external_id":
            changes.append(
                f"CASE WHEN 'external_id' = ANY(s.present) AND c.{col} = '' "
                f"AND s.{col} <> '' THEN 'external_id' END"
            )
        else:
            changes.append(
                f"CASE WHEN '{name}' = ANY(s.present) AND c.{col} IS DISTINCT FROM s.{col} "
                f"THEN '{name}' END"
            )
    changes.append(
        "CASE WHEN s.attributes IS NOT NULL "
        "AND (c.attributes || s.attributes) IS DISTINCT FROM c.attributes THEN 'attributes' END"
    )
    changes.append(
        "CASE WHEN s.interests IS NOT NULL AND NOT (coalesce(ci.names, '{}') @> s.interests "
        "AND s.interests @> coalesce(ci.names, '{}')) THEN 'interests' END"
    )
    sets = [
        f"{_q(column)} = CASE WHEN '{name}' = ANY(m.changed) THEN s.{_q(column)} "
        f"ELSE c.{_q(column)} END"
        for name, column in zip(shape.fields, shape.columns, strict=True)
    ]
    sets.append(
        "attributes = CASE WHEN 'attributes' = ANY(m.changed) "
        "THEN c.attributes || s.attributes ELSE c.attributes END"
    )
    sets.append(f"field_sources = c.field_sources || {_provenance('m.changed')}")
    sets.append("updated_at = %s")
    sql = f"""
        WITH m AS (
            SELECT s.n, array_remove(ARRAY[{", ".join(changes)}]::text[], NULL) AS changed
            FROM {shape.table} AS s
            JOIN {table} AS c ON c.id = s.customer_id
            LEFT JOIN LATERAL (
                SELECT array_agg(i.name::text) AS names
                FROM {through._meta.db_table} AS t
                JOIN {interest._meta.db_table} AS i ON i.id = t.interest_id
                WHERE t.customer_id = c.id
            ) AS ci ON s.interests IS NOT NULL
        )
        UPDATE {table} AS c SET {", ".join(sets)}
        FROM m JOIN {shape.table} AS s ON s.n = m.n
        WHERE c.id = s.customer_id AND cardinality(m.changed) > 0
        RETURNING c.id, s.n, 'interests' = ANY(m.changed)
    """
    return sql, [source, at, now]
