"""Running an import job: the one pipeline behind the command, the Celery task,
the API and the upload wizard.

A job reads its file twice: once to check its structure (a broken file fails
before anything is written), then in batches. Each batch is one transaction
that writes its customers, its rejected rows and the job's progress together,
so a worker killed mid-job leaves no half-written batch, and running the job
again resumes after the last committed batch and ends in the same state as
an uninterrupted run."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now, Upper
from django.utils import timezone

from customers import fields as registry
from customers import policy
from customers.events import import_finished_emit
from customers.imports import dates, readers
from customers.imports.mapping import (
    apply_mapping,
    check_mapping,
    suggest_mapping,
    unmapped_columns,
)
from customers.imports.matching import survivors
from customers.imports.orders import REQUIRED as ORDER_REQUIRED
from customers.imports.orders import OrderRowCleaner, OrderWriter
from customers.imports.rows import CleanRow, RowCleaner
from customers.imports.staging import StagedRow, stage_write
from customers.masking import can_view_sensitive
from customers.models import (
    Customer,
    ImportJob,
    ImportKind,
    ImportRowError,
    ImportStatus,
    Interest,
    QualityIssue,
)
from mis.bulk import insert_rows
from mis.locks import lock_one

SUPPRESSED_REASON = (
    "Suppressed: the person with this email or phone objected to marketing or was erased, "
    "so no record is made for them. The row's values are not kept in this report."
)
IDENTITY_TARGETS = {"external_id", "email", "first_name", "last_name", "organisation"}
# What a row is matched by: all the lookup reads of a record.
MATCHED_BY = (
    "source", "external_id", "email", "phone", "first_name", "last_name", "organisation_name",
    "postcode",
)  # fmt: skip
OPTION_KEYS = {
    "encoding",
    "delimiter",
    "strict",
    "dry_run",
    "date_format",
    "date_orders",
    "hold_duplicates",
}

Progress = Callable[[ImportJob], None]


class ConcurrentRun(Exception):
    """Another worker moved the job on; this one stops."""


def _check_options(options: Mapping) -> dict:
    unknown = set(options) - OPTION_KEYS
    if unknown:
        raise ValidationError({"options": f"Unknown options: {', '.join(sorted(unknown))}."})
    delimiter = options.get("delimiter")
    if delimiter not in (None, "") and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValidationError(
            {"delimiter": "The delimiter is one character, such as , ; | or a tab."}
        )
    if options.get("encoding"):
        import codecs

        try:
            codecs.lookup(options["encoding"])
        except LookupError:
            raise ValidationError(
                {"encoding": f"“{options['encoding']}” is not a known text encoding."}
            ) from None
    _check_date_orders(options.get("date_orders"))
    return {k: v for k, v in options.items() if v not in (None, "", {})}


def _check_date_orders(given) -> None:
    if given in (None, "", {}):
        return
    if not isinstance(given, dict) or not all(
        isinstance(k, str) and v in dates.ORDERS for k, v in given.items()
    ):
        raise ValidationError(
            {
                "date_orders": "Say how each date column is written: an object of column: "
                f"{' or '.join(dates.ORDERS)}."
            }
        )


def _date_targets(kind: str) -> tuple[str, ...]:
    if kind == ImportKind.ORDERS:
        return ("ordered_at",)
    return tuple(
        spec.import_column
        for spec in registry.FIELDS
        if spec.type in (registry.Type.DATE, registry.Type.DATETIME)
    )


@dataclass
class DateColumns:
    """How the file's date columns write their dates, per target field."""

    orders: dict[str, str] = field(default_factory=dict)  # target -> dates.DAY_FIRST...
    ambiguous: list[str] = field(default_factory=list)  # columns that read both ways
    problems: list[str] = field(default_factory=list)


