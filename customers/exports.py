"""Customer export: the functions behind the command line, the list page's
button and the API, so the three give the same file.

Customers are read in primary-key order, a chunk at a time (keyset: each chunk
starts after the last key of the one before), with the chunk's interests and
buying pattern in one query each. Memory and the number of queries per row stay
the same whatever the size of the export.

Every cell, the header included, goes through one rule against formula
injection (``escape_cell``). Every export is recorded in ``CustomerExport``,
one that stops midway too, with the rows it got through.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Min, Prefetch, QuerySet, Sum
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from customers import export_copy, policy
from customers import fields as registry
from customers.filters import CustomerFilter
from customers.masking import MASK, masked_fields_for
from customers.models import (
    AttributeDefinition,
    Customer,
    CustomerExport,
    ExportFormat,
    ExportStatus,
    Interest,
    Order,
)
from mis.csvfiles import csv_text, safe_cell

EXPORT_PERMISSION = "customers.export_customer"
COMMAND_LINE = "command line"

# The record's columns beyond the field registry's.
SYSTEM_COLUMNS = ("source", "created_at")
# Derived from the customer's orders. Amounts are in the orders' currency; a
# customer who bought in several currencies gets one figure per currency, in
# the order of ``order_currency``, because there is no exchange rate to add
# them up with.
BUYING_PATTERN_COLUMNS = (
    "order_count",
    "total_spent",
    "first_order_at",
    "last_order_at",
    "avg_order_value",
    "order_currency",
)
# From the customer's CustomerMetrics row, as of the last metrics refresh
# (metrics_as_of); empty for a customer added since.
METRICS_COLUMNS = ("recency_days", "rfm_r", "rfm_f", "rfm_m", "rfm_segment", "metrics_as_of")
ATTRIBUTE_PREFIX = "attributes."
MULTI_VALUE_SEPARATOR = ";"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Columns ----------------------------------------------------------------------


def export_columns() -> list[str]:
    """Every column, in the default order: the public id, the import's columns
    (under the names it reads them, so that an export can be imported again),
    the rest of the record, custom attributes by name, the buying pattern.
    The fields' columns are the field registry's."""
    attributes = AttributeDefinition.objects.order_by("name").values_list("name", flat=True)
    return [
        "id",
        *registry.importable_columns(),
        *registry.record_export_columns(),
        *SYSTEM_COLUMNS,
        *(ATTRIBUTE_PREFIX + name for name in attributes),
        *BUYING_PATTERN_COLUMNS,
        *METRICS_COLUMNS,
    ]


def customer_export_fields(*, requested: str | Sequence[str] | None, actor) -> list[str]:
    """The columns to export, in order: the ones asked for (a comma-separated
    string or a list of names), or else every column ``actor`` may see.

    ``actor`` None is the command line, run by an operator, who may export
    everything. Raises ValidationError naming an unknown column and the allowed
    ones, and PermissionDenied naming sensitive columns the actor may not see.
    """
    names = requested.split(",") if isinstance(requested, str) else list(requested or ())
    names = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    masked = set() if actor is None else set(masked_fields_for(actor))
    hidden = {column for column, name in registry.sensitive_columns().items() if name in masked}
    allowed = [column for column in export_columns() if column not in hidden]
    if not names:
        return allowed
    unknown = [name for name in names if name not in allowed and name not in hidden]
    if unknown:
        raise ValidationError(
            {
                "fields": [
                    f"Unknown field “{name}”. Allowed fields: {', '.join(allowed)}."
                    for name in unknown
                ]
            }
        )
    refused = [name for name in names if name in hidden]
    if refused:
        raise PermissionDenied(
            "You do not have permission to export sensitive data: " + ", ".join(refused) + "."
        )
    return names


def export_file_format(value: str | None) -> str:
    """The file format asked for (CSV unless said otherwise)."""
    file_format = (value or ExportFormat.CSV).strip().lower()
    if file_format not in ExportFormat.values:
        raise ValidationError(
            {"format": [f"Unknown format “{value}”. Use one of: {', '.join(ExportFormat.values)}."]}
        )
    return file_format


def export_filters(data) -> dict[str, str | list[str]]:
    """The list filters in use in ``data`` (a QueryDict), as the record keeps
    them. Empty values are what a filter form sends for "any" ("unknown" for a
    yes/no filter); they filter nothing and are left out."""
    filters: dict[str, str | list[str]] = {}
    for name in CustomerFilter.base_filters:
        values = [value for value in data.getlist(name) if value not in ("", "unknown")]
        if values:
            filters[name] = values[0] if len(values) == 1 else values
    return filters


# Rows -------------------------------------------------------------------------


def escape_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading single quote,
    so that it is shown as the text it is (OWASP "CSV injection"). It is the
    rule every CSV the system writes follows, for every cell, so phone numbers
    in E.164 (+44...) get the quote too."""
    return safe_cell(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _buying_patterns(customer_ids: list[int]) -> dict[int, dict[str, str]]:
    """The buying-pattern columns of these customers, from one aggregate query
    over their orders (grouped by currency: amounts in different currencies
    cannot be added up)."""
    per_currency: dict[int, list[dict]] = {}
    groups = (
        Order.objects.filter(customer_id__in=customer_ids)
        .order_by()
        .values("customer_id", "currency")
        .annotate(
            count=Count("pk"),
            total=Sum("total_amount"),
            first=Min("ordered_at"),
            last=Max("ordered_at"),
        )
        .order_by("customer_id", "currency")
    )
    for group in groups:
        per_currency.setdefault(group["customer_id"], []).append(group)
    patterns = {}
    for customer_id, currencies in per_currency.items():
        patterns[customer_id] = {
            "order_count": str(sum(group["count"] for group in currencies)),
            "total_spent": MULTI_VALUE_SEPARATOR.join(_money(g["total"]) for g in currencies),
            "first_order_at": _text(min(group["first"] for group in currencies)),
            "last_order_at": _text(max(group["last"] for group in currencies)),
            "avg_order_value": MULTI_VALUE_SEPARATOR.join(
                _money(Decimal(g["total"]) / g["count"]) for g in currencies
            ),
            "order_currency": MULTI_VALUE_SEPARATOR.join(g["currency"] for g in currencies),
        }
    return patterns


NO_ORDERS = {
    "order_count": "0",
    "total_spent": "0.00",
    "first_order_at": "",
    "last_order_at": "",
    "avg_order_value": "",
    "order_currency": "",
}

Getter = Callable[[Customer, Mapping[int, Mapping[str, str]]], str]


def _getter(column: str, masked: Sequence[str] = ()) -> Getter:
    """How to read one column from a customer and its chunk's buying patterns."""
    if column == "id":
        return lambda customer, patterns: str(customer.public_id)
    spec = registry.by_column(column)
    if spec is not None and spec.name in masked:
        return lambda customer, patterns: MASK
    if spec is not None and spec.type == registry.Type.COUNTRY:
        return lambda customer, patterns: getattr(customer, spec.name).code or ""
    if spec is not None and spec.type == registry.Type.TAGS:
        # The prefetched tags, already in name order: no query per customer.
        return lambda customer, patterns: MULTI_VALUE_SEPARATOR.join(
            tag.name for tag in getattr(customer, spec.name).all()
        )
    if spec is not None:
        return lambda customer, patterns: _text(getattr(customer, spec.name))
    if column.startswith(ATTRIBUTE_PREFIX):
        name = column.removeprefix(ATTRIBUTE_PREFIX)
        return lambda customer, patterns: _text((customer.attributes or {}).get(name))
    if column in BUYING_PATTERN_COLUMNS:
        return lambda customer, patterns: patterns.get(customer.pk, NO_ORDERS)[column]
    if column in METRICS_COLUMNS:
        name = "as_of" if column == "metrics_as_of" else column
        # The joined row (select_related): no query per customer.
        return lambda customer, patterns: _text(
            getattr(getattr(customer, "metrics", None), name, None)
        )
    return lambda customer, patterns: _text(getattr(customer, column))


def _chunk_size(chunk_size: int | None) -> int:
    return chunk_size or settings.CUSTOMER_EXPORT_CHUNK_SIZE


def customer_export_chunks(
    *,
    queryset: QuerySet[Customer],
    fields: Sequence[str],
    chunk_size: int | None = None,
    masked: Sequence[str] = (),
) -> Iterator[list[list[str]]]:
    """The export's data rows (escaped text, in ``fields`` order), a chunk of
    customers at a time: at most three queries per chunk (customers, their
    interests, their orders), whatever is in them. The cells of ``masked``
    fields hold the mask."""
    size = _chunk_size(chunk_size)
    getters = [_getter(column, masked) for column in fields]
    with_interests = "interests" in fields
    with_orders = any(column in BUYING_PATTERN_COLUMNS for column in fields)
    # Big columns no export cell uses stay in the database.
    queryset = queryset.prefetch_related(None).defer("field_sources", "search_text")
    if any(column in METRICS_COLUMNS for column in fields):
        queryset = queryset.select_related("metrics")
    if with_interests:
        queryset = queryset.prefetch_related(
            Prefetch("interests", queryset=Interest.objects.order_by("name"))
        )
    queryset = queryset.order_by("pk")
    after = None
    while True:
        chunk = list((queryset if after is None else queryset.filter(pk__gt=after))[:size])
        if not chunk:
            return
        patterns = _buying_patterns([customer.pk for customer in chunk]) if with_orders else {}
        yield [
            [escape_cell(getter(customer, patterns)) for getter in getters] for customer in chunk
        ]
        if len(chunk) < size:
            return
        after = chunk[-1].pk


def customer_export_csv_blocks(
    *, export: CustomerExport, queryset: QuerySet[Customer], chunk_size: int | None = None
) -> Iterator[tuple[str, int]]:
    """The export's data rows as CSV text, a chunk at a time: (text, rows).
    On PostgreSQL one COPY writes them (customers.export_copy), byte for byte
    what the chunked Python path writes everywhere else."""
    size = _chunk_size(chunk_size)
    if export_copy.usable(export.fields):
        yield from export_copy.export_blocks(
            queryset=queryset, fields=export.fields, masked=_masked(export), size=size
        )
        return
    for chunk in customer_export_chunks(
        queryset=queryset, fields=export.fields, chunk_size=size, masked=_masked(export)
    ):
        yield csv_text(chunk), len(chunk)


def _masked(export: CustomerExport) -> tuple[str, ...]:
    """The fields the export's actor may not see (none for the command line).
    Their columns are refused when the export starts; a cell of one that got
    through all the same holds the mask."""
    return () if export.actor is None else masked_fields_for(export.actor)


def customer_export_rows(
    *, queryset: QuerySet[Customer], fields: Sequence[str], chunk_size: int | None = None
) -> Iterator[list[str]]:
    """The export's data rows one by one (no header)."""
    for chunk in customer_export_chunks(queryset=queryset, fields=fields, chunk_size=chunk_size):
        yield from chunk


def export_header(fields: Sequence[str]) -> list[str]:
    return [escape_cell(column) for column in fields]


# The record -------------------------------------------------------------------


def customer_export_start(
    *,
    actor,
    via: str,
    fields: Sequence[str],
    filters: Mapping[str, Any],
    file_format: str,
    destination: str = "",
) -> CustomerExport:
    """Record an export before its first row goes out."""
    return CustomerExport.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else COMMAND_LINE,
        via=via,
        fields=list(fields),
        filters=dict(filters),
        file_format=file_format,
        destination=destination,
    )


