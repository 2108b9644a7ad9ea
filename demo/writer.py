"""Writes the demo set: ``seed_demo()`` loads the records ``demo.generator``
makes (customers, interest links, orders and lines) and the ground truth CSV;
``delete_demo_data()`` removes them. The ``seed_demo`` management command is a
thin wrapper around these and ``demo.users``.

Every record has ``source`` "demo" and ``external_id`` ``DEMO-000001``...;
orders have ``source`` "demo" and ``external_id`` ``DEMO-O-0000001``....
``field_sources`` is left empty: the record's ``source`` already says where
every value came from, and one JSON document per row would cost time and
space for nothing.

Speed and history
-----------------
Rows are streamed with ``COPY`` (customers, the interests through table,
orders, order lines) in one transaction per ``chunk_size`` customers, so
memory stays bounded and there is no per-row query. Primary keys are taken
from the tables' own sequences in one step per chunk (the tables are locked
for that moment), so orders and lines can name their customer and order
without reading anything back. Orders carry local wall-clock times, which
the chunk's transaction reads in Europe/London time. Every table written is
``ANALYZE``d at the end, so the planner knows the new sizes at once. On
SQLite (the quick smoke test) the same rows go through ``executemany``.

Demo data writes no django-simple-history rows. Bulk history builds one
historical instance per row and doubles the rows written: measured, it adds
about 80% to the load, which takes 100,000 customers past two minutes, and a
demo set has no past worth auditing. A demo record's history starts with its
first real change. ``reset`` deletes demo rows with set-based ``DELETE``
statements for the same reason (the ORM's delete would load every row to send
its signals and write a history row per deleted object); history rows that
real changes to demo records wrote are kept, as for any deleted record.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from customers.models import (
    Customer,
    CustomerFacts,
    CustomerKind,
    Interest,
    LifecycleStage,
    Order,
    OrderLine,
)
from customers.segments.facts import facts_rebuild, facts_triggers_disabled
from demo.generator import (
    ConsentSpec,
    Generator,
    OrderSpec,
    Record,
    entity_id_for,
    external_id_for,
    plan_records,
)
from demo.reference import INTEREST_VOCABULARY
from governance.models import Consent, Purpose
from mis.bulk import NULL, indexes_rebuilt_after

DEMO_SOURCE = "demo"
DEFAULT_CUSTOMERS = 2000
DEFAULT_SEED = 42
DEFAULT_DUPLICATE_RATE = 0.05
DEFAULT_DEFECT_RATE = 0.03
DEFAULT_MAX_ORDERS = 40
MAX_RATE = 0.5
TRUTH_COLUMNS = ("external_id", "entity_id", "duplicate_of", "variation", "defects")

# Customers per transaction; orders and lines of a chunk go in the same one.
DEFAULT_CHUNK_SIZE = 10000
# From this many customers a load rebuilds the indexes at the end (see _loading).
WHOLE_LOAD_MIN = 50_000


def default_truth_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "ground_truth.csv"


class DemoDataError(Exception):
    """The demo data cannot be seeded as asked; the message says why."""


@dataclass(frozen=True)
class SeedProgress:
    customers_done: int
    customers_total: int
    orders: int
    lines: int


@dataclass(frozen=True)
class SeedResult:
    customers: int
    duplicates: int
    defects: int
    orders: int
    lines: int
    interest_links: int
    seconds: float
    truth_path: Path | None
    deleted_customers: int = 0
    skipped: bool = False
    consents: int = 0


def demo_customer_count() -> int:
    return Customer.objects.filter(source=DEMO_SOURCE).count()


def _quoted(model, field_name: str | None = None) -> str:
    qn = connection.ops.quote_name
    if field_name is None:
        return qn(model._meta.db_table)
    return qn(model._meta.get_field(field_name).column)


def _delete_other_references(model, known: set) -> None:
    """Rows of other models that point at demo rows of ``model`` (a consent
    record, say) go through the ORM, so their own cascades, protections and
    signals apply. There are none today; the fast path below covers the
    models this module writes."""
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.related_model in known:
            continue
        lookup = relation.field.name + ("__source" if model is Customer else "__customer__source")
        relation.related_model._base_manager.filter(**{lookup: DEMO_SOURCE}).delete()


@contextmanager
def _bulk_transaction() -> Iterator[None]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A crash could lose the last chunks written, never corrupt them,
            # and not waiting for the WAL flush of each big commit saves
            # about a fifth of the time.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _is_superuser() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _skip_key_checks() -> None:
    """Within the current transaction, do not fire the foreign-key triggers
    (``session_replication_role = replica``, as pg_restore does). Only for
    the writer's own statements, whose keys it has made consistent itself;
    needs a superuser, so callers check ``_is_superuser()`` first. Checking
    every one of 16M keys one by one is most of a full-size load's time."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role TO replica")