def date_columns(
    *, path: Path, shape: readers.FileShape, mapping: Mapping, kind: str, options: Mapping
) -> DateColumns:
    """Read the mapped date columns whole (one pass over the file) and decide,
    per column, whether dates are day-first or month-first. A column that
    reads both ways takes the order given in ``options["date_orders"]``, else
    is left in ``ambiguous`` for the caller to ask about or to default."""
    found = DateColumns()
    if options.get("date_format"):
        return found
    columns = {
        target: mapping[target]
        for target in _date_targets(kind)
        if isinstance(mapping.get(target), str) and mapping[target] in shape.header
    }
    if not columns:
        return found
    positions = {column: shape.header.index(column) for column in set(columns.values())}
    seen = {column: dates.ColumnDates() for column in positions}
    for _, values in readers.iter_rows(path, shape):
        for column, position in positions.items():
            if position < len(values):
                seen[column].add(values[position])
    given = options.get("date_orders") or {}
    for target, column in columns.items():
        order, example = seen[column].order()
        if order == dates.MIXED and column not in given:
            found.problems.append(
                f"The dates in column “{column}” are written both day-first and month-first "
                f"(for example {example}); correct the file, or give the date format."
            )
        elif order is None or order == dates.MIXED:
            if column in given:
                found.orders[target] = given[column]
            elif column not in found.ambiguous:
                found.ambiguous.append(column)
        elif order != dates.ISO:
            found.orders[target] = order
    return found


@transaction.atomic
def import_job_create(
    *,
    kind: str,
    file: Path | File,
    original_name: str,
    source: str,
    mapping: Mapping | None = None,
    options: Mapping | None = None,
    actor=None,
    draft: bool = False,
) -> ImportJob:
    """Store the file and a pending job (a draft, for the wizard, waits for
    its mapping and import_job_start). Raises ValidationError for bad
    arguments; the file's content is judged when the job runs."""
    errors = {}
    if kind not in ImportKind.values:
        errors["kind"] = f"“{kind}” is not an import kind ({', '.join(ImportKind.values)})."
    if not (source or "").strip():
        errors["source"] = "Say where the data comes from (the source), e.g. “crm export”."
    if mapping is not None and not isinstance(mapping, dict):
        errors["mapping"] = "The mapping is an object of field: column."
    if errors:
        raise ValidationError(errors)
    refused = sensitive_mapping_problems(mapping or {}, kind, actor)
    if refused:
        raise PermissionDenied(" ".join(refused))
    options = _check_options(options or {})
    job = ImportJob(
        kind=kind,
        original_name=original_name[:255],
        source=(source or "").strip()[:100],
        mapping=dict(mapping or {}),
        options=options,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        status=ImportStatus.DRAFT if draft else ImportStatus.PENDING,
    )
    if isinstance(file, Path):
        with file.open("rb") as handle:
            job.file.save(Path(original_name).name, File(handle), save=False)
    else:
        job.file.save(Path(original_name).name, file, save=False)
    job.save()
    return job


def import_job_start(*, job: ImportJob) -> None:
    """Queue the job for a worker once the transaction that made it commits
    (a draft becomes pending first; queuing a job twice is harmless, as the
    worker that finds it finished leaves it)."""
    from customers.tasks import import_run_task

    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.DRAFT).update(
        status=ImportStatus.PENDING
    )
    job.refresh_from_db(fields=["status"])
    if job.status == ImportStatus.PENDING:
        transaction.on_commit(lambda: import_run_task.delay(job.pk))


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    suppressed: int = 0


@dataclass
class _Row:
    number: int
    values: list[str]
    clean: CleanRow | None = None
    reasons: list[str] = field(default_factory=list)
    customer_id: int | None = None  # the record the row wrote, once written

    @property
    def cleaned(self) -> CleanRow:
        """The cleaned row, for the stages after cleaning (which skip the
        rows that have reasons, and so no clean row)."""
        if self.clean is None:
            raise ValueError(f"Row {self.number} was not cleaned: {'; '.join(self.reasons)}")
        return self.clean

    @property
    def record_id(self) -> int:
        """The record the row wrote, for the stages after writing."""
        if self.customer_id is None:
            raise ValueError(f"Row {self.number} wrote no record.")
        return self.customer_id


def _fail(job: ImportJob, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
    )
    job.refresh_from_db()
    import_finished_emit(job=job)
    return job