def customer_export_finish(
    *, export: CustomerExport, row_count: int, error: str = ""
) -> CustomerExport:
    """Record how an export ended: finished, or failed after ``row_count`` rows."""
    export.row_count = row_count
    export.error = error
    export.status = ExportStatus.FAILED if error else ExportStatus.FINISHED
    export.finished_at = timezone.now()
    export.save(update_fields=["row_count", "error", "status", "finished_at"])
    # Announced once the count of rows that went out is known, stopped or not.
    policy.personal_data_read(
        user=export.actor,
        action="export",
        via=export.via,
        customer_ids=[],
        count=row_count,
        request=None,
        detail=f"export {export.public_id} ({export.file_format}, {len(export.fields)} columns)"
        + (" stopped before the end" if error else ""),
    )
    return export


class _Recording:
    """Counts the rows that went out and finishes the record however the
    export ends: at the end, on an error, or when a streamed response is closed
    before the end (the client went away), which a generator sees as
    GeneratorExit at the row it was about to send."""

    def __init__(self, export: CustomerExport):
        self.export = export
        self.rows = 0

    def __enter__(self) -> _Recording:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        if kind is None:
            error = ""
        elif issubclass(kind, GeneratorExit):
            error = "The download stopped before the end: the connection was closed."
        else:
            error = f"{kind.__name__}: {exc}" if str(exc) else kind.__name__
        customer_export_finish(export=self.export, row_count=self.rows, error=error)


