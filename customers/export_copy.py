"""The CSV export on PostgreSQL: one ``COPY (SELECT ...) TO STDOUT``.

The SELECT computes every cell as the Python path (customers.exports) writes
it, from the field registry (customers.fields): the same text for dates,
times (ISO 8601 in the current time zone), numbers, tags, custom attributes
and the buying pattern; sensitive columns the actor may not see hold the
mask; every cell goes through the formula rule (mis.csvfiles.safe_cell,
here as a CASE over the same prefixes). PostgreSQL's CSV quoting is the csv
module's (a cell is quoted when it holds a comma, a quote, CR or LF; quotes
are doubled), and an empty cell is written as NULL so that it is not quoted.
Records end in CRLF as the csv module's do: the server sends one row per
message and the reader turns its final LF into CRLF. So the bytes are the
Python path's (tests/customers/test_export_copy.py compares the two).

One statement reads the whole export, with the interests and orders of each
customer joined in, instead of three queries per chunk and a Python object
per row. The rows go to a temporary file as they arrive and are handed on a
chunk at a time, so memory stays flat whatever the size.
"""

from __future__ import annotations

import tempfile
import zoneinfo
from collections.abc import Iterator, Sequence
from typing import IO

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from customers import exports
from customers import fields as registry
from customers.masking import MASK
from customers.models import Customer, CustomerMetrics, Order
from mis.csvfiles import FORMULA_PREFIXES


def usable(fields: Sequence[str]) -> bool:
    """Whether COPY can write this export byte for byte as the Python path:
    on PostgreSQL, in a named time zone, with more than one column (a lone
    empty cell, or a lone ``\\.``, is quoted differently by the two writers)."""
    tz = timezone.get_current_timezone()
    return (
        connection.vendor == "postgresql"
        and len(fields) > 1
        and (isinstance(tz, zoneinfo.ZoneInfo) or timezone.get_current_timezone_name() == "UTC")
    )


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _iso_datetime(value: str) -> str:
    """``timezone.localtime(value).isoformat()`` in SQL: local wall time,
    microseconds only when there are any, the UTC offset as +HH:MM (and :SS
    for the odd historical offset). The zone is a parameter, named ``tz`` in
    the inner query. (``%%`` is the statement's
    ``%``: it goes through the driver's parameter formatting.)"""
    local = f"({value} AT TIME ZONE tz.name)"
    offset = f"extract(epoch FROM {local} - ({value} AT TIME ZONE 'UTC'))::int"
    span = f"make_interval(secs => abs({offset}))"
    return (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {local}) <> {local}"
        f" THEN to_char({local}, '.US') ELSE '' END"
        f" || CASE WHEN {offset} < 0 THEN '-' ELSE '+' END || to_char({span}, 'HH24:MI')"
        f" || CASE WHEN {offset} %% 60 <> 0 THEN to_char({span}, ':SS') ELSE '' END"
    )


def _model_field_sql(field, alias: str) -> str:
    """A model field's value as the text ``exports._text`` makes of it."""
    column = f"{alias}.{_q(field.column)}"
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return _iso_datetime(column)
    if kind == "DateField":
        return f"to_char({column}, 'YYYY-MM-DD')"
    if kind == "BooleanField":
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
    return f"{column}::text"


def _registry_sql(spec: registry.CustomerField) -> str:
    """A registry field's cell, by the registry's type."""
    field = Customer._meta.get_field(spec.name)
    if spec.type == registry.Type.TAGS:
        return "tags.names"
    if spec.type in (registry.Type.DATE, registry.Type.DATETIME, registry.Type.INTEGER):
        return _model_field_sql(field, "c")
    # Text, choices, e-mail, phone, postcode, the country's code.
    return f"c.{_q(field.column)}::text"


def _order_sql() -> str:
    """One customer's buying pattern, per currency in currency order, as
    ``exports._buying_patterns`` gives it (amounts to the penny, half up)."""
    orders = Order._meta.db_table
    sep = _literal(exports.MULTI_VALUE_SEPARATOR)
    return f"""
        SELECT sum(g.n) AS n,
               string_agg(round(g.total, 2)::text, {sep} ORDER BY g.currency) AS total,
               min(g.first) AS first, max(g.last) AS last,
               string_agg(round(g.total / g.n, 2)::text, {sep} ORDER BY g.currency) AS average,
               string_agg(g.currency, {sep} ORDER BY g.currency) AS currencies
        FROM (SELECT o.currency, count(*) AS n, sum(o.total_amount) AS total,
                     min(o.ordered_at) AS first, max(o.ordered_at) AS last
              FROM {orders} o WHERE o.customer_id = c.id GROUP BY o.currency) g"""


def _tags_sql(spec: registry.CustomerField) -> str:
    relation = Customer._meta.get_field(spec.name)
    through = relation.remote_field.through._meta
    target = relation.related_model._meta.db_table
    sep = _literal(exports.MULTI_VALUE_SEPARATOR)
    return (
        f"SELECT string_agg(t.name, {sep} ORDER BY t.name) AS names FROM {through.db_table} x"
        f" JOIN {target} t ON t.id = x.{_q(relation.m2m_reverse_name())}"
        f" WHERE x.{_q(relation.m2m_column_name())} = c.id"
    )