@contextmanager
def _loading(*, whole: bool) -> Iterator[Callable[[], Any]]:
    """The transactions a seeding writes in. Yields what each chunk runs in.

    A small load: one transaction per chunk. A whole load (large,
    PostgreSQL): one transaction for everything, the segment-facts triggers
    off (the facts are rebuilt once at the end), the tables' secondary
    indexes dropped first and built again at the end, which is several times
    faster than keeping 40 indexes current row by row, and, for a superuser,
    the foreign-key triggers off. Index builds and trigger switches are
    transactional: a failed load leaves the tables, their indexes and
    triggers as they were."""
    if not whole:
        yield _bulk_transaction
        return
    names = [table.name for table in _tables().values()]
    with _bulk_transaction():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE")
        if _is_superuser():
            _skip_key_checks()
        with facts_triggers_disabled(), indexes_rebuilt_after(names):
            yield nullcontext


def delete_demo_data(*, analyse: bool = True) -> int:
    """Delete every demo customer with its orders, lines and interest links in
    a few set-based statements. Returns the number of customers deleted.
    ``analyse`` False leaves the statistics to a load that follows."""
    with _bulk_transaction():
        deleted = _delete_demo_rows()
    if analyse:
        analyse_demo_tables()
    return deleted


def _delete_demo_rows() -> int:
    through = Customer.interests.through
    _delete_other_references(Customer, {Order, through, Consent, CustomerFacts})
    _delete_other_references(Order, {OrderLine})
    customer_ids = (
        f"SELECT {_quoted(Customer, 'id')} FROM {_quoted(Customer)} "
        f"WHERE {_quoted(Customer, 'source')} = %s"
    )
    order_ids = (
        f"SELECT {_quoted(Order, 'id')} FROM {_quoted(Order)} "
        f"WHERE {_quoted(Order, 'customer')} IN ({customer_ids})"
    )
    if _is_superuser():
        # Every row that points at a demo row has been deleted above: the
        # foreign-key checks would only find nothing, once per row.
        _skip_key_checks()
    with connection.cursor() as cursor:
        # The segment facts of demo customers (the triggers that would remove
        # them may be off, see _skip_key_checks).
        cursor.execute(
            f"DELETE FROM {_quoted(CustomerFacts)} WHERE {_quoted(CustomerFacts, 'customer')} "
            f"IN ({customer_ids})",
            [DEMO_SOURCE],
        )
        # The demo's consents are its own sample proof: they go with the demo
        # (Consent refuses deletion through the ORM, as real proof must).
        cursor.execute(
            f"DELETE FROM {_quoted(Consent)} WHERE {_quoted(Consent, 'customer')} "
            f"IN ({customer_ids})",
            [DEMO_SOURCE],
        )
        cursor.execute(
            f"DELETE FROM {_quoted(OrderLine)} WHERE {_quoted(OrderLine, 'order')} "
            f"IN ({order_ids})",
            [DEMO_SOURCE],
        )
        cursor.execute(
            f"DELETE FROM {_quoted(through)} WHERE {_quoted(through, 'customer')} "
            f"IN ({customer_ids})",
            [DEMO_SOURCE],
        )
        cursor.execute(
            f"DELETE FROM {_quoted(Order)} WHERE {_quoted(Order, 'customer')} IN ({customer_ids})",
            [DEMO_SOURCE],
        )
        cursor.execute(
            f"DELETE FROM {_quoted(Customer)} WHERE {_quoted(Customer, 'source')} = %s",
            [DEMO_SOURCE],
        )
        return cursor.rowcount


def _interest_ids() -> dict[str, int]:
    Interest.objects.bulk_create(
        [Interest(name=name) for name in INTEREST_VOCABULARY], ignore_conflicts=True
    )
    return dict(Interest.objects.filter(name__in=INTEREST_VOCABULARY).values_list("name", "pk"))