def customer_export_csv_stream(
    *, export: CustomerExport, queryset: QuerySet[Customer], chunk_size: int | None = None
) -> Iterator[str]:
    """The export as CSV text, the header then one block per chunk, for a
    streamed response. A chunk counts as sent once it is handed over."""
    with _Recording(export) as recording:
        yield csv_text([export_header(export.fields)])
        for text, rows in customer_export_csv_blocks(
            export=export, queryset=queryset, chunk_size=chunk_size
        ):
            recording.rows += rows
            yield text


def customer_export_write(
    *,
    export: CustomerExport,
    queryset: QuerySet[Customer],
    out: BinaryIO,
    chunk_size: int | None = None,
) -> CustomerExport:
    """Write the whole export to the binary file ``out``, in the record's
    format. An XLSX workbook is written in openpyxl's write-only mode, which
    keeps rows on disk rather than in memory."""
    with _Recording(export) as recording:
        if export.file_format == ExportFormat.XLSX:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("Customers")
            sheet.append(_xlsx_row(export_header(export.fields)))
            for chunk in customer_export_chunks(
                queryset=queryset,
                fields=export.fields,
                chunk_size=chunk_size,
                masked=_masked(export),
            ):
                for row in chunk:
                    sheet.append(_xlsx_row(row))
                recording.rows += len(chunk)
            workbook.save(out)
        else:
            out.write(csv_text([export_header(export.fields)]).encode())
            for text, rows in customer_export_csv_blocks(
                export=export, queryset=queryset, chunk_size=chunk_size
            ):
                out.write(text.encode())
                recording.rows += rows
    return export


def _xlsx_row(row: list[str]) -> list[str]:
    # XML cannot hold most control characters; openpyxl refuses a cell with one,
    # which would stop the export at the first record imported with one.
    return [ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row]


# HTTP (the list page and the API) ---------------------------------------------


def customer_export_response(
    *, export: CustomerExport, queryset: QuerySet[Customer]
) -> HttpResponseBase:
    """The export as a download. CSV is streamed as it is read; an XLSX file
    (a zip, written whole) goes to a temporary file first, then is streamed."""
    stamp = timezone.localtime(export.started_at).strftime("%Y%m%d-%H%M%S")
    filename = f"customers-{stamp}.{export.file_format}"
    if export.file_format == ExportFormat.XLSX:
        # Not a `with`: the response closes (and so deletes) the file once sent.
        spool = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            customer_export_write(export=export, queryset=queryset, out=spool)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        response = FileResponse(
            spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )
    else:
        response = StreamingHttpResponse(
            customer_export_csv_stream(export=export, queryset=queryset),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
    # Personal data: no copy in a browser's or proxy's cache.
    patch_cache_control(response, private=True, no_store=True)
    return response
