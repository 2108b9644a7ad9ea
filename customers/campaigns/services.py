"""Campaigns and their responses.

``campaign_responses_record`` is the one pipeline: the API hands it the
rows of a request, the import (responses_import.py) the rows of a file, in
batches. Every row is checked first; one bad row refuses the whole call,
with the row, the field and the reason, and nothing is written. Then, in one
transaction, responses are inserted (a response reported twice is kept
once), unsubscribes and complaints withdraw consent for the snapshot's
purpose and channel with their proof (customers.policy.opt_out), and hard
bounces mark the email undeliverable, which the quality rules (validity of
email) and the redundant-record sweep see."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from customers import policy
from customers.models import (
    BounceType,
    Campaign,
    CampaignResponse,
    CampaignSnapshot,
    CampaignSnapshotMember,
    Contactability,
    Customer,
    ResponseKind,
    ResponseSource,
)
from customers.quality.services import quality_check_customers

# The columns of a response, and the other names files give them.
RESPONSE_FIELDS = ("customer", "email", "kind", "occurred_at", "value", "currency", "bounce_type")
ALIASES = {
    "customer_id": "customer",
    "public_id": "customer",
    "member": "customer",
    "email_address": "email",
    "event": "kind",
    "response": "kind",
    "type": "kind",
    "timestamp": "occurred_at",
    "date": "occurred_at",
    "time": "occurred_at",
    "amount": "value",
    "revenue": "value",
    "bounce": "bounce_type",
}
CLOCK_SKEW = dt.timedelta(minutes=5)


def _decimals(value: Decimal) -> int:
    """How many decimal places ``value`` is written with."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check_actor(actor, permission: str, doing: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"You may not {doing}.")


@transaction.atomic
def campaign_create(
    *, name: str, snapshots: Iterable[CampaignSnapshot], description: str = "", actor=None
) -> Campaign:
    """A campaign sent to the members of ``snapshots`` (at least one)."""
    _check_actor(actor, "customers.add_campaign", "create campaigns")
    snapshots = list(snapshots)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Name the campaign."
    elif Campaign.objects.filter(name__iexact=name).exists():
        errors["name"] = f"A campaign is already called “{name}”."
    if not snapshots:
        errors["snapshots"] = "Choose at least one snapshot: a campaign is sent to its members."
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        name=name, description=description, created_by=actor if actor else None
    )
    campaign.snapshots.set(snapshots)
    return campaign


@dataclass
class RowProblem:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.field}: {self.reason}"


@dataclass
class _Clean:
    row: int
    member_id: int
    customer_id: int
    snapshot_id: int
    kind: str
    occurred_at: dt.datetime
    value: Decimal | None
    currency: str
    bounce_type: str