def import_run(
    *, job: ImportJob, progress: Progress | None = None, batch_size: int | None = None
) -> ImportJob:
    """Run (or resume) a job to its end. Safe to call again on a finished job
    (it returns it unchanged) or on one a dead worker left running."""
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    # A job that stopped on an error after its file was read (total_rows is
    # known) resumes too; one whose file could not be read stays failed.
    claimed = ImportJob.objects.filter(
        Q(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING])
        | Q(status=ImportStatus.FAILED, total_rows__isnull=False),
        pk=job.pk,
    ).update(
        status=ImportStatus.RUNNING,
        error="",
        finished_at=None,
        # The first start stays: the check after the job looks at everything
        # written since, resumed runs included.
        started_at=Coalesce(F("started_at"), Now()),
        heartbeat_at=Now(),
    )
    job.refresh_from_db()
    if not claimed:
        return job
    path = Path(job.file.path)
    try:
        shape = readers.inspect(
            path, encoding=job.options.get("encoding"), delimiter=job.options.get("delimiter")
        )
        mapping = job.mapping or suggest_mapping(shape.header, job.kind)
        problems = mapping_problems(mapping, shape.header, job.kind, actor=job.created_by)
        if problems:
            raise readers.FileProblem(
                "The column mapping does not fit this file. " + " ".join(problems)
            )
        found = date_columns(
            path=path, shape=shape, mapping=mapping, kind=job.kind, options=job.options
        )
        if found.problems:
            raise readers.FileProblem(" ".join(found.problems))
    except readers.FileProblem as exc:
        return _fail(job, str(exc))
    # A column whose dates read both ways, with nobody to ask (the command
    # line, the API): the documented default, recorded on the job.
    date_orders = {
        **(job.options.get("date_orders") or {}),
        **dict.fromkeys(found.ambiguous, settings.IMPORT_DEFAULT_DATE_ORDER),
    }

    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=shape.total_rows,
        mapping=mapping,
        unmapped_columns=unmapped_columns(mapping, shape.header),
        options={
            **job.options,
            "encoding": shape.encoding,
            "delimiter": shape.delimiter,
            "header": shape.header,
            **({"date_orders": date_orders} if date_orders else {}),
            **({"date_orders_assumed": found.ambiguous} if found.ambiguous else {}),
        },
    )
    job.refresh_from_db()
    cleaner = _cleaner(job, _given_orders(mapping, date_orders, job.kind) | found.orders)
    writer = _CustomerWriter(job) if job.kind == ImportKind.CUSTOMERS else OrderWriter(job)
    rows = readers.iter_rows(path, shape, skip=job.processed_rows)
    group = _order_id_of(mapping, shape.header) if job.kind == ImportKind.ORDERS else None
    try:
        if job.options.get("dry_run"):
            _dry_run(job, rows, shape, mapping, cleaner, writer, batch_size, progress, group)
        else:
            held = _held_rows(job, path, shape, mapping, cleaner)
            for batch in _prepared_batches(rows, batch_size, group, shape, mapping, cleaner):
                _commit_batch(job, batch, writer, held)
                if progress:
                    progress(job)
    except ConcurrentRun:
        job.refresh_from_db()
        return job
    except Exception as exc:
        # Committed batches stay; the failing one left nothing. Say where and
        # why, and let the job be run again to resume.
        job.refresh_from_db()
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            error=(
                f"Stopped after {job.processed_rows:,} of {job.total_rows:,} rows: "
                f"{exc.__class__.__name__}: {exc}"[:1500]
                + " Rows before that are imported; run the job again to resume."
            ),
        )
        raise
    if job.kind == ImportKind.CUSTOMERS and not job.options.get("dry_run"):
        # Before the job ends, so that its likely duplicates are in the review queue by then.
        from customers.duplicates.services.incoming import import_duplicates_find

        import_duplicates_find(job=job)
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.SUCCEEDED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    if job.kind == ImportKind.CUSTOMERS and not job.options.get("dry_run"):
        _queue_quality_check(job)
    import_finished_emit(job=job)
    return job


def _queue_quality_check(job: ImportJob) -> None:
    """The records the import created or changed are checked against the
    quality rules by a worker, after the job: the import itself stays as fast
    as the file allows, and its own flags are there already."""
    from customers.tasks import quality_check_since_task

    if job.started_at is None:  # a job that never started changed nothing
        return
    since = job.started_at.isoformat()
    transaction.on_commit(lambda: quality_check_since_task.delay(since))