class _Table:
    """A table the writer streams rows into: its name and the columns of
    each row, in order, with the model fields they belong to."""

    def __init__(self, model, field_names: tuple[str, ...]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.fields = [model._meta.get_field(name) for name in field_names]
        self.columns = [f.column for f in self.fields]


_CUSTOMER_FIELDS = (
    "id",
    "public_id",
    "external_id",
    "source",
    "lifecycle_stage",
    "attributes",
    "field_sources",
    "contactability",
    "is_test",
    "created_at",
    "updated_at",
    "kind",
    "first_name",
    "last_name",
    "organisation_name",
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
    "lifestyle",
    "values",
    "last_verified_at",
)
_VALUE_FIELDS = _CUSTOMER_FIELDS[11:]  # what the generator's record holds
_ORDER_FIELDS = (
    "id",
    "public_id",
    "customer",
    "source",
    "external_id",
    "ordered_at",
    "currency",
    "channel",
    "total_amount",
    "created_at",
)
_LINE_FIELDS = ("id", "order", "product_category", "quantity", "amount")
_CONSENT_FIELDS = (
    "public_id",
    "customer",
    "purpose",
    "channel",
    "status",
    "occurred_at",
    "recorded_at",
    "capture_method",
    "source",
    "wording_version",
    "wording_text",
    "evidence",
)
# Times the generator writes as local (Europe/London) wall-clock text.
_LOCAL_TIME_FIELDS = {"created_at", "updated_at", "ordered_at", "occurred_at", "recorded_at"}
_LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=1)
def _tables() -> dict[str, _Table]:
    return {
        "customer": _Table(Customer, _CUSTOMER_FIELDS),
        "link": _Table(Customer.interests.through, ("customer", "interest")),
        "order": _Table(Order, _ORDER_FIELDS),
        "line": _Table(OrderLine, _LINE_FIELDS),
        "consent": _Table(Consent, _CONSENT_FIELDS),
    }


def _uuids() -> Iterator[str]:
    """Time-ordered UUIDs (version 7: milliseconds since 1970, then a counter
    and random bits), as the 32 hex digits both PostgreSQL and Django's SQLite
    column accept. Keys that grow add to the right edge of the unique index,
    where random ones would touch a random page of it for every row. Their
    random part need not repeat with the seed: it is a generator of its own,
    so the seeded stream of people and orders stays the same."""
    bits = random.Random().getrandbits
    start = int(time.time() * 1000) << 80 | 0x7 << 76 | 0x2 << 62
    for counter in itertools.count():
        # 12 + 30 bits of counter above 32 random bits.
        yield f"{start | (counter >> 30) << 64 | (counter & 0x3FFFFFFF) << 32 | bits(32):032x}"


def _reserve_ids(table: _Table, count: int) -> int:
    """Take ``count`` consecutive primary keys from the table's sequence (the
    table is locked by the caller); returns the first."""
    if not count:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table.name, table.name, count],
            )
            return cursor.fetchone()[0] - count + 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {_quoted(table.model)}")
        return cursor.fetchone()[0]


def _write(table: _Table, rows: list[tuple]) -> None:
    """Write rows whose values are already in COPY's text form (strings and
    integers, ``NULL`` for none): streamed with COPY on PostgreSQL, through
    ``executemany`` elsewhere. Generated text never holds a tab, newline or
    backslash; if it did, COPY would refuse the chunk rather than misread it."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        buffer = io.StringIO("\n".join(["\t".join(map(str, row)) for row in rows]) + "\n")
        names = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table.name} ({names}) FROM STDIN", buffer)
        return
    prepared = [
        [_sqlite_value(field, value) for field, value in zip(table.fields, row, strict=True)]
        for row in rows
    ]
    names = ", ".join(connection.ops.quote_name(c) for c in table.columns)
    marks = ", ".join(["%s"] * len(table.columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", prepared)


def _copy_value(value) -> str:
    """A generated value that is not text, in COPY's text form."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _sqlite_value(field, value):
    if value == NULL:
        return None
    if field.name in _LOCAL_TIME_FIELDS:
        value = datetime.fromisoformat(value).replace(tzinfo=_LONDON)
    if field.name in ("total_amount", "amount"):
        value = Decimal(value)
    if field.name in ("public_id", "attributes", "field_sources"):
        return value  # already the column's text
    return field.get_db_prep_save(value, connection)


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


@dataclass
class _Chunk:
    """One chunk's customers before they have primary keys."""

    customers: list[tuple[Record, str, str, str]] = field(default_factory=list)
    # (record, external id, lifecycle stage, created_at)
    orders: list[list[OrderSpec]] = field(default_factory=list)  # per customer
    consents: list[list[ConsentSpec]] = field(default_factory=list)  # per customer