@dataclass
class ResponsesResult:
    received: int = 0
    recorded: int = 0
    repeated: int = 0
    opted_out: int = 0
    bounced: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def add(self, other: ResponsesResult) -> None:
        for name in ("received", "recorded", "repeated", "opted_out", "bounced"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class ResponsesRefused(ValidationError):
    """Rows that cannot be recorded, each with its row, field and reason."""

    def __init__(self, problems: Sequence[RowProblem]):
        self.problems = list(problems)
        super().__init__({"rows": [str(p) for p in self.problems]})


def normalise_row(raw: Mapping[str, object]) -> dict[str, str]:
    """A row's columns under their own names, values as text."""
    row = {}
    for key, value in raw.items():
        name = str(key).strip().lower().replace(" ", "_")
        name = ALIASES.get(name, name)
        row[name] = "" if value is None else str(value).strip()
    return row


def _parse_when(text: str) -> dt.datetime | None:
    when = parse_datetime(text)
    if when is None:
        day = parse_date(text)
        if day is None:
            return None
        when = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


class _Members:
    """The campaign's members, found by customer public id or by email, a
    batch at a time (two indexed queries per batch)."""

    def __init__(self, campaign: Campaign):
        self.snapshot_ids = list(campaign.snapshots.values_list("pk", flat=True))

    def lookup(self, rows: list[dict]) -> tuple[dict[str, tuple], dict[str, tuple]]:
        ids, emails = set(), set()
        for row in rows:
            try:
                ids.add(UUID(row.get("customer", "")))
            except ValueError:
                if row.get("email"):
                    emails.add(row["email"].lower())
        # In a fixed order, so that a customer in two snapshots (or two records
        # sharing an email) is always matched to the same member.
        base = CampaignSnapshotMember.objects.filter(snapshot_id__in=self.snapshot_ids).order_by(
            "snapshot_id", "pk"
        )
        fields = ("pk", "customer_id", "snapshot_id")
        by_id: dict[str, tuple] = {}
        for *found, public_id in base.filter(customer__public_id__in=ids).values_list(
            *fields, "customer__public_id"
        ):
            by_id.setdefault(str(public_id), tuple(found))
        by_email: dict[str, tuple] = {}
        if emails:
            # Emails are stored lower-case: the customer_email index finds them.
            for *found, email in base.filter(customer__email__in=emails).values_list(
                *fields, "customer__email"
            ):
                by_email.setdefault(email, tuple(found))
        return by_id, by_email


def _clean_rows(
    campaign: Campaign, rows: Sequence[tuple[int, dict]], members: _Members
) -> tuple[list[_Clean], list[RowProblem]]:
    problems: list[RowProblem] = []
    clean: list[_Clean] = []
    by_id, by_email = members.lookup([row for _, row in rows])
    now = timezone.now()
    for number, row in rows:
        before = len(problems)

        def problem(name: str, reason: str, number=number) -> None:
            problems.append(RowProblem(number, name, reason))

        unknown = sorted(set(row) - set(RESPONSE_FIELDS))
        for name in unknown:
            problem(name, "Unknown column.")
        member = None
        if row.get("customer"):
            member = by_id.get(row["customer"].lower())
            if member is None:
                problem("customer", f"“{row['customer']}” is not a member of this campaign.")
        elif row.get("email"):
            member = by_email.get(row["email"].lower())
            if member is None:
                problem("email", f"“{row['email']}” is not a member of this campaign.")
        else:
            problem("customer", "Give the member's customer id or email.")
        kind = row.get("kind", "").lower()
        if kind not in ResponseKind.values:
            problem(
                "kind", f"“{row.get('kind', '')}” is not one of {', '.join(ResponseKind.values)}."
            )
        when = _parse_when(row.get("occurred_at", ""))
        if when is None:
            problem("occurred_at", "Give the time as YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+00:00].")
        elif when > now + CLOCK_SKEW:
            problem("occurred_at", "A response cannot be in the future.")
        value = None
        if row.get("value"):
            try:
                value = Decimal(row["value"].replace(",", ""))
            except InvalidOperation:
                problem("value", f"“{row['value']}” is not an amount.")
            else:
                if kind != ResponseKind.CONVERTED:
                    problem("value", "Only a conversion has a value.")
                elif value < 0 or _decimals(value) > 2 or abs(value) >= 10**10:
                    problem("value", "An amount is positive, with at most 2 decimals.")
        currency = (row.get("currency") or "").upper()
        if value is not None and not currency:
            currency = settings.REPORTING_CURRENCY
        if currency and (len(currency) != 3 or not currency.isalpha()):
            problem("currency", f"“{currency}” is not a three-letter currency code.")
        bounce = (row.get("bounce_type") or "").lower()
        if kind == ResponseKind.BOUNCED:
            bounce = bounce or BounceType.HARD
            if bounce not in BounceType.values:
                problem("bounce_type", "A bounce is hard or soft.")
        elif bounce:
            problem("bounce_type", "Only a bounce has a bounce type.")
        if len(problems) == before and member is not None and when is not None:
            member_id, customer_id, snapshot_id = member
            clean.append(
                _Clean(
                    number,
                    member_id,
                    customer_id,
                    snapshot_id,
                    kind,
                    when,
                    value,
                    currency if value is not None else "",
                    bounce,
                )
            )
    return clean, problems


def campaign_responses_check(
    *, campaign: Campaign, rows: Iterable[tuple[int, Mapping]], batch_size: int = 2000
) -> tuple[int, list[RowProblem]]:
    """Check rows without writing: how many, and what is wrong with them."""
    members = _Members(campaign)
    problems: list[RowProblem] = []
    count = 0
    for batch in _batched(rows, batch_size):
        count += len(batch)
        problems.extend(_clean_rows(campaign, batch, members)[1])
    return count, problems


def _batched(rows: Iterable[tuple[int, Mapping]], size: int):
    batch: list[tuple[int, dict]] = []
    for number, raw in rows:
        batch.append((number, normalise_row(raw)))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def campaign_responses_record(
    *,
    campaign: Campaign,
    rows: Sequence[tuple[int, Mapping]],
    source: str,
    reference: str = "",
    actor=None,
) -> ResponsesResult:
    """Record one batch of responses (``rows``: (row number, columns)), all
    or none. ``source`` is "api" or "import"; ``reference`` names where they
    came from (the file, the API key) in the consent proof."""
    _check_actor(actor, "customers.add_campaignresponse", "record campaign responses")
    if source not in ResponseSource.values:
        raise ValueError(f"Unknown response source {source!r}.")
    batch = [(number, normalise_row(raw)) for number, raw in rows]
    clean, problems = _clean_rows(campaign, batch, _Members(campaign))
    if problems:
        raise ResponsesRefused(problems)
    result = ResponsesResult(received=len(batch))
    # A response reported again (a re-run import) is kept once and has no
    # second effect: no second withdrawal, no second bounce.
    stored = set(
        CampaignResponse.objects.filter(
            campaign=campaign, member_id__in={r.member_id for r in clean}
        ).values_list("member_id", "kind", "occurred_at")
    )
    new: dict[tuple, _Clean] = {}
    for row in clean:
        key = (row.member_id, row.kind, row.occurred_at)
        if key not in stored:
            new.setdefault(key, row)
    clean = list(new.values())
    CampaignResponse.objects.bulk_create(
        [
            CampaignResponse(
                campaign=campaign,
                member_id=row.member_id,
                kind=row.kind,
                occurred_at=row.occurred_at,
                value=row.value,
                currency=row.currency,
                bounce_type=row.bounce_type,
                source=source,
            )
            for row in clean
        ]
    )
    result.recorded = len(clean)
    result.repeated = result.received - result.recorded
    result.opted_out = _opt_out(campaign, clean, source, reference)
    result.bounced = _hard_bounces(clean)
    return result


def _opt_out(campaign: Campaign, rows: list[_Clean], source: str, reference: str) -> int:
    """Withdraw consent for the purpose and channel of the snapshot each
    unsubscriber or complainer was reached through, with the report as proof."""
    leaving = [r for r in rows if r.kind in (ResponseKind.UNSUBSCRIBED, ResponseKind.COMPLAINED)]
    if not leaving:
        return 0
    snapshots = CampaignSnapshot.objects.in_bulk({r.snapshot_id for r in leaving})
    customers = Customer.objects.in_bulk({r.customer_id for r in leaving})
    done = 0
    for row in leaving:
        snapshot = snapshots[row.snapshot_id]
        evidence = json.dumps(
            {
                "campaign": str(campaign.public_id),
                "snapshot": str(snapshot.public_id),
                "response": row.kind,
                "reported_through": source,
                "reference": reference,
                "row": row.row,
            }
        )
        recorded = policy.opt_out(
            customer=customers[row.customer_id],
            purpose=snapshot.purpose,
            channel=snapshot.channel,
            occurred_at=min(row.occurred_at, timezone.now()),
            method="unsubscribe" if row.kind == ResponseKind.UNSUBSCRIBED else "complaint",
            source=f"campaign “{campaign.name}”",
            evidence=evidence,
        )
        done += recorded
    return done


def _hard_bounces(rows: list[_Clean]) -> int:
    """The email of a hard-bounced member is undeliverable: the record says
    so (contactability), and its quality is judged again at once."""
    ids = sorted(
        {r.customer_id for r in rows if r.kind == ResponseKind.BOUNCED and r.bounce_type == "hard"}
    )
    if not ids:
        return 0
    Customer.objects.filter(pk__in=ids).exclude(contactability=Contactability.HARD_BOUNCE).update(
        contactability=Contactability.HARD_BOUNCE, updated_at=timezone.now()
    )
    quality_check_customers(ids=ids)
    return len(ids)
