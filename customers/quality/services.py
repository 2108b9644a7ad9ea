"""Checking records against the quality rules: one record on save, the
records an import touched, or every live record in a sweep.

A sweep is split into chunks of consecutive primary keys. Each chunk is
checked and marked done in one transaction, so a sweep that is stopped
midway is resumed from the chunks not done, and checking a chunk twice
changes nothing (issues are opened once and closed when the value is fixed).
Only one sweep runs at a time: the database refuses a second running run.

A sweep is in proportion to what changed: the first (or the first after the
rules changed) judges every record; later ones judge in full only the records
changed since the last completed sweep, and every record against the
time-based rules (a verification that has gone stale). Checks are set-based:
the rules SQL can state run as one statement per rule over a chunk, the
others judge each distinct value once. Scores live in their own narrow table
(``CustomerQuality``) and are written only when they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, F, Max
from django.utils import timezone

from customers.models import (
    SEVERITY_WEIGHTS,
    Customer,
    CustomerQuality,
    QualityIssue,
    QualityIssueStatus,
    QualityRun,
    QualityRunChunk,
    RuleKind,
    RunKind,
    RunStatus,
)
from customers.quality.rules import RuleSet, customer_column, rules_digest
from mis.locks import locked


class SweepRunning(Exception):
    """Another sweep of the same kind is running; this one was not started."""


@dataclass
class CheckResult:
    checked: int = 0
    opened: int = 0
    resolved: int = 0
    scored: int = 0  # scores written (new or changed)


def _live():
    return Customer.objects.active()


CUSTOMERS = Customer._meta.db_table
ISSUES = QualityIssue._meta.db_table
SCORES = CustomerQuality._meta.db_table
LIVE = "c.archived_at IS NULL AND c.merged_into_id IS NULL"
# What an open issue of each severity takes off the score, as SQL (an
# import's flag of another severity counts as medium).
PENALTY = (
    "CASE i.severity "
    + " ".join(f"WHEN '{severity}' THEN {weight}" for severity, weight in SEVERITY_WEIGHTS.items())
    + " ELSE 10 END"
)


@dataclass(frozen=True)
class Records:
    """Which customer records a check judges: a condition on the customer
    table aliased ``c`` (live records only), and its parameters; for a
    sweep's chunk, also its range of ids."""

    sql: str
    params: list
    first: int | None = None
    last: int | None = None

    @classmethod
    def ids(cls, ids: list[int]) -> Records:
        return cls(f"{LIVE} AND c.id IN ({', '.join(['%s'] * len(ids))})", list(ids))

    @classmethod
    def between(cls, first: int, last: int, *, changed_since=None) -> Records:
        sql, params = f"{LIVE} AND c.id BETWEEN %s AND %s", [first, last]
        if changed_since is not None:
            sql, params = f"{sql} AND c.updated_at >= %s", [*params, changed_since]
        return cls(sql, params, first, last)

    def holds(self, column: str, *, where: str = "", params: list | None = None):
        """``column`` (a customer id, qualified) is one of these records (that
        also meet ``where``), as SQL and its parameters. Written so that the
        other side is searched by its customer index whatever the planner's
        statistics say (a sweep that just opened 50,000 issues has none): a
        chunk's range of ids, or on PostgreSQL the ids collected first."""
        extra = f" AND {where}" if where else ""
        params = [*self.params, *(params or [])]
        if self.first is not None:
            return (
                f"{column} BETWEEN %s AND %s AND EXISTS (SELECT 1 FROM {CUSTOMERS} c "
                f"WHERE c.id = {column} AND {self.sql}{extra})",
                [self.first, self.last, *params],
            )
        ids = f"SELECT c.id FROM {CUSTOMERS} c WHERE {self.sql}{extra}"
        if connection.vendor == "postgresql":
            return f"{column} = ANY(ARRAY({ids}))", params
        return f"{column} IN ({ids})", params


@transaction.atomic
def quality_check_customers(*, ids: Iterable[int], rules: RuleSet | None = None) -> CheckResult:
    """Judge these records against the active rules: open an issue for each
    new violation, close the issues whose value is now right, and store each
    record's score. Idempotent."""
    ids = list(ids)
    if not ids:
        return CheckResult()
    return quality_check(rules=rules or RuleSet(), changed=Records.ids(ids))