def sensitive_mapping_problems(mapping: Mapping, kind: str, actor) -> list[str]:
    """A user who may not see sensitive fields may not fill them from a file
    either (they would overwrite values they cannot read, and the counts
    would tell them whether a guessed value was right). ``actor`` None is
    the command line, run by an operator, who may."""
    if actor is None or kind != ImportKind.CUSTOMERS or can_view_sensitive(actor):
        return []
    problems = []
    for target, spec in mapping.items():
        field = registry.by_column(target)
        if field is None or not field.sensitive:
            continue
        if isinstance(spec, dict):
            source = "A constant"
        else:
            columns = [spec] if isinstance(spec, str) else list(spec)
            source = "The column " + " and ".join(f"“{c}”" for c in columns)
        problems.append(
            f"{source} cannot be mapped to {field.label}: it is sensitive data, which you do "
            "not have permission to see or change. Leave it unmapped."
        )
    return problems


def mapping_problems(mapping: Mapping, header: list[str], kind: str, *, actor=None) -> list[str]:
    """Everything wrong with a mapping for this file, one sentence each: what
    check_mapping finds, sensitive fields ``actor`` may not fill, and what a
    kind of import cannot do without."""
    problems = check_mapping(mapping, header, kind)
    problems += sensitive_mapping_problems(mapping, kind, actor)
    if kind == ImportKind.CUSTOMERS and not IDENTITY_TARGETS & set(mapping):
        problems.append(
            "No column gives an identity (external_id, email, first_name, last_name or "
            "organisation): map at least one."
        )
    if kind == ImportKind.ORDERS:
        missing = [name for name in ORDER_REQUIRED if name not in mapping]
        if missing:
            problems.append(f"Orders need these columns mapped: {', '.join(missing)}.")
    return problems


def _given_orders(mapping: Mapping, by_column: Mapping, kind: str) -> dict[str, str]:
    """Date orders by column, as date orders by target field."""
    return {
        target: by_column[mapping[target]]
        for target in _date_targets(kind)
        if isinstance(mapping.get(target), str) and mapping[target] in by_column
    }


def _cleaner(job: ImportJob, date_orders: dict[str, str] | None = None):
    cleaner = RowCleaner if job.kind == ImportKind.CUSTOMERS else OrderRowCleaner
    return cleaner(
        date_format=job.options.get("date_format"),
        strict=bool(job.options.get("strict")),
        date_orders=date_orders,
    )


def _order_id_of(mapping: Mapping, header: list[str]) -> Callable[[list[str]], str]:
    def order_id(values: list[str]) -> str:
        return apply_mapping(mapping, header, values).get("order_id", "").strip()

    return order_id


def _batches(
    rows: Iterable, size: int, group: Callable[[list[str]], str] | None = None
) -> Iterator[list[tuple[int, list[str]]]]:
    """Rows in batches of ``size``. With ``group`` (an order's lines), a batch
    grows past its size rather than split a group, so that every order is
    written whole in one transaction."""
    batch: list = []
    for row in rows:
        if len(batch) >= size and (group is None or group(row[1]) != group(batch[-1][1])):
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch


def _prepare(batch, shape, mapping, cleaner) -> list[_Row]:
    prepared = []
    for number, values in batch:
        row = _Row(number, values)
        if len(values) != len(shape.header):
            row.reasons.append(
                f"The row has {len(values)} values; the header has {len(shape.header)} columns."
            )
        else:
            row.clean = cleaner.clean(apply_mapping(mapping, shape.header, values))
            row.reasons.extend(row.clean.rejection)
        prepared.append(row)
    return prepared


def _prepared_batches(rows, size, group, shape, mapping, cleaner) -> Iterator[list[_Row]]:
    """The file's batches, read and cleaned. (Cleaning the next batch in a
    thread while the database wrote the current one was measured at 20k rows
    and gained nothing beyond the noise: the write is the database's, the
    cleaning holds the interpreter.)"""
    for batch in _batches(rows, size, group):
        yield _prepare(batch, shape, mapping, cleaner)


def _held_rows(job: ImportJob, path: Path, shape, mapping, cleaner) -> frozenset[int]:
    """The rows the import holds back for review instead of creating (the
    ``hold_duplicates`` option): the rows that would create a record, scored
    against the database by the match model before anything is written; the
    certain duplicates of an existing customer are held (duplicates.services.held)."""
    if job.kind != ImportKind.CUSTOMERS or not job.options.get("hold_duplicates"):
        return frozenset()
    from customers.duplicates.services.held import import_rows_hold

    def would_create() -> Iterator[tuple[int, dict]]:
        for batch in _batches(readers.iter_rows(path, shape), settings.IMPORT_BATCH_SIZE):
            rows = [row for row in _prepare(batch, shape, mapping, cleaner) if not row.reasons]
            with transaction.atomic():
                existing = _CustomerWriter(job)._lookup(rows)
            fresh = [row.cleaned.values for row in rows]
            # A suppressed person's row is dropped by the write, not kept here.
            listed = policy.suppressed(
                emails=[values["email"] for values in fresh if values.get("email")],
                phones=[values["phone"] for values in fresh if values.get("phone")],
            )
            for row, values in zip(rows, fresh, strict=True):
                if _key(values) not in existing and not _contact_points(values) & listed:
                    yield row.number, values

    return frozenset(import_rows_hold(job=job, rows=would_create()))


