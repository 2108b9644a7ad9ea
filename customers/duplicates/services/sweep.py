"""The duplicate sweep: every live record through the stored match model, the
pairs it judges the same written back as candidates.

Records leave PostgreSQL with one ``COPY ... TO STDOUT`` into a temporary CSV
file that DuckDB reads (elsewhere, keyset-ordered chunks of rows), and the
scored pairs come back with one ``COPY ... FROM STDIN`` into a temporary
table, then one upsert. Nothing is written until the whole run has scored, and
the write is one transaction: a sweep that is stopped half-way leaves the
previous candidates as they were, and the next run starts afresh.

At most one sweep runs at a time: the run row is claimed under a partial
unique index (one ``running`` row), so a second start fails at the database,
whatever process it comes from.
"""

from __future__ import annotations

import csv
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import duckdb
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from customers.duplicates import engine
from customers.duplicates.engine import run
from customers.models import (
    CandidateStatus,
    Customer,
    DuplicateCandidate,
    DuplicateSweep,
    MatchDecision,
    MatchModel,
    SweepStatus,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 20_000


class SweepAlreadyRunning(Exception):
    """Another duplicate sweep is running; this one did not start."""


def live_customers():
    return Customer.objects.filter(archived_at__isnull=True, merged_into__isnull=True)


def export_records(path: Path, *, queryset=None) -> int:
    """Write the raw columns of live customers to a CSV file (with header);
    returns the number of records."""
    queryset = live_customers() if queryset is None else queryset
    if connection.vendor == "postgresql" and queryset.query.is_sliced is False:
        sql, params = queryset.values_list(*engine.RAW_COLUMNS).order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            # COPY cannot take parameters: let the driver quote them in.
            statement = cursor.mogrify(sql, params).decode()
            with path.open("w", encoding="utf-8", newline="") as out:
                out.write(",".join(engine.RAW_COLUMNS) + "\n")
                cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", out)
        with path.open("rb") as counted:
            return sum(1 for _ in counted) - 1

    def chunks() -> Iterator[tuple]:
        last = 0
        while True:
            rows = list(
                queryset.filter(pk__gt=last)
                .order_by("pk")
                .values_list(*engine.RAW_COLUMNS)[:CHUNK_SIZE]
            )
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    return write_raw_records(path, chunks())


def write_raw_records(path: Path, rows: Iterable[Sequence]) -> int:
    """Write ``rows`` in the raw columns (engine.RAW_COLUMNS, with header) to
    the CSV file DuckDB reads (read_records_sql); returns how many. Machine
    input, never for a person: written as is, without the formula escaping
    of mis.csvfiles."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(engine.RAW_COLUMNS)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def read_records_sql(path: Path) -> str:
    """DuckDB's reading of a file export_records wrote."""
    types = ", ".join(f"'{name}': '{kind}'" for name, kind in engine.RAW_TYPES.items())
    return (
        f"read_csv('{path}', header=true, columns={{{types}}}, nullstr='', quote='\"', escape='\"')"
    )


def load_features(con: duckdb.DuckDBPyConnection, path: Path, table: str = "features") -> None:
    engine.load_nicknames(con)
    run(con, f"CREATE OR REPLACE TABLE raw AS SELECT * FROM {read_records_sql(path)}")
    run(con, engine.prepare_sql("raw", table))


def _mark_interrupted() -> None:
    """A running sweep that stopped sending heartbeats was killed (a worker
    lost, a machine restarted): record it as failed, so the next may start."""
    stale = timezone.now() - timedelta(seconds=settings.DUPLICATE_SWEEP_STALE_SECONDS)
    DuplicateSweep.objects.filter(status=SweepStatus.RUNNING, heartbeat_at__lt=stale).update(
        status=SweepStatus.FAILED, finished_at=timezone.now(), error="Interrupted (no heartbeat)."
    )


def _claim(*, actor, via: str) -> DuplicateSweep:
    _mark_interrupted()
    try:
        with transaction.atomic():
            return DuplicateSweep.objects.create(started_by=actor, via=via)
    except IntegrityError as exc:
        running = DuplicateSweep.objects.filter(status=SweepStatus.RUNNING).first()
        since = f" since {running.started_at:%Y-%m-%d %H:%M}" if running else ""
        raise SweepAlreadyRunning(f"A duplicate sweep is already running{since}.") from exc


def _beat(sweep: DuplicateSweep, stage: str, started: float, timings: dict) -> float:
    now = time.perf_counter()
    timings[stage] = round(now - started, 2)
    DuplicateSweep.objects.filter(pk=sweep.pk).update(heartbeat_at=timezone.now())
    return now


def model_train(*, actor=None, queryset=None) -> MatchModel:
    """Train a new version of the match model from live records (a random
    sample of at most DUPLICATE_TRAINING_SAMPLE), and make it the active one."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.csv"
        export_records(path, queryset=queryset)
        con = engine.connect()
        try:
            load_features(con, path, "all_features")
            run(
                con,
                "CREATE TABLE features AS SELECT * FROM all_features "
                f"USING SAMPLE {int(settings.DUPLICATE_TRAINING_SAMPLE)} ROWS (reservoir, 42)",
            )
            records = con.execute("SELECT count(*) FROM features").fetchall()[0][0]
            if records < 2:
                raise ValueError("At least two records are needed to train a match model.")
            model = engine.train(con, "features")
        finally:
            con.close()
    with transaction.atomic():
        last = MatchModel.objects.select_for_update().order_by("-version").first()
        MatchModel.objects.filter(is_active=True).update(is_active=False)
        trained = MatchModel(
            version=(last.version + 1) if last else 1,
            splink_settings=model,
            records_used=records,
            training_seconds=round(time.perf_counter() - started, 2),
            trained_by=actor if actor is not None and actor.is_authenticated else None,
        )
        if last is not None:  # a steward's thresholds carry over to the retrained model
            trained.duplicate_threshold = last.duplicate_threshold
            trained.possible_threshold = last.possible_threshold
        trained.full_clean()
        trained.save()
    return trained


def active_model() -> MatchModel | None:
    return MatchModel.objects.filter(is_active=True).order_by("-version").first()


def duplicate_sweep_run(
    *,
    actor=None,
    via: str = "command",
    export_pairs: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> DuplicateSweep:
    """Run one sweep: train a model first if there is none, score every live
    record, write the candidates, optionally auto-merge and export. Raises
    SweepAlreadyRunning when another sweep holds the claim."""
    sweep = _claim(actor=actor, via=via)
    say = progress or (lambda message: None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        model = active_model()
        if model is None:
            say("No match model yet: training one from the data.")
            model = model_train(actor=actor)
            started = _beat(sweep, "train", started, timings)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "records.csv"
            records = export_records(path)
            say(f"Read {records} live records.")
            started = _beat(sweep, "read", started, timings)
            con = engine.connect()
            try:
                load_features(con, path)
                started = _beat(sweep, "prepare", started, timings)
                pairs = engine.predict(
                    con, "features", model.splink_settings, threshold=model.possible_threshold
                )
                started = _beat(sweep, "score", started, timings)
                out = Path(folder) / "pairs.csv"
                run(
                    con,
                    f"COPY (SELECT a, b, match_probability, match_weight, evidence FROM {pairs}) "
                    f"TO '{out}' (FORMAT csv, HEADER false)",
                )
            finally:
                con.close()
            figures = _write_candidates(sweep, model, out)
            started = _beat(sweep, "write", started, timings)
        say(f"{figures['duplicate_pairs']} duplicate, {figures['possible_pairs']} possible pairs.")
        auto_merged = 0
        if settings.DUPLICATE_AUTO_MERGE:
            from customers.duplicates.services.merge import auto_merge

            auto_merged = auto_merge(sweep=sweep)
            started = _beat(sweep, "auto_merge", started, timings)
        if export_pairs is not None:
            export_sweep_pairs(sweep, export_pairs)
            _beat(sweep, "export", started, timings)
    except BaseException as exc:
        DuplicateSweep.objects.filter(pk=sweep.pk).update(
            status=SweepStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
            timings=timings,
        )
        raise
    DuplicateSweep.objects.filter(pk=sweep.pk).update(
        status=SweepStatus.DONE,
        finished_at=timezone.now(),
        match_model=model,
        records_checked=records,
        auto_merged=auto_merged,
        seconds=round(sum(timings.values()), 2),
        timings=timings,
        **figures,
    )
    sweep.refresh_from_db()
    return sweep


def _write_candidates(sweep: DuplicateSweep, model: MatchModel, path: Path) -> dict[str, int]:
    """Upsert the scored pairs in one transaction: a pair found again keeps
    its review status (a "not the same" stays so) and gets the new score;
    pending pairs this sweep did not find again are dropped."""
    with transaction.atomic():
        candidates_upsert(path, model=model, sweep=sweep)
        DuplicateCandidate.objects.filter(status=CandidateStatus.PENDING).exclude(
            sweep=sweep
        ).delete()
    found = DuplicateCandidate.objects.filter(sweep=sweep)
    by_decision = dict(found.values_list("decision").annotate(n=Count("pk")).order_by())
    return {
        "pairs_found": sum(by_decision.values()),
        "duplicate_pairs": by_decision.get(MatchDecision.DUPLICATE, 0),
        "possible_pairs": by_decision.get(MatchDecision.POSSIBLE, 0),
        "duplicate_records": found.filter(decision=MatchDecision.DUPLICATE)
        .values("customer_b")
        .distinct()
        .count(),
    }


def candidates_upsert(path: Path, *, model: MatchModel, sweep=None, import_job=None) -> None:
    """Write scored pairs (a CSV of a, b, probability, weight, evidence JSON)
    as candidates: new pairs pending, known pairs with their new score and
    their review status unchanged; the sweep or import that found them is
    recorded (an import's pair keeps the sweep that found it before)."""
    if connection.vendor != "postgresql":
        return _write_candidates_portable(path, model=model, sweep=sweep, import_job=import_job)
    table = DuplicateCandidate._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # Inside an outer transaction ON COMMIT has not come yet.
        cursor.execute("DROP TABLE IF EXISTS scored")
        cursor.execute(
            "CREATE TEMP TABLE scored (a bigint, b bigint, p double precision, "
            "w double precision, evidence jsonb) ON COMMIT DROP"
        )
        with path.open(encoding="utf-8") as source:
            cursor.copy_expert("COPY scored FROM STDIN WITH (FORMAT csv)", source)
        cursor.execute(
            f"""
            INSERT INTO {table} (customer_a_id, customer_b_id, match_probability,
                match_weight, decision, evidence, match_model_id, sweep_id, import_job_id,
                status, found_at)
            SELECT a, b, p, w, CASE WHEN p >= %(dup)s THEN 'duplicate' ELSE 'possible' END,
                evidence, %(model)s, %(sweep)s, %(job)s, 'pending', now()
            FROM scored
            ON CONFLICT (customer_a_id, customer_b_id) DO UPDATE SET
                match_probability = EXCLUDED.match_probability,
                match_weight = EXCLUDED.match_weight,
                decision = EXCLUDED.decision,
                evidence = EXCLUDED.evidence,
                match_model_id = EXCLUDED.match_model_id,
                sweep_id = coalesce(EXCLUDED.sweep_id, {table}.sweep_id),
                import_job_id = coalesce(EXCLUDED.import_job_id, {table}.import_job_id)
            """,
            {
                "dup": model.duplicate_threshold,
                "model": model.pk,
                "sweep": sweep.pk if sweep else None,
                "job": import_job.pk if import_job else None,
            },
        )


def _write_candidates_portable(path: Path, *, model, sweep, import_job) -> None:
    import json

    with path.open(encoding="utf-8") as source:
        for rows in _chunks(csv.reader(source), 2000):
            for a, b, p, w, evidence in rows:
                p = float(p)
                defaults = {
                    "match_probability": p,
                    "match_weight": float(w),
                    "decision": MatchDecision.DUPLICATE
                    if p >= model.duplicate_threshold
                    else MatchDecision.POSSIBLE,
                    "evidence": json.loads(evidence),
                    "match_model": model,
                }
                if sweep is not None:
                    defaults["sweep"] = sweep
                if import_job is not None:
                    defaults["import_job"] = import_job
                DuplicateCandidate.objects.update_or_create(
                    customer_a_id=int(a), customer_b_id=int(b), defaults=defaults
                )


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


EXPORT_COLUMNS = ("external_id_a", "external_id_b", "score", "decision")


def export_sweep_pairs(sweep: DuplicateSweep, path: Path) -> int:
    """The pairs a sweep judged duplicate or possible, as CSV; returns the count."""
    rows = (
        DuplicateCandidate.objects.filter(sweep=sweep)
        .order_by("pk")
        .values_list(
            "customer_a__external_id", "customer_b__external_id", "match_probability", "decision"
        )
    )
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for a, b, score, decision in rows.iterator(chunk_size=CHUNK_SIZE):
            writer.writerow((a, b, f"{score:.6f}", decision))
            count += 1
    return count