def _write_chunk(
    chunk: _Chunk,
    now: str,
    uuids: Iterator[str],
    in_transaction: Callable[[], Any],
    purposes: dict[str, int],
) -> tuple[int, int, int]:
    """Insert one chunk; returns the orders and lines written."""
    tables = _tables()
    order_count = sum(len(specs) for specs in chunk.orders)
    line_count = sum(len(spec.lines) for specs in chunk.orders for spec in specs)
    with in_transaction():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {tables['customer'].name}, {tables['order'].name}, "
                    f"{tables['line'].name} IN EXCLUSIVE MODE"
                )
                cursor.execute("SET LOCAL TimeZone TO 'Europe/London'")
        customer_id = _reserve_ids(tables["customer"], len(chunk.customers))
        order_id = _reserve_ids(tables["order"], order_count)
        line_id = _reserve_ids(tables["line"], line_count)
        customers, links, orders, lines, consents = [], [], [], [], []
        for n, ((record, external_id, stage, created_at), specs, events) in enumerate(
            zip(chunk.customers, chunk.orders, chunk.consents, strict=True)
        ):
            pk = customer_id + n
            values = record.values
            customers.append(
                (
                    pk,
                    next(uuids),
                    external_id,
                    DEMO_SOURCE,
                    stage,
                    "{}",
                    "{}",
                    "ok",
                    "f",
                    created_at,
                    now,
                    *[
                        value if value.__class__ is str else _copy_value(value)
                        for value in map(values.__getitem__, _VALUE_FIELDS)
                    ],
                )
            )
            links.extend((pk, interest) for interest in record.interests)
            consents.extend(
                (next(uuids), pk, purposes[event.purpose], *event[1:4], now, *event[4:])
                for event in events
                if event.purpose in purposes
            )
            for spec in specs:
                orders.append(
                    (
                        order_id,
                        next(uuids),
                        pk,
                        DEMO_SOURCE,
                        spec.external_id,
                        spec.ordered_at,
                        "GBP",
                        spec.channel,
                        _pounds(spec.total_pence),
                        now,
                    )
                )
                for category, quantity, pence in spec.lines:
                    lines.append((line_id, order_id, category, quantity, _pounds(pence)))
                    line_id += 1
                order_id += 1
        _write(tables["customer"], customers)
        _write(tables["link"], links)
        _write(tables["order"], orders)
        _write(tables["line"], lines)
        _write(tables["consent"], consents)
    return len(orders), len(lines), len(consents)