def _commit_batch(job, batch: list[_Row], writer, held: frozenset[int] = frozenset()) -> None:
    """Write one batch; the rows held for review (``held``) are counted as
    processed and not written."""
    rows = [row for row in batch if row.number not in held]
    with transaction.atomic():
        locked = lock_one(job)
        if locked.status != ImportStatus.RUNNING or locked.processed_rows != job.processed_rows:
            raise ConcurrentRun
        counts = writer.write(rows)
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + len(batch),
            created_count=F("created_count") + counts.created,
            updated_count=F("updated_count") + counts.updated,
            unchanged_count=F("unchanged_count") + counts.unchanged,
            rejected_count=F("rejected_count") + counts.rejected,
            flagged_count=F("flagged_count") + counts.flagged,
            suppressed_count=F("suppressed_count") + counts.suppressed,
            heartbeat_at=Now(),
        )
    job.refresh_from_db()


def import_jobs_resume_stale(*, stale_after: dt.timedelta | None = None) -> list[ImportJob]:
    """Queue again each running job whose worker has shown no life for
    ``stale_after`` (settings.IMPORT_STALE_MINUTES): it died, and the job
    resumes after its last committed batch. Each job is claimed by a
    conditional update of its heartbeat, so two sweeps do not both queue it;
    if its worker was only slow, the two runs meet at the next batch and one
    of them stops (ConcurrentRun)."""
    from customers.tasks import import_run_task

    if stale_after is None:
        stale_after = dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    now = timezone.now()
    cutoff = now - stale_after
    stale = ImportJob.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True, started_at__lte=cutoff)
    )
    resumed = []
    for job in stale.order_by("pk"):
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(heartbeat_at=now)
        if claimed:
            resumed.append(job)
            transaction.on_commit(partial(import_run_task.delay, job.pk))
    return resumed


def _dry_run(job, rows, shape, mapping, cleaner, writer, batch_size, progress, group) -> None:
    """Everything a real run does, inside one transaction that is rolled back;
    only the job's figures are kept."""
    total = _Counts()
    processed = job.processed_rows
    with transaction.atomic():
        for batch in _prepared_batches(rows, batch_size, group, shape, mapping, cleaner):
            counts = writer.write(batch, record_errors=False)
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
            processed += len(batch)
            if progress:
                job.processed_rows = processed
                progress(job)
        transaction.set_rollback(True)
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=processed,
        created_count=total.created,
        updated_count=total.updated,
        unchanged_count=total.unchanged,
        rejected_count=total.rejected,
        flagged_count=total.flagged,
        suppressed_count=total.suppressed,
    )


def _record_errors(job: ImportJob, rejected: list[_Row]) -> None:
    """The rejected rows into the error report, in bulk."""
    if not rejected:
        return
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                job=job, row_number=row.number, raw=row.values, reasons=" ".join(row.reasons)
            )
            for row in rejected
        ],
        ignore_conflicts=True,  # a resumed batch may meet its own errors again
    )


def _key(values: Mapping) -> tuple:
    """How a row finds its record: the source's own id, else the email, else
    the phone, else the names and postcode."""
    if values.get("external_id"):
        return ("external_id", values["external_id"])
    if values.get("email"):
        return ("email", values["email"])
    if values.get("phone"):
        return ("phone", values["phone"])
    return (
        "name",
        (values.get("first_name") or "").lower(),
        (values.get("last_name") or "").lower(),
        (values.get("organisation_name") or "").lower(),
        values.get("postcode") or "",
    )


def _contact_points(values: Mapping) -> set[tuple]:
    """The email and phone a row gives, as the keys a later row could find it by."""
    return {(kind, values[kind]) for kind in ("email", "phone") if values.get(kind)}