@transaction.atomic
def quality_check(
    *, rules: RuleSet, changed: Records, everyone: Records | None = None
) -> CheckResult:
    """Judge the ``changed`` records against every rule, and the records of
    ``everyone`` (a superset: the changed and the unchanged) against the
    time-based rules only, whose verdict moves with the date. Set-based: the
    rules SQL can state open and close their issues in one statement each;
    the others judge each distinct value once. Then store the score of every
    record of ``everyone`` whose score changed, and nothing else: a check
    that finds what the last one found writes nothing."""
    everyone = everyone or changed
    result = CheckResult()
    now = timezone.now()
    codes = [rule.code for rule in rules.rules]
    with connection.cursor() as cursor:
        result.checked = _count(cursor, changed)
        for rule in rules.rules:
            records = everyone if rules.time_based(rule) else changed
            if rules.in_sql(rule):
                opened, resolved = _judge_in_sql(cursor, rules, rule, records, now)
            else:
                opened, resolved = _judge_in_python(cursor, rules, rule, records, now)
            result.opened += opened
            result.resolved += resolved
            if rule.kind == RuleKind.VALIDITY:
                result.resolved += _close_passed_flags(cursor, rule, records, codes, now)
        result.scored = _store_scores(cursor, everyone, now)
    return result


def _count(cursor, records: Records) -> int:
    cursor.execute(f"SELECT count(*) FROM {CUSTOMERS} c WHERE {records.sql}", records.params)
    return cursor.fetchone()[0]


def _judge_in_sql(cursor, rules: RuleSet, rule, records: Records, now) -> tuple[int, int]:
    """Open the rule's issue on every record that breaks it and has none
    open; close its open issues on the records that no longer break it."""
    rule_sql = rules.sql(rule)
    field = rule.field or "record"
    cursor.execute(
        f"""
        INSERT INTO {ISSUES} (customer_id, rule_id, field, code, severity, message, raw_value,
                              detected_by, status, created_at)
        SELECT c.id, %s, %s, %s, %s, substr({rule_sql.message}, 1, 500),
               coalesce({rule_sql.raw}, ''), %s, %s, %s
        FROM {CUSTOMERS} c
        WHERE {records.sql} AND {rule_sql.condition} AND NOT EXISTS (
            SELECT 1 FROM {ISSUES} i WHERE i.customer_id = c.id AND i.status = %s
                AND i.field = %s AND i.code = %s)
        """,
        [
            rule.pk,
            field,
            rule.code,
            rule.severity,
            *rule_sql.message_params,
            f"rule {rule.code}",
            QualityIssueStatus.OPEN,
            now,
            *records.params,
            *rule_sql.params,
            QualityIssueStatus.OPEN,
            field,
            rule.code,
        ],
    )
    opened = cursor.rowcount
    chosen, chosen_params = records.holds(f"{ISSUES}.customer_id")
    cursor.execute(
        f"""
        UPDATE {ISSUES} SET status = %s, resolved_at = %s
        WHERE status = %s AND code = %s AND {chosen} AND (
            field <> %s OR NOT EXISTS (
                SELECT 1 FROM {CUSTOMERS} c
                WHERE c.id = {ISSUES}.customer_id AND {rule_sql.condition}))
        """,
        [
            QualityIssueStatus.RESOLVED,
            now,
            QualityIssueStatus.OPEN,
            rule.code,
            *chosen_params,
            field,
            *rule_sql.params,
        ],
    )
    return opened, cursor.rowcount