def analyse_demo_tables() -> None:
    """Bring the planner's statistics up to date after a bulk load."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in _tables().values():
            cursor.execute(f"ANALYZE {table.name}")


def validate_options(
    *,
    customers: int,
    duplicate_rate: float,
    defect_rate: float,
    max_orders: int = DEFAULT_MAX_ORDERS,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> None:
    if customers < 0:
        raise DemoDataError(f"The number of customers must be 0 or more, not {customers}.")
    for label, rate in (("duplicate", duplicate_rate), ("defect", defect_rate)):
        if not 0 <= rate <= MAX_RATE:
            raise DemoDataError(
                f"The {label} rate must be between 0 and {MAX_RATE} (a share, such as 0.05), "
                f"not {rate}."
            )
    if max_orders < 1:
        raise DemoDataError(f"The most orders per customer must be 1 or more, not {max_orders}.")
    if chunk_size < 1:
        raise DemoDataError(f"The chunk size must be 1 or more, not {chunk_size}.")


def seed_demo(
    *,
    customers: int,
    seed: int,
    duplicate_rate: float = DEFAULT_DUPLICATE_RATE,
    defect_rate: float = DEFAULT_DEFECT_RATE,
    max_orders: int = DEFAULT_MAX_ORDERS,
    truth_path: Path | None = None,
    reset: bool = False,
    if_empty: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    now: datetime | None = None,
    progress: Callable[[SeedProgress], None] | None = None,
) -> SeedResult:
    """Load ``customers`` demo records (duplicates and defective records
    included) with their orders, and write the ground truth CSV.

    Without ``reset`` an existing demo set is an error (``if_empty``: it is
    left alone and nothing is seeded); with ``reset`` it is deleted first.
    """
    validate_options(
        customers=customers,
        duplicate_rate=duplicate_rate,
        defect_rate=defect_rate,
        max_orders=max_orders,
        chunk_size=chunk_size,
    )
    if reset and if_empty:
        raise DemoDataError("Use either reset (replace the demo data) or if-empty, not both.")
    started = time.perf_counter()
    truth_path = Path(truth_path) if truth_path else default_truth_path()
    existing = demo_customer_count()
    deleted = 0
    if existing and if_empty:
        return SeedResult(
            customers=0,
            duplicates=0,
            defects=0,
            orders=0,
            lines=0,
            interest_links=0,
            seconds=time.perf_counter() - started,
            truth_path=None,
            skipped=True,
        )
    if existing and not reset:
        raise DemoDataError(
            f"There is demo data already ({existing} customers with source "
            f"'{DEMO_SOURCE}'). Run with --reset to replace it, or --if-empty to keep it."
        )
    if reset:
        # The load that follows analyses the same tables.
        deleted = delete_demo_data(analyse=False)

    now = now or timezone.now()
    now_text = timezone.localtime(now, _LONDON).replace(tzinfo=None).isoformat(sep=" ")
    generator = Generator(seed=seed, now=now, interest_ids=_interest_ids(), max_orders=max_orders)
    plan = plan_records(generator.rng, customers, duplicate_rate, defect_rate)
    uuids = _uuids()
    consent_rng = random.Random(f"consents-{seed}")
    purposes = dict(Purpose.objects.values_list("code", "pk"))
    kept: dict[int, Record] = {}  # originals that a later duplicate copies
    totals = {"duplicates": 0, "defects": 0, "orders": 0, "lines": 0, "links": 0, "consents": 0}

    truth_path.parent.mkdir(parents=True, exist_ok=True)
    # Its own name per run: two seedings at once must not take each other's file.
    partial = truth_path.with_name(f"{truth_path.name}.{os.getpid()}.partial")
    whole = customers >= WHOLE_LOAD_MIN and connection.vendor == "postgresql"
    with (
        partial.open("w", newline="", encoding="utf-8") as handle,
        _loading(whole=whole) as in_chunk,
    ):
        truth = csv.writer(handle, lineterminator="\n")
        truth.writerow(TRUTH_COLUMNS)
        for start in range(0, customers, chunk_size):
            stop = min(start + chunk_size, customers)
            chunk = _Chunk()
            for position in range(start, stop):
                entity = plan.entity[position]
                if plan.is_duplicate[position]:
                    record = generator.duplicate(kept[entity])
                    totals["duplicates"] += 1
                else:
                    record = generator.original()
                    if entity in plan.duplicated:
                        kept[entity] = Record(
                            values=dict(record.values),
                            interests=list(record.interests),
                            age=record.age,
                        )
                if position in plan.defective:
                    generator.add_defects(record)
                    totals["defects"] += 1
                stage = generator.stage()
                external_id = external_id_for(position)
                specs: list[OrderSpec] = []
                if stage in (LifecycleStage.CUSTOMER, LifecycleStage.LAPSED):
                    specs = generator.orders(
                        stage,
                        generator.channel_preference(record),
                        is_organisation=record.values["kind"] == CustomerKind.ORGANISATION,
                    )
                created_at = generator.created_at(specs[0].ordered_at if specs else None)
                chunk.customers.append((record, external_id, stage, created_at))
                chunk.orders.append(specs)
                chunk.consents.append(generator.consents(record, created_at, consent_rng))
                totals["links"] += len(record.interests)
                truth.writerow(
                    (
                        external_id,
                        entity_id_for(entity),
                        external_id_for(plan.first_position[entity])
                        if plan.is_duplicate[position]
                        else "",
                        ";".join(record.variations),
                        ";".join(record.defects),
                    )
                )
            orders, lines, consents = _write_chunk(chunk, now_text, uuids, in_chunk, purposes)
            totals["orders"] += orders
            totals["lines"] += lines
            totals["consents"] += consents
            if progress is not None:
                progress(SeedProgress(stop, customers, totals["orders"], totals["lines"]))
    if whole:
        # The load ran without triggers: the segment facts are built in one pass.
        facts_rebuild()
    analyse_demo_tables()
    os.replace(partial, truth_path)
    return SeedResult(
        customers=customers,
        duplicates=totals["duplicates"],
        defects=totals["defects"],
        orders=totals["orders"],
        lines=totals["lines"],
        interest_links=totals["links"],
        consents=totals["consents"],
        seconds=time.perf_counter() - started,
        truth_path=truth_path,
        deleted_customers=deleted,
    )