class _CustomerWriter:
    """Upserts cleaned rows in bulk: one lookup per key kind, bulk inserts and
    updates with history, interests and quality flags in bulk."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.source = job.source
        self.actor = job.created_by
        self.reason = f"import {job.public_id}"

    def write(self, rows: list[_Row], *, record_errors: bool = True) -> _Counts:
        counts = _Counts()
        self.record_errors = record_errors
        rejected = [row for row in rows if row.reasons]
        counts.rejected = len(rejected)
        if record_errors:
            _record_errors(self.job, rejected)
        # Rows that may meet the same record are written in two steps, so
        # that the second updates what the first created or changed, as a
        # row-by-row import would (and whatever the batch size): the same key
        # twice, or a row keyed on an email or phone an earlier row gives.
        chunk: list[_Row] = []
        keys: set = set()
        contacts: set = set()  # every key and contact point of the chunk's rows
        for row in rows:
            if row.reasons:
                continue
            key = _key(row.cleaned.values)
            points = _contact_points(row.cleaned.values) | {key}
            if key in contacts or points & keys:
                self._write_unique(chunk, counts)
                chunk, keys, contacts = [], set(), set()
            chunk.append(row)
            keys.add(key)
            contacts |= points
        self._write_unique(chunk, counts)
        return counts

    def _lookup(self, rows: list[_Row]) -> dict[tuple, Customer]:
        by_kind: dict[str, set] = {}
        surnames_as_given: set[str] = set()
        for row in rows:
            key = _key(row.cleaned.values)
            by_kind.setdefault(key[0], set()).add(key[1:] if key[0] == "name" else key[1])
            if key[0] == "name":
                surnames_as_given.add(row.cleaned.values.get("last_name") or "")
        found: dict[tuple, Customer] = {}
        # Locked in key order for the batch's transaction, so that nobody
        # changes a record between this read and the write; merged records
        # are not matched (their survivor is, below).
        base = (
            Customer.objects.select_for_update(of=("self",))
            .order_by("pk")
            .only(*MATCHED_BY, "merged_into_id")
        )
        if "external_id" in by_kind:
            for c in base.filter(source=self.source, external_id__in=by_kind["external_id"]):
                found[("external_id", c.external_id)] = c
        for kind in ("email", "phone"):
            if kind in by_kind:
                for c in base.filter(**{f"{kind}__in": by_kind[kind]}):
                    found.setdefault((kind, getattr(c, kind)), c)
        if "name" in by_kind:
            # Records known by name only: narrow by surname (indexed, upper
            # case), then match the whole key in Python. The database's upper
            # case is not Python's beyond ASCII (SQLite folds ASCII only, and
            # no database makes "SS" of "ß"), so the surnames as given are
            # looked for too: a file imported again always finds its records.
            surnames = {key[1].upper() for key in by_kind["name"] if key[1]}
            surnames_as_given.discard("")
            by_organisation = {key[2] for key in by_kind["name"] if not key[1] and key[2]}
            candidates = (
                base.filter(source=self.source, email="", phone="", external_id="")
                .annotate(surname=Upper("last_name"), organisation=Upper("organisation_name"))
                .filter(
                    Q(surname__in=surnames)
                    | Q(last_name__in=surnames_as_given)
                    | Q(last_name="", organisation__in={o.upper() for o in by_organisation})
                )
            )
            for c in candidates:
                key = _key(
                    {
                        "first_name": c.first_name,
                        "last_name": c.last_name,
                        "organisation_name": c.organisation_name,
                        "postcode": c.postcode,
                    }
                )
                found.setdefault(key, c)
        return survivors(found)

    def _without_suppressed(
        self, rows: list[_Row], existing: dict, counts: _Counts, record_errors: bool
    ) -> list[_Row]:
        """Rows that would create a record for a person on the suppression
        list (who objected, or was erased) are not imported. Their error
        report entry keeps the row number only: storing the row would keep
        the very data the person asked to be rid of."""
        fresh = [row for row in rows if _key(row.cleaned.values) not in existing]
        listed = policy.suppressed(
            emails=[r.cleaned.values["email"] for r in fresh if r.cleaned.values.get("email")],
            phones=[r.cleaned.values["phone"] for r in fresh if r.cleaned.values.get("phone")],
        )
        if not listed:
            return rows
        blocked = {id(row) for row in fresh if _contact_points(row.cleaned.values) & listed}
        counts.suppressed += len(blocked)
        if record_errors:
            _record_errors(
                self.job,
                [
                    _Row(row.number, [], reasons=[SUPPRESSED_REASON])
                    for row in rows
                    if id(row) in blocked
                ],
            )
        return [row for row in rows if id(row) not in blocked]

    def _write_unique(self, rows: list[_Row], counts: _Counts) -> None:
        while rows:
            existing = self._lookup(rows)
            # Two rows that meet one record by different keys (an external
            # id, and an email the record holds) are written one after the
            # other, as a row-by-row import would: the later row is compared
            # with what the earlier one wrote.
            seen: set[int] = set()
            end = len(rows)
            for index, row in enumerate(rows):
                customer = existing.get(_key(row.cleaned.values))
                if customer is not None and customer.pk in seen:
                    end = index
                    break
                if customer is not None:
                    seen.add(customer.pk)
            self._write_distinct(rows[:end], existing, counts)
            rows = rows[end:]

    def _write_distinct(self, rows: list[_Row], existing: dict, counts: _Counts) -> None:
        """Write rows that each meet a different record (or none)."""
        rows = self._without_suppressed(rows, existing, counts, self.record_errors)
        staged = []
        for row in rows:
            clean = row.cleaned
            customer = existing.get(_key(clean.values))
            if clean.flags:
                counts.flagged += 1
            if customer is not None:
                row.customer_id = customer.pk
            staged.append(
                StagedRow(
                    number=row.number,
                    customer_id=row.customer_id,
                    values=clean.values,
                    attributes=clean.attributes or None,
                    interests=clean.interests,
                )
            )
        written = stage_write(
            staged,
            source=self.source,
            at=timezone.now().isoformat(),
            now=timezone.now(),
            user=self.actor,
            reason=self.reason,
        )
        counts.created += len(written.created)
        counts.updated += len(written.updated)
        counts.unchanged += len(staged) - len(written.created) - len(written.updated)
        interest_updates: dict[int, list[str]] = {}
        for row in rows:
            created = written.created.get(row.number)
            if created is not None:
                row.customer_id = created
                if row.cleaned.interests:
                    interest_updates[created] = row.cleaned.interests
            elif row.record_id in written.interests_changed:
                interest_updates[row.record_id] = row.cleaned.interests or []
        self._set_interests(interest_updates, sorted(written.interests_changed))
        self._flag(rows)

    def _set_interests(self, updates: dict[int, list[str]], replaced: list[int]) -> None:
        """Give customers their interests; ``replaced`` are the existing
        customers whose interests are replaced (new ones have none yet)."""
        if not updates:
            return
        names = {name for names in updates.values() for name in names}
        Interest.objects.bulk_create([Interest(name=n) for n in names], ignore_conflicts=True)
        ids = dict(Interest.objects.filter(name__in=names).values_list("name", "pk"))
        through = Customer.interests.through
        if replaced:
            through.objects.filter(customer_id__in=replaced).delete()
        insert_rows(
            through,
            ["customer_id", "interest_id"],
            [(pk, ids[name]) for pk, names in updates.items() for name in names],
        )

    def _flag(self, rows: list[_Row]) -> None:
        issues = [
            QualityIssue(
                customer_id=row.record_id,
                field=flag.field,
                code=flag.code,
                message=flag.message[:500],
                raw_value=flag.raw,
                detected_by=self.reason,
            )
            for row in rows
            for flag in row.cleaned.flags
        ]
        if issues:
            QualityIssue.objects.bulk_create(issues, ignore_conflicts=True)


def import_error_report_rows(*, job: ImportJob) -> Iterator[list[str]]:
    """The error report: one row per rejected row, its number and reasons
    first, then its values under the file's own header."""
    yield ["row", "reasons", *job.options.get("header", [])]
    for error in job.row_errors.order_by("row_number").iterator(chunk_size=2000):
        yield [str(error.row_number), error.reasons, *error.raw]