def _judge_in_python(cursor, rules: RuleSet, rule, records: Records, now) -> tuple[int, int]:
    """Judge each distinct combination of the values the rule reads once,
    then open and close its issues on the records that hold them."""
    reads = rules.reads(rule)
    columns = ", ".join(f"c.{customer_column(f)}" for f in reads)
    where, params = records.sql, list(records.params)
    if rule.lifecycle_stage:
        where, params = f"{where} AND c.lifecycle_stage = %s", [*params, rule.lifecycle_stage]
    cursor.execute(f"SELECT DISTINCT {columns} FROM {CUSTOMERS} c WHERE {where}", params)
    bad = {}
    for values in cursor.fetchall():
        message = rules.message_for(rule, tuple(values))
        if message is not None:
            bad[tuple(values)] = message
    field = rule.field or "record"
    wanted: dict[int, tuple[str, str]] = {}
    if bad:
        first = sorted({values[0] for values in bad}, key=str)
        cursor.execute(
            f"SELECT c.id, {columns} FROM {CUSTOMERS} c WHERE {where} "
            f"AND c.{customer_column(reads[0])} IN "
            f"({', '.join(['%s'] * len(first))})",
            [*params, *first],
        )
        for pk, *values in cursor.fetchall():
            message = bad.get(tuple(values))
            if message is not None:
                raw = values[0] if rule.field == reads[0] else None
                wanted[pk] = (message[:500], "" if raw is None else str(raw))
    chosen, chosen_params = records.holds(f"{ISSUES}.customer_id")
    cursor.execute(
        f"SELECT id, customer_id, field FROM {ISSUES} WHERE status = %s AND code = %s AND {chosen}",
        [QualityIssueStatus.OPEN, rule.code, *chosen_params],
    )
    to_close = []
    for pk, customer_id, issue_field in cursor.fetchall():
        if issue_field == field and customer_id in wanted:
            wanted.pop(customer_id)  # still true, already open
        else:
            to_close.append(pk)
    resolved = 0
    if to_close:
        resolved = QualityIssue.objects.filter(pk__in=to_close).update(
            status=QualityIssueStatus.RESOLVED, resolved_at=now
        )
    QualityIssue.objects.bulk_create(
        [
            QualityIssue(
                customer_id=pk,
                rule=rule,
                field=field,
                code=rule.code,
                severity=rule.severity,
                message=message,
                raw_value=raw,
                detected_by=f"rule {rule.code}",
            )
            for pk, (message, raw) in wanted.items()
        ],
        ignore_conflicts=True,
    )
    return len(wanted), resolved


def _close_passed_flags(cursor, rule, records: Records, codes: list[str], now) -> int:
    """Close the flags of other origin (an import's) on the field of a
    validity rule the value now passes: not blank, no open issue of the rule."""
    column = f"c.{customer_column(rule.field)}"
    where, params = f"{column} IS NOT NULL AND CAST({column} AS varchar) <> ''", []
    if rule.lifecycle_stage:
        where, params = f"{where} AND c.lifecycle_stage = %s", [rule.lifecycle_stage]
    chosen, chosen_params = records.holds(f"{ISSUES}.customer_id", where=where, params=params)
    cursor.execute(
        f"""
        UPDATE {ISSUES} SET status = %s, resolved_at = %s
        WHERE status = %s AND field = %s AND code NOT IN ({", ".join(["%s"] * len(codes))})
          AND {chosen}
          AND NOT EXISTS (
            SELECT 1 FROM {ISSUES} j WHERE j.customer_id = {ISSUES}.customer_id
                AND j.status = %s AND j.code = %s AND j.field = %s)
        """,
        [
            QualityIssueStatus.RESOLVED,
            now,
            QualityIssueStatus.OPEN,
            rule.field,
            *codes,
            *chosen_params,
            QualityIssueStatus.OPEN,
            rule.code,
            rule.field,
        ],
    )
    return cursor.rowcount


def _store_scores(cursor, records: Records, now) -> int:
    """Each record's score from its open issues, written only where it
    changed (a narrow table: the customer row is not touched). Returns the
    scores written."""
    chosen, chosen_params = records.holds("i.customer_id")
    cursor.execute(
        f"""
        INSERT INTO {SCORES} (customer_id, score, changed_at)
        SELECT c.id, CASE WHEN coalesce(p.penalty, 0) >= 100 THEN 0
                          ELSE 100 - coalesce(p.penalty, 0) END, %s
        FROM {CUSTOMERS} c
        LEFT JOIN (
            SELECT i.customer_id, sum({PENALTY}) AS penalty FROM {ISSUES} i
            WHERE i.status = %s AND {chosen} GROUP BY i.customer_id
        ) p ON p.customer_id = c.id
        WHERE {records.sql}
        ON CONFLICT (customer_id) DO UPDATE SET score = EXCLUDED.score,
            changed_at = EXCLUDED.changed_at
        WHERE {SCORES}.score <> EXCLUDED.score
        """,
        [now, QualityIssueStatus.OPEN, *chosen_params, *records.params],
    )
    return cursor.rowcount


