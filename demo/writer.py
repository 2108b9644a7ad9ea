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
Everything is written with ``bulk_create`` (customers, the interests through
table, orders, order lines) in one transaction per ``chunk_size`` customers,
so memory stays bounded and there is no per-row query. 100,000 customers with
about 207,000 orders and 387,000 lines load in about 75 seconds on PostgreSQL
on a 2-core machine, most of it Django preparing the rows.

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
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from customers.models import (
    Customer,
    CustomerKind,
    Interest,
    LifecycleStage,
    Order,
    OrderLine,
)
from demo.generator import (
    Generator,
    OrderSpec,
    Record,
    entity_id_for,
    external_id_for,
    plan_records,
)
from demo.reference import INTEREST_VOCABULARY

DEMO_SOURCE = "demo"
DEFAULT_CUSTOMERS = 2000
DEFAULT_SEED = 42
DEFAULT_DUPLICATE_RATE = 0.05
DEFAULT_DEFECT_RATE = 0.03
DEFAULT_MAX_ORDERS = 12
MAX_RATE = 0.5
TRUTH_COLUMNS = ("external_id", "entity_id", "duplicate_of", "variation", "defects")

# Customers per transaction; orders and lines of a chunk go in the same one.
DEFAULT_CHUNK_SIZE = 5000
_BATCH_SIZE = 2000


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


def delete_demo_data() -> int:
    """Delete every demo customer with its orders, lines and interest links in
    a few set-based statements. Returns the number of customers deleted."""
    with _bulk_transaction():
        return _delete_demo_rows()


def _delete_demo_rows() -> int:
    through = Customer.interests.through
    _delete_other_references(Customer, {Order, through})
    _delete_other_references(Order, {OrderLine})
    customer_ids = (
        f"SELECT {_quoted(Customer, 'id')} FROM {_quoted(Customer)} "
        f"WHERE {_quoted(Customer, 'source')} = %s"
    )
    order_ids = (
        f"SELECT {_quoted(Order, 'id')} FROM {_quoted(Order)} "
        f"WHERE {_quoted(Order, 'customer')} IN ({customer_ids})"
    )
    with connection.cursor() as cursor:
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


def _write_chunk(
    customers: list[Customer],
    links: list[tuple[Customer, int]],
    bought: list[tuple[Customer, list[OrderSpec]]],
) -> tuple[int, int]:
    """Insert one chunk in one transaction; returns the orders and lines written."""
    through = Customer.interests.through
    with _bulk_transaction():
        Customer.objects.bulk_create(customers, batch_size=_BATCH_SIZE)
        through.objects.bulk_create(
            [
                through(customer_id=customer.pk, interest_id=interest)
                for customer, interest in links
            ],
            batch_size=_BATCH_SIZE * 5,
        )
        orders = [
            Order(
                customer_id=customer.pk,
                source=DEMO_SOURCE,
                external_id=spec.external_id,
                ordered_at=spec.ordered_at,
                currency="GBP",
                channel=spec.channel,
                total_amount=spec.total,
            )
            for customer, specs in bought
            for spec in specs
        ]
        Order.objects.bulk_create(orders, batch_size=_BATCH_SIZE)
        specs = (spec for _, specs in bought for spec in specs)
        lines = [
            OrderLine(
                order_id=order.pk, product_category=category, quantity=quantity, amount=amount
            )
            for order, spec in zip(orders, specs, strict=True)
            for category, quantity, amount in spec.lines
        ]
        OrderLine.objects.bulk_create(lines, batch_size=_BATCH_SIZE * 2)
    return len(orders), len(lines)


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
        deleted = delete_demo_data()

    now = now or timezone.now()
    generator = Generator(seed=seed, now=now, interest_ids=_interest_ids(), max_orders=max_orders)
    plan = plan_records(generator.rng, customers, duplicate_rate, defect_rate)
    kept: dict[int, Record] = {}  # originals that a later duplicate copies
    totals = {"duplicates": 0, "defects": 0, "orders": 0, "lines": 0, "links": 0}

    truth_path.parent.mkdir(parents=True, exist_ok=True)
    partial = truth_path.with_name(truth_path.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        truth = csv.writer(handle, lineterminator="\n")
        truth.writerow(TRUTH_COLUMNS)
        for start in range(0, customers, chunk_size):
            stop = min(start + chunk_size, customers)
            batch: list[Customer] = []
            links: list[tuple[Customer, int]] = []
            bought: list[tuple[Customer, list[OrderSpec]]] = []
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
                customer = Customer(
                    **record.values,
                    external_id=external_id,
                    source=DEMO_SOURCE,
                    lifecycle_stage=stage,
                )
                batch.append(customer)
                links.extend((customer, interest) for interest in record.interests)
                if stage in (LifecycleStage.CUSTOMER, LifecycleStage.LAPSED):
                    specs = generator.orders(
                        stage,
                        generator.channel_preference(record),
                        is_organisation=record.values["kind"] == CustomerKind.ORGANISATION,
                    )
                    bought.append((customer, specs))
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
            orders, lines = _write_chunk(batch, links, bought)
            totals["orders"] += orders
            totals["lines"] += lines
            totals["links"] += len(links)
            if progress is not None:
                progress(SeedProgress(stop, customers, totals["orders"], totals["lines"]))
    os.replace(partial, truth_path)
    return SeedResult(
        customers=customers,
        duplicates=totals["duplicates"],
        defects=totals["defects"],
        orders=totals["orders"],
        lines=totals["lines"],
        interest_links=totals["links"],
        seconds=time.perf_counter() - started,
        truth_path=truth_path,
        deleted_customers=deleted,
    )
