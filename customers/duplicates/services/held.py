"""Rows of a customer import held back as certain duplicates of existing
customers (the import's ``hold_duplicates`` option), and what a reviewer
does with them.

Before an import writes anything, one set-based pass scores the rows that
would create a record against every live record: the rows go to DuckDB beside
the database's records (one ``COPY``, as for a sweep), the features are made
with the sweep's SQL, and Splink scores, with the active match model and the
sweep's blocking rules, the pairs in which at least one record is a row of
the file. A row whose best pair with an existing customer reaches the model's
"duplicate" threshold is not created: it is kept, with its cleaned values,
as a held row, and the import skips it. Pairs at the "possible" level are
created as usual and found by the pass after the import
(``services.incoming``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from customers.duplicates import engine
from customers.duplicates.engine import run
from customers.duplicates.services.sweep import (
    active_model,
    export_records,
    read_records_sql,
    write_raw_records,
)
from customers.models import Customer, HeldRow, HeldRowStatus, ImportJob
from mis.locks import lock_one

logger = logging.getLogger(__name__)


def _raw_record(number: int, values: Mapping[str, Any]) -> list:
    """A cleaned row in the sweep's raw columns; its id is minus its row
    number, so that it cannot meet a customer's id."""
    kind = values.get("kind") or (
        "organisation"
        if values.get("organisation_name")
        and not (values.get("first_name") or values.get("last_name"))
        else "person"
    )
    born = values.get("date_of_birth")
    record = {
        **{column: values.get(column) or "" for column in engine.RAW_COLUMNS},
        "id": -number,
        "kind": kind,
        "date_of_birth": born.isoformat() if isinstance(born, dt.date) else (born or ""),
    }
    return [record[column] for column in engine.RAW_COLUMNS]


def import_rows_hold(*, job: ImportJob, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> set[int]:
    """The numbers of the rows to hold back from ``job``: each of ``rows``
    ((row number, cleaned values), the rows that would create a record) that
    the active model scores a certain duplicate of a live customer is stored
    as a held row, and the job counts them. Done once per job: a resumed job
    reads its held rows back (``rows`` is not read). Without a match model
    nothing is held and the count stays empty."""
    if job.held_duplicates is not None:
        return set(HeldRow.objects.filter(import_job=job).values_list("row_number", flat=True))
    model = active_model()
    if model is None:
        logger.warning("Import %s holds no duplicates: there is no match model yet.", job.pk)
        return set()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        incoming, everyone = Path(folder) / "incoming.csv", Path(folder) / "records.csv"
        values_of: dict[int, Mapping[str, Any]] = {}

        def raw_rows() -> Iterator[list]:
            for number, values in rows:
                values_of[number] = values
                yield _raw_record(number, values)

        write_raw_records(incoming, raw_rows())
        held: list[tuple] = []
        if values_of:
            export_records(everyone)
            con = engine.connect()
            try:
                engine.load_nicknames(con)
                run(
                    con,
                    f"CREATE TABLE raw AS SELECT * FROM {read_records_sql(everyone)} "
                    f"UNION ALL SELECT * FROM {read_records_sql(incoming)}",
                )
                run(con, engine.prepare_sql("raw", "features"))
                run(con, "CREATE TABLE new_ids AS SELECT id AS unique_id FROM raw WHERE id < 0")
                pairs = engine.predict(
                    con,
                    "features",
                    model.splink_settings,
                    threshold=model.duplicate_threshold,
                    involving="new_ids",
                )
                # Pairs of a row and a customer (a < b: the row is on the
                # left); each row's most likely customer.
                held = con.execute(
                    f"SELECT -a, b, match_probability, match_weight, evidence FROM {pairs} "
                    "WHERE a < 0 AND b > 0 QUALIFY row_number() OVER "
                    "(PARTITION BY a ORDER BY match_probability DESC, b) = 1"
                ).fetchall()
            finally:
                con.close()
    with transaction.atomic():
        HeldRow.objects.bulk_create(
            [
                HeldRow(
                    import_job=job,
                    row_number=number,
                    values=values_of[number],
                    customer_id=customer,
                    match_probability=min(float(probability), 1.0),
                    match_weight=max(min(float(weight), 500.0), -500.0),
                    evidence=json.loads(evidence) if isinstance(evidence, str) else evidence,
                    match_model=model,
                )
                for number, customer, probability, weight, evidence in held
            ],
            ignore_conflicts=True,
        )
        ImportJob.objects.filter(pk=job.pk).update(held_duplicates=len(held))
    job.held_duplicates = len(held)
    logger.info(
        "Scored %s rows of import %s against the live records in %.1f s: %s held.",
        len(values_of),
        job.pk,
        time.perf_counter() - started,
        len(held),
    )
    return {row[0] for row in held}


def held_rows_url(job: ImportJob) -> str:
    """The page of an import's held rows."""
    return reverse("duplicates:held", args=[job.public_id])


def _claim(held: HeldRow) -> HeldRow:
    held = lock_one(held)
    if held.status != HeldRowStatus.HELD:
        raise ValidationError(f"Row {held.row_number} was reviewed already.")
    return held


@transaction.atomic
def held_row_discard(*, held: HeldRow, actor) -> HeldRow:
    """A reviewer confirms the row is the existing customer: it is not imported."""
    held = _claim(held)
    held.status = HeldRowStatus.DISCARDED
    held.reviewed_by, held.reviewed_at = actor, timezone.now()
    held.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return held


@transaction.atomic
def held_row_import(*, held: HeldRow, actor) -> Customer:
    """A reviewer says the row is someone else: it becomes a new customer,
    from its values as the import cleaned them, with the import's source."""
    from customers.services import customer_create

    held = _claim(held)
    # Dates come back from JSON as text, which the model's validation reads.
    customer = customer_create(data=held.values, source=held.import_job.source, actor=actor)
    held.status = HeldRowStatus.IMPORTED
    held.imported_as = customer
    held.reviewed_by, held.reviewed_at = actor, timezone.now()
    held.save(update_fields=["status", "imported_as", "reviewed_by", "reviewed_at"])
    return customer
