"""Importing consent events from a CSV file (a web form provider's export, a
paper campaign typed up, a previous system).

Columns: ``customer_external_id`` or ``email`` (at least one column, and a
value in one of them on every row), ``purpose``, ``channel``, ``status``,
``occurred_at``, ``method``, ``wording_version``; optional ``source``,
``wording_text``, ``evidence``, ``expires_at``.

The whole file is read once for its structure (encoding, header, CSV syntax)
before anything is written: a broken file writes nothing. Then rows are
checked by the same rules as every other way of recording consent, in chunks,
and the good rows of each chunk are written together; a bad row is reported
with its line number, field and reason, never silently dropped. Re-running
the same file is idempotent: an event already in the ledger (same customer,
purpose, channel, status and time) is not added twice.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from customers.models import Customer
from customers.validation import normalise_email
from governance.models import Consent, Purpose
from governance.services.consent import consent_check

REQUIRED = ("purpose", "channel", "status", "occurred_at", "method", "wording_version")
IDENTITY = ("customer_external_id", "email")
OPTIONAL = ("source", "wording_text", "evidence", "expires_at")
CHUNK = 2000


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ConsentImportResult:
    rows: int = 0
    created: int = 0
    already_recorded: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({error.line for error in self.errors})


def _reader(path: Path) -> Iterator[tuple[int, dict]]:
    handle = path.open(newline="", encoding="utf-8-sig")
    with handle:
        reader = csv.DictReader(handle, strict=True)
        for row in reader:
            yield reader.line_num, row


def consent_import_check_structure(path: Path) -> list[str]:
    """Read the whole file without writing: raise ValidationError naming what
    makes it unreadable. Returns the header."""
    if not path.is_file():
        raise ValidationError({"file": f"{path} is not a file."})
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise ValidationError({"file": "The file is empty: it needs a header row."})
            for row in reader:
                if row and len(row) != len(header):
                    raise ValidationError(
                        {
                            "file": f"Line {reader.line_num} has {len(row)} fields; the header "
                            f"has {len(header)}."
                        }
                    )
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": f"The file is not UTF-8 text ({exc.reason})."}) from exc
    except csv.Error as exc:
        raise ValidationError({"file": f"The file is not valid CSV: {exc}."}) from exc
    problems = []
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        problems.append(f"Columns appear twice: {', '.join(duplicated)}.")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        problems.append(f"Missing columns: {', '.join(missing)}.")
    if not set(IDENTITY) & set(header):
        problems.append("The file needs a customer_external_id or an email column.")
    unknown = sorted(set(header) - set(REQUIRED) - set(IDENTITY) - set(OPTIONAL))
    if unknown:
        problems.append(
            f"Unknown columns: {', '.join(unknown)} (known: "
            f"{', '.join((*IDENTITY, *REQUIRED, *OPTIONAL))})."
        )
    if problems:
        raise ValidationError({"file": problems})
    return header


def _when(value: str) -> dt.datetime | None:
    """An ISO 8601 date or date-time; a naive one is in TIME_ZONE."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError
        parsed = dt.datetime.combine(day, dt.time())
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _customers(rows: list[tuple[int, dict]]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Customer ids by external id and by email for one chunk: two queries."""
    external_ids = {(r.get("customer_external_id") or "").strip() for _, r in rows} - {""}
    emails = {normalise_email(r.get("email")) for _, r in rows} - {""}
    by_external: dict[str, list[int]] = {}
    for external_id, pk in Customer.objects.filter(external_id__in=external_ids).values_list(
        "external_id", "pk"
    ):
        by_external.setdefault(external_id, []).append(pk)
    by_email: dict[str, list[int]] = {}
    for email, pk in Customer.objects.filter(email__in=emails).values_list("email", "pk"):
        by_email.setdefault(email, []).append(pk)
    return by_external, by_email


def _resolve(row: dict, by_external, by_email) -> int:
    external_id = (row.get("customer_external_id") or "").strip()
    email = normalise_email(row.get("email"))
    if external_id:
        key, found, name = external_id, by_external.get(external_id, []), "customer_external_id"
    elif email:
        key, found, name = email, by_email.get(email, []), "email"
    else:
        raise ValidationError({"customer_external_id": "Give a customer_external_id or an email."})
    if not found:
        raise ValidationError({name: f"No customer has {name} “{key}”."})
    if len(found) > 1:
        raise ValidationError(
            {name: f"{len(found)} customers have {name} “{key}”; resolve the duplicates first."}
        )
    return found[0]


def _event(row: dict, customer_id: int, purposes: dict[str, Purpose], source: str) -> Consent:
    errors: dict[str, list[str]] = {}
    times: dict[str, dt.datetime | None] = {}
    for name in ("occurred_at", "expires_at"):
        try:
            times[name] = _when(row.get(name, ""))
        except ValueError:
            errors[name] = [f"“{row[name]}” is not a date or date-time (use ISO 8601)."]
    if not errors and times["occurred_at"] is None:
        errors["occurred_at"] = ["Say when the person gave or withdrew consent."]
    occurred_at = times.get("occurred_at")
    if errors or occurred_at is None:
        raise ValidationError(errors)
    code = (row.get("purpose") or "").strip()
    purpose = purposes.get(code, code)
    try:
        purpose = consent_check(
            purpose=purpose,
            channel=(row.get("channel") or "").strip(),
            status=(row.get("status") or "").strip(),
            occurred_at=occurred_at,
            capture_method=(row.get("method") or "").strip(),
            source=(row.get("source") or "").strip() or source,
            wording_version=(row.get("wording_version") or "").strip(),
            wording_text=row.get("wording_text") or "",
            expires_at=times["expires_at"],
        )
    except ValidationError as exc:
        renamed = {
            ("method" if k == "capture_method" else k): v for k, v in exc.message_dict.items()
        }
        raise ValidationError(renamed) from None
    return Consent(
        customer_id=customer_id,
        purpose=purpose,
        channel=row["channel"].strip(),
        status=row["status"].strip(),
        occurred_at=occurred_at,
        capture_method=row["method"].strip(),
        source=((row.get("source") or "").strip() or source)[:200],
        wording_version=(row.get("wording_version") or "").strip(),
        wording_text=row.get("wording_text") or "",
        evidence=(row.get("evidence") or "")[:500],
        expires_at=times["expires_at"],
    )


def _already_recorded(events: list[Consent]) -> set[tuple]:
    def key(e):
        return (e.customer_id, e.purpose_id, e.channel, e.status, e.occurred_at)

    if not events:
        return set()
    existing = Consent.objects.filter(
        customer_id__in={e.customer_id for e in events},
        occurred_at__in={e.occurred_at for e in events},
    ).values_list("customer_id", "purpose_id", "channel", "status", "occurred_at")
    return set(existing) & {key(e) for e in events}


def consent_import(
    *, path: Path | str, actor=None, source: str = "", dry_run: bool = False
) -> ConsentImportResult:
    """Import consent events from the CSV file at ``path``. Raises
    ValidationError (nothing written) when the file itself is broken; bad rows
    are in the result's ``errors``."""
    path = Path(path)
    consent_import_check_structure(path)
    source = source or f"import {path.name}"
    purposes = {p.code: p for p in Purpose.objects.all()}
    result = ConsentImportResult()
    rows = _reader(path)
    chunk_size = getattr(settings, "CONSENT_IMPORT_CHUNK_SIZE", CHUNK)
    while chunk := list(islice(rows, chunk_size)):
        by_external, by_email = _customers(chunk)
        events, seen = [], set()
        for line, row in chunk:
            result.rows += 1
            try:
                event = _event(row, _resolve(row, by_external, by_email), purposes, source)
            except ValidationError as exc:
                result.errors.extend(
                    RowError(line, name, message)
                    for name, messages in exc.message_dict.items()
                    for message in messages
                )
                continue
            event.actor = actor
            key = (
                event.customer_id,
                event.purpose_id,
                event.channel,
                event.status,
                event.occurred_at,
            )
            if key in seen:  # the same event twice in the file
                result.already_recorded += 1
                continue
            seen.add(key)
            events.append(event)
        recorded = _already_recorded(events)
        new = [
            e
            for e in events
            if (e.customer_id, e.purpose_id, e.channel, e.status, e.occurred_at) not in recorded
        ]
        result.already_recorded += len(events) - len(new)
        if not dry_run:
            with transaction.atomic():
                Consent.objects.bulk_create(new)
        result.created += len(new)
    return result