@dataclass
class PreviewRow:
    number: int
    values: list[str]
    fields: dict
    flags: list[str]
    rejection: list[str]


@dataclass
class Preview:
    """What the wizard shows before a run: the file's columns, the mapping
    (given or suggested) with what is wrong with it, and the first rows as the
    run would judge them."""

    header: list[str]
    mapping: dict
    problems: list[str]
    unmapped: list[str]
    total_rows: int
    rows: list[PreviewRow]
    # Date columns whose dates read both ways: the wizard asks how (column,
    # order chosen so far, choices).
    date_columns: list[dict] = field(default_factory=list)


# The preview judges up to this many rows and shows the ones with a problem
# first, so that a bad row deep in the file is seen before the run.
PREVIEW_SCAN_ROWS = 5000


def import_preview(
    *,
    job: ImportJob,
    mapping: Mapping | None = None,
    date_orders: Mapping | None = None,
    limit: int = 10,
) -> Preview:
    """What the run would make of the file: problems of the mapping, date
    columns to ask about, and ``limit`` rows, rejected and flagged ones first.
    Raises readers.FileProblem when the file cannot be read."""
    path = Path(job.file.path)
    shape = readers.inspect(
        path, encoding=job.options.get("encoding"), delimiter=job.options.get("delimiter")
    )
    if mapping is None:
        mapping = job.mapping or suggest_mapping(shape.header, job.kind)
    mapping = dict(mapping)
    if date_orders is None:
        date_orders = job.options.get("date_orders") or {}
    date_orders = {k: v for k, v in date_orders.items() if v in dates.ORDERS}
    problems = mapping_problems(mapping, shape.header, job.kind, actor=job.created_by)
    found = DateColumns()
    rows: list[PreviewRow] = []
    if not problems:
        found = date_columns(
            path=path,
            shape=shape,
            mapping=mapping,
            kind=job.kind,
            options={**job.options, "date_orders": date_orders},
        )
        problems += found.problems
        problems += [
            f"The dates in column “{column}” could be day-first or month-first (every one "
            "reads both ways, such as 03/04/2024): say which below."
            for column in found.ambiguous
        ]
    if not problems:
        cleaner = _cleaner(job, _given_orders(mapping, date_orders, job.kind) | found.orders)
        for number, values in itertools.islice(readers.iter_rows(path, shape), PREVIEW_SCAN_ROWS):
            prepared = _prepare([(number, values)], shape, mapping, cleaner)[0]
            clean = prepared.clean
            rows.append(
                PreviewRow(
                    number=number,
                    values=values,
                    fields=dict(clean.values) if clean else {},
                    flags=[f"{f.field}: {f.message}" for f in clean.flags] if clean else [],
                    rejection=prepared.reasons,
                )
            )
        # Rejected rows, then flagged ones, then good ones, each in file order.
        rows.sort(key=lambda row: (not row.rejection, not row.flags, row.number))
        rows = rows[:limit]
    return Preview(
        header=shape.header,
        mapping=mapping,
        problems=problems,
        unmapped=unmapped_columns(mapping, shape.header),
        total_rows=shape.total_rows,
        rows=rows,
        date_columns=_date_column_choices(mapping, shape.header, job.kind, date_orders, found),
    )


