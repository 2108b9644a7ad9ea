"""Bulk writes with history, fast on PostgreSQL.

``bulk_create_with_history`` from django-simple-history builds one INSERT
statement of every row and then the same again for the history rows; Django
compiling those statements costs more than PostgreSQL executing them. On
PostgreSQL these functions stream the rows with ``COPY`` instead and write
the history rows with one ``INSERT ... SELECT`` from the rows just written,
so history holds exactly what the table holds. Elsewhere (SQLite) they fall
back to simple-history's own functions: same result, slower.

New rows find their primary keys after the COPY by their unique
``public_id`` (a UUID made in Python); a model without one is written by
simple-history's function.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

NULL = r"\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return str(value).translate(_ESCAPES)


def _written_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]


def _reader(field: models.Field):
    """How to read a field's value for COPY from an unsaved object. Plain
    values (text, numbers, dates, UUIDs, countries) are read as they are;
    JSON is dumped; fields that set themselves on save (auto_now) run their
    pre_save."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def read(obj):
            value = getattr(obj, field.attname)
            return None if value is None else json.dumps(value, cls=encoder)

        return read
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, add=True)
    attname = field.attname
    return lambda obj: getattr(obj, attname)


def secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, definition) of the tables' indexes that back no constraint
    (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s)
              AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            ORDER BY i.relname
            """,
            [list(tables)],
        )
        return cursor.fetchall()


@contextmanager
def indexes_rebuilt_after(tables: Sequence[str]) -> Iterator[None]:
    """Within a transaction (PostgreSQL): drop the tables' secondary indexes,
    run the block, build them again. Building an index once over a million
    rows is several times faster than keeping it current row by row; index
    builds are transactional, so a failure leaves the indexes as they were."""
    if connection.vendor != "postgresql":
        yield
        return
    indexes = secondary_indexes(tables)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)


def copy_into(table: str, columns: Sequence[str], rows) -> None:
    """Stream rows (sequences of plain values, None for NULL) into a table
    with COPY. PostgreSQL only."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)


def insert_rows(model, field_names: Sequence[str], rows: list[Sequence]) -> None:
    """Insert plain rows (no history, no keys wanted back), e.g. the links of
    a many-to-many: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = [model._meta.get_field(name).column for name in field_names]
        copy_into(model._meta.db_table, columns, rows)
    else:
        model.objects.bulk_create(
            [model(**dict(zip(field_names, row, strict=True))) for row in rows], batch_size=1000
        )


def history_insert(model, pks: Sequence[int], *, history_type: str, user, reason: str) -> None:
    """One history row per primary key, copied from the table as it now is."""
    if not pks:
        return
    history = model.history.model
    table = model._meta.db_table
    columns, selects = [], []
    base_columns = {f.column for f in model._meta.concrete_fields}
    params: list = []
    for field in history._meta.concrete_fields:
        if field.name == "history_id":
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name == "history_date":
            selects.append("%s")
            params.append(timezone.now())
        elif field.name == "history_type":
            selects.append("%s")
            params.append(history_type)
        elif field.name == "history_change_reason":
            selects.append("%s")
            params.append(reason or None)
        elif field.name == "history_user":
            selects.append("%s")
            params.append(user.pk if user is not None else None)
        elif field.column in base_columns:
            selects.append(f"t.{connection.ops.quote_name(field.column)}")
        else:  # a history field this function does not know: fail loudly
            raise ValueError(f"Cannot fill the history column {field.column!r} of {table}.")
    sql = (
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM {table} AS t WHERE t.id = ANY(%s) ORDER BY t.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(pks)])


def insert_with_history(objs: list, model, *, user=None, reason: str = "") -> list:
    """Insert new objects and their "created" history rows; sets each
    object's primary key. Call it inside a transaction."""
    if not objs:
        return objs
    has_public_id = any(f.name == "public_id" for f in model._meta.concrete_fields)
    if connection.vendor != "postgresql" or not has_public_id:
        return bulk_create_with_history(
            objs, model, default_user=user, default_change_reason=reason
        )
    fields = _written_fields(model)
    readers = [_reader(f) for f in fields]
    copy_into(
        model._meta.db_table,
        [f.column for f in fields],
        ([read(obj) for read in readers] for obj in objs),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT public_id, id FROM {model._meta.db_table} WHERE public_id = ANY(%s)",
            [[obj.public_id for obj in objs]],
        )
        pks = dict(cursor.fetchall())
    for obj in objs:
        obj.pk = pks[obj.public_id]
        obj._state.adding = False
        obj._state.db = connection.alias
    history_insert(model, [obj.pk for obj in objs], history_type="+", user=user, reason=reason)
    return objs


def update_with_history(objs: list, model, fields: list[str], *, user=None, reason: str = ""):
    """Update ``fields`` of existing objects and write their "changed"
    history rows. Call it inside a transaction."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        bulk_update_with_history(
            objs, model, fields, default_user=user, default_change_reason=reason
        )
        return
    model.objects.bulk_update(objs, fields, batch_size=1000)
    history_insert(model, [obj.pk for obj in objs], history_type="~", user=user, reason=reason)


def vacuum_after_commit(table: str) -> None:
    """Once the current transaction commits, VACUUM (ANALYZE) ``table``
    (PostgreSQL; VACUUM cannot run inside a transaction). After a bulk
    update it frees the old row versions at once, whatever the server's
    autovacuum does, so that the next bulk update finds room on each page
    for the new versions (a HOT update, no index written)."""
    if connection.vendor != "postgresql":
        return

    def vacuum() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")

    transaction.on_commit(vacuum)