_PATTERN_SQL = {
    "order_count": "coalesce(orders.n, 0)::text",
    "total_spent": "coalesce(orders.total, '0.00')",
    "first_order_at": _iso_datetime("orders.first"),
    "last_order_at": _iso_datetime("orders.last"),
    "avg_order_value": "orders.average",
    "order_currency": "orders.currencies",
}


def _cell_sql(column: str, masked: set[str], params: list) -> str:
    """The SQL of one column's cell before the formula rule."""
    if column == "id":
        return "c.public_id::text"
    spec = registry.by_column(column)
    if spec is not None:
        if spec.name in masked:
            return _literal(MASK)
        return _registry_sql(spec)
    if column.startswith(exports.ATTRIBUTE_PREFIX):
        params.append(column.removeprefix(exports.ATTRIBUTE_PREFIX))
        # Stored values are text, whole numbers and booleans (clean_value),
        # whose JSON text is what str() makes of them.
        return "c.attributes ->> %s"
    if column in exports.BUYING_PATTERN_COLUMNS:
        return _PATTERN_SQL[column]
    if column in exports.METRICS_COLUMNS:
        name = "as_of" if column == "metrics_as_of" else column
        return _model_field_sql(CustomerMetrics._meta.get_field(name), "m")
    return _model_field_sql(Customer._meta.get_field(column), "c")


def _safe_sql(cell: str) -> str:
    """The formula rule (mis.csvfiles.safe_cell) over an inner column, and
    NULL for an empty cell (COPY quotes an empty string, the csv module does
    not)."""
    prefixes = ", ".join(_literal(prefix) for prefix in FORMULA_PREFIXES)
    return (
        f"CASE WHEN left({cell}, 1) IN ({prefixes}) THEN '''' || {cell} ELSE nullif({cell}, '') END"
    )


def export_sql(
    *, queryset: QuerySet[Customer], fields: Sequence[str], masked: Sequence[str] = ()
) -> tuple[str, list]:
    """The export's SELECT (rows in primary-key order) and its parameters."""
    params: list = []
    cells = [_cell_sql(column, set(masked), params) for column in fields]
    joins = []
    if any(column in exports.METRICS_COLUMNS for column in fields):
        joins.append(f"LEFT JOIN {CustomerMetrics._meta.db_table} m ON m.customer_id = c.id")
    tags = [
        spec
        for spec in registry.FIELDS
        if spec.type == registry.Type.TAGS and spec.import_column in fields
    ]
    for spec in tags:  # one today: interests
        joins.append(f"LEFT JOIN LATERAL ({_tags_sql(spec)}) tags ON true")
    if any(column in exports.BUYING_PATTERN_COLUMNS for column in fields):
        joins.append(f"LEFT JOIN LATERAL ({_order_sql()}) orders ON true")
    members, member_params = queryset.order_by().values("pk").query.sql_with_params()
    inner = ", ".join(f"{cell} AS v{n}" for n, cell in enumerate(cells))
    outer = ", ".join(_safe_sql(f"e.v{n}") for n in range(len(cells)))
    # OFFSET 0 keeps the inner query whole: without it the planner would
    # copy each cell's expression into the CASE that reads it twice.
    sql = (
        f"SELECT {outer} FROM ("
        f"SELECT {inner} FROM (SELECT %s::text AS name) tz"
        f" CROSS JOIN {Customer._meta.db_table} c {' '.join(joins)}"
        f" WHERE c.id IN ({members}) ORDER BY c.id OFFSET 0) e"
    )
    return sql, [*params, timezone.get_current_timezone_name(), *member_params]


class _Spool:
    """What COPY writes: each row (one call per row) to a temporary file,
    its LF ending made CRLF, with the file's offset at every ``size`` rows."""

    def __init__(self, file: IO[bytes], size: int) -> None:
        self.file = file
        self.size = size
        self.rows = 0
        self.ends = [0]

    def write(self, row) -> None:
        data = bytes(row)
        self.file.write(data[:-1])
        self.file.write(b"\r\n")
        self.rows += 1
        if self.rows % self.size == 0:
            self.ends.append(self.file.tell())


def export_blocks(
    *, queryset: QuerySet[Customer], fields: Sequence[str], masked: Sequence[str], size: int
) -> Iterator[tuple[str, int]]:
    """The export's data rows as CSV text, ``size`` rows a block: (text, rows)."""
    sql, params = export_sql(queryset=queryset, fields=fields, masked=masked)
    with tempfile.TemporaryFile() as file:
        spool = _Spool(file, size)
        with connection.cursor() as cursor:
            statement = cursor.mogrify(sql, params)
            if isinstance(statement, bytes):
                statement = statement.decode()
            cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", spool)
        if spool.ends[-1] != file.tell():
            spool.ends.append(file.tell())
        file.seek(0)
        for number, (start, end) in enumerate(zip(spool.ends, spool.ends[1:], strict=False)):
            rows = min(size, spool.rows - number * size)
            yield file.read(end - start).decode(), rows