def _date_column_choices(mapping, header, kind, date_orders, found: DateColumns) -> list[dict]:
    """The wizard's question per date column that reads both ways (and the
    answer so far), so the person says how it is written."""
    return [
        {"column": column, "order": date_orders.get(column, ""), "choices": dates.ORDERS}
        for column in dict.fromkeys([*found.ambiguous, *(c for c in date_orders if c in header)])
    ]


@transaction.atomic
def import_job_set_mapping(
    *, job: ImportJob, mapping: Mapping, actor=None, date_orders: Mapping | None = None
) -> ImportJob:
    """Change a draft job's mapping (the wizard's second step). Raises
    PermissionDenied naming a column mapped to a sensitive field that the
    job's creator (or ``actor``) may not see."""
    job = lock_one(job)
    if job.status != ImportStatus.DRAFT:
        raise ValidationError("The job has started; its mapping can no longer change.")
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": "The mapping is an object of field: column."})
    refused = [
        *sensitive_mapping_problems(mapping, job.kind, job.created_by),
        *sensitive_mapping_problems(mapping, job.kind, actor),
    ]
    if refused:
        raise PermissionDenied(" ".join(dict.fromkeys(refused)))
    _check_date_orders(date_orders)
    job.mapping = dict(mapping)
    if date_orders:
        job.options = {**job.options, "date_orders": dict(date_orders)}
    job.save(update_fields=["mapping", "options"])
    return job
