"""Checking records against the quality rules: one record on save, the
records an import touched, or every live record in a sweep.

A sweep is split into chunks of consecutive primary keys. Each chunk is
checked and marked done in one transaction, so a sweep that is stopped
midway is resumed from the chunks not done, and checking a chunk twice
changes nothing (issues are opened once and closed when the value is fixed).
Only one sweep runs at a time: the database refuses a second running run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, F, Max, Q
from django.utils import timezone

from customers.models import (
    SEVERITY_WEIGHTS,
    Customer,
    QualityIssue,
    QualityIssueStatus,
    QualityRun,
    QualityRunChunk,
    RunKind,
    RunStatus,
)
from customers.quality.rules import RuleSet
from mis.locks import locked


class SweepRunning(Exception):
    """Another sweep of the same kind is running; this one was not started."""


@dataclass
class CheckResult:
    checked: int = 0
    opened: int = 0
    resolved: int = 0


def _live():
    return Customer.objects.active()


@transaction.atomic
def quality_check_customers(*, ids: Iterable[int], rules: RuleSet | None = None) -> CheckResult:
    """Judge these records against the active rules: open an issue for each
    new violation, close the issues whose value is now right, and store each
    record's score. Idempotent."""
    rules = rules or RuleSet()
    ids = list(ids)
    result = CheckResult()
    if not ids:
        return result
    records = list(_live().filter(pk__in=ids).values(*rules.fields))
    open_issues = list(
        QualityIssue.objects.filter(customer_id__in=ids, status=QualityIssueStatus.OPEN).only(
            "id", "customer_id", "field", "code", "severity", "rule_id"
        )
    )
    by_customer: dict[int, list[QualityIssue]] = {}
    for issue in open_issues:
        by_customer.setdefault(issue.customer_id, []).append(issue)
    rule_codes = {rule.code for rule in rules.rules}
    now = timezone.now()
    to_open: list[QualityIssue] = []
    to_close: list[int] = []
    scores: dict[int, int] = {}
    for record in records:
        pk = record["id"]
        violations, passed = rules.judge(record)
        wanted = {(v.field, v.rule.code): v for v in violations}
        remaining = []
        for issue in by_customer.get(pk, []):
            key = (issue.field, issue.code)
            if key in wanted:
                wanted.pop(key)  # still true, already open
                remaining.append(issue)
            elif issue.code in rule_codes:
                to_close.append(issue.pk)  # a rule that no longer finds it (or no longer applies)
            elif issue.field in passed:
                to_close.append(issue.pk)  # an import's flag on a value now valid
            else:
                remaining.append(issue)
        for violation in wanted.values():
            to_open.append(
                QualityIssue(
                    customer_id=pk,
                    rule=violation.rule,
                    field=violation.field,
                    code=violation.rule.code,
                    severity=violation.rule.severity,
                    message=violation.message,
                    raw_value=violation.raw,
                    detected_by=f"rule {violation.rule.code}",
                )
            )
        penalty = sum(SEVERITY_WEIGHTS.get(i.severity, 10) for i in remaining)
        penalty += sum(SEVERITY_WEIGHTS.get(v.rule.severity, 10) for v in wanted.values())
        scores[pk] = max(0, 100 - penalty)
    if to_close:
        result.resolved = QualityIssue.objects.filter(pk__in=to_close).update(
            status=QualityIssueStatus.RESOLVED, resolved_at=now
        )
    if to_open:
        QualityIssue.objects.bulk_create(to_open, ignore_conflicts=True)
        result.opened = len(to_open)
    _store_scores(scores)
    result.checked = len(records)
    return result


def _store_scores(scores: dict[int, int]) -> None:
    """Write the scores that changed (a re-run writes nothing)."""
    current = dict(Customer.objects.filter(pk__in=scores).values_list("pk", "quality_score"))
    changed = [(pk, s) for pk, s in scores.items() if current.get(pk) != s]
    if not changed:
        return
    if connection.vendor == "postgresql":
        # One UPDATE joined to the new values: bulk_update's CASE with a
        # branch per row costs more than the rest of a chunk's check.
        table = Customer._meta.db_table
        values = ", ".join(["(%s, %s)"] * len(changed))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET quality_score = v.score::smallint "
                f"FROM (VALUES {values}) AS v(id, score) WHERE c.id = v.id",
                [x for pair in changed for x in pair],
            )
    else:
        Customer.objects.bulk_update(
            [Customer(pk=pk, quality_score=s) for pk, s in changed],
            ["quality_score"],
            batch_size=1000,
        )


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
            run = QualityRun.objects.create(kind=kind, triggered_by=triggered_by[:120])
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


def sweep_chunk(*, chunk_id: int) -> bool:
    """Check one chunk and mark it done, in one transaction. Returns False
    when it was done already (a task delivered twice)."""
    with transaction.atomic():
        chunk = locked(QualityRunChunk.objects.select_related("run")).get(pk=chunk_id)
        if chunk.done_at is not None or chunk.run.status != RunStatus.RUNNING:
            return False
        ids = (
            _live()
            .filter(pk__gte=chunk.first_id, pk__lte=chunk.last_id)
            .values_list("pk", flat=True)
        )
        result = quality_check_customers(ids=ids)
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
    QualityRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.SUCCEEDED, finished_at=timezone.now(), figures=figures
    )
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
    try:
        for chunk_id in run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True):
            sweep_chunk(chunk_id=chunk_id)
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
    checked = live.filter(quality_score__isnull=False)
    overall = checked.aggregate(a=Avg("quality_score"))["a"]
    by_source = {
        row["source"]: {"score": round(row["a"], 1), "records": row["n"]}
        for row in checked.values("source")
        .annotate(a=Avg("quality_score"), n=Count("pk"))
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
        "with_issues": live.filter(Q(quality_score__lt=100)).count(),
    }