def quality_check_queryset(*, queryset, chunk_size: int | None = None) -> CheckResult:
    """Check every record of a queryset, in keyset chunks (an import's
    records, say)."""
    chunk_size = chunk_size or settings.QUALITY_CHUNK_SIZE
    rules = RuleSet()
    total = CheckResult()
    last = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            return total
        part = quality_check_customers(ids=ids, rules=rules)
        total.checked += part.checked
        total.opened += part.opened
        total.resolved += part.resolved
        last = ids[-1]


# Sweeps ----------------------------------------------------------------------


def _chunk_bounds(chunk_size: int) -> list[tuple[int, int]]:
    """(first id, last id) of consecutive slices of ``chunk_size`` live
    records: every chunk_size-th key starts a slice."""
    ids = _live().order_by("pk").values_list("pk", flat=True)
    starts = _every_nth(ids, chunk_size)
    if not starts:
        return []
    last = ids.aggregate(m=Max("pk"))["m"]
    return [
        (start, (starts[i + 1] - 1) if i + 1 < len(starts) else last)
        for i, start in enumerate(starts)
    ]


def _every_nth(ids, n: int) -> list[int]:
    """Every n-th key, read by keyset without loading all of them."""
    starts: list[int] = []
    last = 0
    while True:
        page = list(ids.filter(pk__gt=last)[:1].values_list("pk", flat=True))
        if not page:
            return starts
        starts.append(page[0])
        after = list(ids.filter(pk__gte=page[0])[n - 1 : n].values_list("pk", flat=True))
        if not after:
            return starts
        last = after[0]


def _stale_minutes() -> int:
    return settings.QUALITY_SWEEP_STALE_MINUTES


def sweep_start(*, kind: str = RunKind.QUALITY, triggered_by: str, chunk_size: int | None = None):
    """Start a sweep, or take over one whose worker stopped (no chunk done
    for QUALITY_SWEEP_STALE_MINUTES). Raises SweepRunning when a live one runs."""
    chunk_size = chunk_size or settings.QUALITY_CHUNK_SIZE
    running = QualityRun.objects.filter(kind=kind, status=RunStatus.RUNNING).first()
    if running is not None:
        last_done = running.chunks.aggregate(m=Max("done_at"))["m"] or running.started_at
        if timezone.now() - last_done < dt.timedelta(minutes=_stale_minutes()):
            raise SweepRunning(
                f"A {running.get_kind_display().lower()} has been running since "
                f"{timezone.localtime(running.started_at):%Y-%m-%d %H:%M} "
                f"({running.chunks_done} of {running.chunks_total} chunks done); "
                "it was not started again."
            )
        return running  # resumed: its undone chunks are checked again
    try:
        with transaction.atomic():
            digest = rules_digest(RuleSet().rules)
            run = QualityRun.objects.create(
                kind=kind,
                triggered_by=triggered_by[:120],
                rules_digest=digest,
                changed_since=_changed_since(kind, digest),
            )
            bounds = _chunk_bounds(chunk_size)
            QualityRunChunk.objects.bulk_create(
                [QualityRunChunk(run=run, first_id=lo, last_id=hi) for lo, hi in bounds]
            )
            run.chunks_total = len(bounds)
            run.save(update_fields=["chunks_total"])
    except IntegrityError:
        raise SweepRunning(
            "Another sweep started at the same moment; it was not started again."
        ) from None
    return run


# A record saved in a transaction that began before the last sweep started
# but committed after it carries an updated_at older than that sweep's start,
# and that sweep did not see it: the next sweep looks back this much further.
# (Saves through the customer service are checked in their own transaction
# and imports queue a check of their records; this covers the rest.)
SWEEP_OVERLAP = dt.timedelta(hours=1)


def _changed_since(kind: str, digest: str) -> dt.datetime | None:
    """From when the records changed that this sweep must judge in full:
    since the last completed sweep (less the overlap), or, with no completed
    sweep or with other rules than it judged by, every record (None)."""
    last = (
        QualityRun.objects.filter(kind=kind, status=RunStatus.SUCCEEDED)
        .order_by("-started_at")
        .first()
    )
    if last is None or last.rules_digest != digest:
        return None
    return last.started_at - SWEEP_OVERLAP


