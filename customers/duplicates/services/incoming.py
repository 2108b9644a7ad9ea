"""Likely duplicates of the records an import created or changed, found as
the import ends, so that they are in the review queue before anyone uses the
new records.

One set-based pass, not a lookup per row: every live record goes to DuckDB
(one ``COPY``, as for a sweep), the features are made with the sweep's SQL,
and Splink scores, with the active match model and the sweep's blocking
rules, the pairs in which at least one record is of the import (the records
that share a blocking key with one of them, and no others, are scored; term
frequencies come from the whole database). The pairs at or above the model's
"possible" threshold are written as candidates, each marked with the import.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from django.urls import reverse

from customers.duplicates import engine
from customers.duplicates.engine import run
from customers.duplicates.services.sweep import (
    active_model,
    candidates_upsert,
    export_records,
    load_features,
    read_records_sql,
)
from customers.models import Customer, ImportJob

logger = logging.getLogger(__name__)


def duplicates_find_for_records(*, queryset, import_job: ImportJob | None = None) -> int | None:
    """Score the records of ``queryset`` against every live record (and each
    other) and write the likely pairs as candidates; returns how many pairs
    involve them, or None when there is no match model to score with."""
    model = active_model()
    if model is None:
        return None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        everyone, new = Path(folder) / "records.csv", Path(folder) / "new.csv"
        if not export_records(new, queryset=queryset):
            return 0
        records = export_records(everyone)
        con = engine.connect()
        try:
            load_features(con, everyone)
            run(
                con,
                f"CREATE TABLE new_ids AS SELECT id AS unique_id FROM {read_records_sql(new)}",
            )
            pairs = engine.predict(
                con,
                "features",
                model.splink_settings,
                threshold=model.possible_threshold,
                involving="new_ids",
            )
            out = Path(folder) / "pairs.csv"
            run(
                con,
                f"COPY (SELECT a, b, match_probability, match_weight, evidence FROM {pairs}) "
                f"TO '{out}' (FORMAT csv, HEADER false)",
            )
            found = con.execute(f"SELECT count(*) FROM {pairs}").fetchall()[0][0]
        finally:
            con.close()
        candidates_upsert(out, model=model, import_job=import_job)
    logger.info(
        "Scored the new records against %s live records in %.1f s: %s likely pairs.",
        records,
        time.perf_counter() - started,
        found,
    )
    return found


def import_duplicates_find(*, job: ImportJob) -> int | None:
    """The likely duplicates of what a customer import created or changed
    (records written since the job started), into the review queue; the count
    is stored on the job. A failure here leaves the import as it is, with no
    count (it is logged): the nightly sweep finds the pairs anyway."""
    changed = Customer.objects.active().filter(updated_at__gte=job.started_at)
    try:
        found = duplicates_find_for_records(queryset=changed, import_job=job)
    except Exception:
        logger.exception("Could not look for likely duplicates of import %s.", job.pk)
        found = None
    ImportJob.objects.filter(pk=job.pk).update(likely_duplicates=found)
    job.likely_duplicates = found
    return found


def import_pairs_url(job: ImportJob) -> str:
    """The review queue, showing the pairs found for an import's records."""
    return f"{reverse('duplicates:queue')}?import={job.public_id}"