def sweep_chunk(*, chunk_id: int, rules: RuleSet | None = None) -> bool:
    """Check one chunk and mark it done, in one transaction. Returns False
    when it was done already (a task delivered twice). A run with
    ``changed_since`` judges the chunk's records changed since then against
    every rule, and all its records against the time-based rules."""
    with transaction.atomic():
        chunk = locked(QualityRunChunk.objects.select_related("run")).get(pk=chunk_id)
        if chunk.done_at is not None or chunk.run.status != RunStatus.RUNNING:
            return False
        result = quality_check(
            rules=rules or RuleSet(),
            changed=Records.between(
                chunk.first_id, chunk.last_id, changed_since=chunk.run.changed_since
            ),
            everyone=Records.between(chunk.first_id, chunk.last_id),
        )
        chunk.done_at = timezone.now()
        chunk.save(update_fields=["done_at"])
        QualityRun.objects.filter(pk=chunk.run_id).update(
            chunks_done=F("chunks_done") + 1,
            records_checked=F("records_checked") + result.checked,
            issues_opened=F("issues_opened") + result.opened,
            issues_resolved=F("issues_resolved") + result.resolved,
        )
    return True


def sweep_finish(*, run: QualityRun) -> QualityRun:
    """Close a run whose chunks are all done, with its figures. Only the
    first caller closes it; later ones (the other workers) change nothing."""
    if run.chunks.filter(done_at__isnull=True).exists():
        return run
    figures = quality_figures()
    closed = QualityRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.SUCCEEDED, finished_at=timezone.now(), figures=figures
    )
    if closed and connection.vendor == "postgresql":
        # Statistics for what the sweep changed: the next night's plans (and
        # the drill-down's) read them, and the server's autovacuum may be off.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ISSUES}, {SCORES}")
    run.refresh_from_db()
    return run


def sweep_fail(*, run: QualityRun, error: str) -> None:
    QualityRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error=error[:2000]
    )


def quality_sweep(
    *, triggered_by: str, chunk_size: int | None = None, progress: Callable | None = None
) -> QualityRun:
    """The whole sweep in this process (the command line): start or resume,
    check every chunk not done, close the run."""
    run = sweep_start(kind=RunKind.QUALITY, triggered_by=triggered_by, chunk_size=chunk_size)
    rules = RuleSet()  # one for every chunk: each distinct value is judged once
    try:
        for chunk_id in run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True):
            sweep_chunk(chunk_id=chunk_id, rules=rules)
            if progress:
                run.refresh_from_db()
                progress(run)
    except BaseException as exc:
        # KeyboardInterrupt included: the run stays resumable, but says why it stopped.
        if not isinstance(exc, KeyboardInterrupt):
            sweep_fail(run=run, error=f"{exc.__class__.__name__}: {exc}")
        raise
    return sweep_finish(run=run)


def quality_figures() -> dict:
    """Scores now: overall, by source, by rule and by field (open issues and
    the share of live records without one), for the dashboard and trends."""
    live = _live()
    total = live.count()
    checked = live.filter(quality__isnull=False)
    overall = checked.aggregate(a=Avg("quality__score"))["a"]
    by_source = {
        row["source"]: {"score": round(row["a"], 1), "records": row["n"]}
        for row in checked.values("source")
        .annotate(a=Avg("quality__score"), n=Count("pk"))
        .order_by("source")[:200]
    }
    open_issues = QualityIssue.objects.filter(
        status=QualityIssueStatus.OPEN, customer__in=live.values("pk")
    )
    by_code = {
        row["code"]: row["n"]
        for row in open_issues.values("code")
        .annotate(n=Count("customer", distinct=True))
        .order_by("code")
    }
    by_field = {
        row["field"]: row["n"]
        for row in open_issues.values("field")
        .annotate(n=Count("customer", distinct=True))
        .order_by("field")
    }

    def share_ok(flagged: int) -> float | None:
        return None if not total else round(100 * (total - flagged) / total, 1)

    return {
        "records": total,
        "checked": checked.count(),
        "overall": None if overall is None else round(overall, 1),
        "by_source": by_source,
        "by_rule": {code: {"open": n, "passing": share_ok(n)} for code, n in by_code.items()},
        "by_field": {name: {"open": n, "passing": share_ok(n)} for name, n in by_field.items()},
        "with_issues": live.filter(quality__score__lt=100).count(),
    }
