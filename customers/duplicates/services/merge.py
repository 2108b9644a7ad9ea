"""Merging two records of the same person, and undoing it.

A merge keeps one record, the survivor, with the values chosen field by
field; the other record stays in the database, unchanged, with
``merged_into`` pointing at the survivor, so that its old links and API id
lead there and an undo can restore both exactly. Orders and open quality
issues move to the survivor; governance moves what is its own (the consent
events) when the merge calls it through the customers <-> governance
interface (``customers.policy.customer_merged``), inside the same
transaction, and says what it moved, kept on the merge under a stable key
so that an undo can move it back.

Both records are locked in primary-key order (``mis.locks``) before anything
about them is checked, so a merge and an import touching the same pair queue
rather than deadlock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from customers import policy
from customers.models import (
    CandidateStatus,
    Customer,
    DuplicateCandidate,
    MatchDecision,
    Merge,
    MergeStatus,
    Order,
    QualityIssue,
    QualityIssueStatus,
)
from customers.services import CUSTOMER_WRITABLE_FIELDS
from integrations.events import EventType
from integrations.services import webhook_emit
from mis.locks import lock_many, lock_one

MERGE_PERMISSION = "customers.merge_customers"

# The fields a reviewer chooses between, in the order the review page shows
# them: what a caller may write, less the record's kind and its id in the
# source system (which stay the survivor's) and custom attributes (merged).
MERGE_FIELDS = tuple(
    field
    for field in CUSTOMER_WRITABLE_FIELDS
    if field not in {"kind", "external_id", "attributes"}
)
_DATE_FIELDS = {"date_of_birth": parse_date, "last_verified_at": parse_datetime}
# Restored on undo as well as the chosen fields: the merge changes them too.
_RESTORED_FIELDS = (*MERGE_FIELDS, "attributes", "field_sources")

SURVIVORSHIP_RULES = ("most_recently_verified", "most_complete", "source_priority")


class MergeError(Exception):
    """The merge (or undo) cannot be done; the message says why."""


def _filled(customer: Customer) -> int:
    return sum(1 for field in MERGE_FIELDS if getattr(customer, field) not in (None, ""))


def survivorship_rank(customer: Customer, rule: str | None = None):
    """A sort key: the record that ranks highest under the survivorship rule
    is the default survivor, and its values the default choices. Ties go to
    the older record (it is the one other systems know)."""
    rule = rule or settings.DUPLICATE_SURVIVORSHIP
    if rule not in SURVIVORSHIP_RULES:
        raise ValidationError(
            f"DUPLICATE_SURVIVORSHIP must be one of {', '.join(SURVIVORSHIP_RULES)}, not {rule!r}."
        )
    verified = customer.last_verified_at.timestamp() if customer.last_verified_at else 0
    if rule == "most_recently_verified":
        primary = (verified, _filled(customer))
    elif rule == "most_complete":
        primary = (_filled(customer), verified)
    else:
        priority = list(settings.DUPLICATE_SOURCE_PRIORITY)
        rank = priority.index(customer.source) if customer.source in priority else len(priority)
        primary = (-rank, verified)
    return (*primary, -customer.pk)


def merge_defaults(a: Customer, b: Customer, rule: str | None = None) -> dict:
    """The default survivor ("a" or "b") and per-field choices: the better
    record's value, or the other's where the better one has none."""
    better = "a" if survivorship_rank(a, rule) >= survivorship_rank(b, rule) else "b"
    records = {"a": a, "b": b}
    other = "b" if better == "a" else "a"
    choices = {}
    for field in MERGE_FIELDS:
        value = getattr(records[better], field)
        choices[field] = better if value not in (None, "") else other
        if getattr(records[other], field) in (None, ""):
            choices[field] = better
    return {"survivor": better, "choices": choices}


def _snapshot(customer: Customer) -> dict:
    values = {}
    for field in _RESTORED_FIELDS:
        value = getattr(customer, field)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif field == "country":
            value = str(value or "")
        values[field] = value
    values["interests"] = sorted(customer.interests.values_list("pk", flat=True))
    return values


def _restore(customer: Customer, snapshot: Mapping) -> None:
    for field in _RESTORED_FIELDS:
        value = snapshot.get(field)
        if field in _DATE_FIELDS and value:
            value = _DATE_FIELDS[field](value)
        setattr(customer, field, value)


def _check_actor(actor) -> None:
    if actor is not None and not actor.has_perm(MERGE_PERMISSION):
        raise PermissionDenied("Only a data steward may merge records or undo a merge.")


def _locked_pair(a_id: int, b_id: int) -> tuple[Customer, Customer]:
    # Locked in primary-key order, so that two merges never wait on each other.
    locked = lock_many(Customer, [a_id, b_id])
    if len(locked) != 2:
        raise MergeError("One of the two records no longer exists.")
    return locked[a_id], locked[b_id]


@transaction.atomic
def customers_merge(
    *,
    survivor: Customer,
    merged: Customer,
    choices: Mapping[str, str] | None = None,
    candidate: DuplicateCandidate | None = None,
    actor=None,
    automatic: bool = False,
) -> Merge:
    """Merge ``merged`` into ``survivor``. ``choices`` maps a field to
    "survivor" or "merged" (whose value to keep); fields left out take the
    survivorship default. Raises MergeError, ValidationError (per field) or
    PermissionDenied; on any of them nothing is written."""
    _check_actor(actor)
    if survivor.pk == merged.pk:
        raise MergeError("A record cannot be merged into itself.")
    survivor, merged = _locked_pair(survivor.pk, merged.pk)
    if candidate is not None:
        candidate = lock_one(candidate)
        if candidate.status != CandidateStatus.PENDING:
            raise MergeError("This pair was already decided.")
    for record in (survivor, merged):
        if record.is_merged:
            raise MergeError(f"{record.display_name} was already merged into another record.")
        if record.is_archived:
            raise MergeError(f"{record.display_name} is archived; restore it before merging.")
    unknown = sorted(set(choices or {}) - set(MERGE_FIELDS))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be chosen in a merge."))
    bad = sorted(k for k, v in (choices or {}).items() if v not in ("survivor", "merged"))
    if bad:
        raise ValidationError(dict.fromkeys(bad, "Choose “survivor” or “merged”."))

    defaults = merge_defaults(survivor, merged)
    # merge_defaults speaks of a (the survivor here) and b (the merged record).
    chosen = {
        field: (choices or {}).get(field)
        or ("survivor" if defaults["choices"][field] == "a" else "merged")
        for field in MERGE_FIELDS
    }
    before = _snapshot(survivor)
    changed = []
    for field, side in chosen.items():
        if side == "merged" and getattr(merged, field) != getattr(survivor, field):
            setattr(survivor, field, getattr(merged, field))
            changed.append(field)
    # Custom attributes: the survivor's values win, the merged record fills gaps.
    attributes = {**(merged.attributes or {}), **(survivor.attributes or {})}
    if attributes != (survivor.attributes or {}):
        survivor.attributes = attributes
        changed.append("attributes")
    sources = dict(survivor.field_sources or {})
    now = timezone.now().isoformat()
    for field in changed:
        sources[field] = {"source": f"merge of {merged.public_id}", "at": now}
    survivor.field_sources = sources
    _validate_changed(survivor, changed)

    user = actor if actor is not None and actor.is_authenticated else None
    survivor._history_user = user
    survivor._change_reason = f"merged with {merged.display_name} ({merged.public_id})"
    survivor.save()
    new_interests = set(merged.interests.values_list("pk", flat=True)) - set(before["interests"])
    if new_interests:
        survivor.interests.add(*new_interests)

    merged.merged_into = survivor
    merged._history_user = user
    merged._change_reason = f"merged into {survivor.display_name} ({survivor.public_id})"
    merged.save(update_fields=["merged_into", "updated_at"])

    moved = {
        "orders": list(Order.objects.filter(customer=merged).values_list("pk", flat=True)),
        "interests": sorted(new_interests),
    }
    Order.objects.filter(pk__in=moved["orders"]).update(customer=survivor)
    # An open issue the survivor already has for the same field and problem
    # stays with the merged record (one open issue per problem per field).
    clashing = set(
        QualityIssue.objects.filter(customer=survivor, status=QualityIssueStatus.OPEN).values_list(
            "field", "code"
        )
    )
    issues = [
        pk
        for pk, field, code, status in QualityIssue.objects.filter(customer=merged).values_list(
            "pk", "field", "code", "status"
        )
        if status != QualityIssueStatus.OPEN or (field, code) not in clashing
    ]
    QualityIssue.objects.filter(pk__in=issues).update(customer=survivor)
    moved["quality_issues"] = issues

    if candidate is None:
        low, high = sorted((survivor.pk, merged.pk))
        candidate = DuplicateCandidate.objects.filter(customer_a=low, customer_b=high).first()
    merge = Merge.objects.create(
        survivor=survivor,
        merged=merged,
        candidate=candidate,
        choices=chosen,
        survivor_before=before,
        moved=moved,
        automatic=automatic,
        merged_by=user,
    )
    # Governance moves what is its own, in this transaction, and answers with
    # what it moved (JSON), kept on the merge for the undo.
    moved[policy.MERGE_POLICY_KEY] = policy.customer_merged(
        merge=merge, survivor=survivor, merged=merged, actor=user
    )
    merge.moved = moved
    merge.save(update_fields=["moved"])
    if candidate is not None:
        DuplicateCandidate.objects.filter(pk=candidate.pk).update(
            status=CandidateStatus.MERGED, reviewed_by=user, reviewed_at=timezone.now()
        )
    webhook_emit(
        event_type=EventType.CUSTOMER_MERGED,
        data={
            "merge": merge.public_id,
            "survivor": survivor.public_id,
            "merged": merged.public_id,
            "automatic": automatic,
        },
    )
    return merge


def _validate_changed(customer: Customer, changed: list[str]) -> None:
    """Validate what the merge changes. A value the survivor already held is
    not judged again: imports keep bad values raw and flag them, and a flagged
    record must still be mergeable."""
    try:
        customer.full_clean()
    except ValidationError as exc:
        errors = {
            field: messages
            for field, messages in exc.message_dict.items()
            if field in changed or field == NON_FIELD_ERRORS
        }
        if errors:
            raise ValidationError(errors) from exc


@transaction.atomic
def merge_undo(*, merge: Merge, actor=None) -> Merge:
    """Put both records back as they were before ``merge``: the survivor's
    fields and interests, the merged record's pointer, and everything that
    moved. Each record gets a history entry that says so."""
    _check_actor(actor)
    merge = lock_one(merge)
    if merge.status == MergeStatus.UNDONE:
        raise MergeError("This merge was already undone.")
    survivor, merged = _locked_pair(merge.survivor_id, merge.merged_id)
    later = Merge.objects.filter(status=MergeStatus.MERGED, merged_at__gt=merge.merged_at).filter(
        survivor=merge.survivor_id
    )
    if later.exists():
        raise MergeError(
            "The survivor was merged with another record after this merge: undo that one first."
        )
    if survivor.is_merged:
        raise MergeError("The survivor was itself merged since: undo that merge first.")
    user = actor if actor is not None and actor.is_authenticated else None

    _restore(survivor, merge.survivor_before)
    survivor._history_user = user
    survivor._change_reason = f"merge with {merged.display_name} undone"
    survivor.save()
    if merge.moved.get("interests"):
        survivor.interests.remove(*merge.moved["interests"])
    merged.merged_into = None
    merged._history_user = user
    merged._change_reason = f"merge into {survivor.display_name} undone"
    merged.save(update_fields=["merged_into", "updated_at"])

    Order.objects.filter(pk__in=merge.moved.get("orders", [])).update(customer=merged)
    QualityIssue.objects.filter(pk__in=merge.moved.get("quality_issues", [])).update(
        customer=merged
    )
    policy.customer_merge_undone(merge=merge, survivor=survivor, merged=merged, actor=user)
    merge.status = MergeStatus.UNDONE
    merge.undone_by = user
    merge.undone_at = timezone.now()
    merge.save(update_fields=["status", "undone_by", "undone_at"])
    if merge.candidate_id:
        DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
            status=CandidateStatus.PENDING, reviewed_by=user, reviewed_at=timezone.now()
        )
    webhook_emit(
        event_type=EventType.CUSTOMER_UNMERGED,
        data={"merge": merge.public_id, "survivor": survivor.public_id, "merged": merged.public_id},
    )
    return merge


@transaction.atomic
def candidate_mark_distinct(*, candidate: DuplicateCandidate, actor=None) -> DuplicateCandidate:
    """A reviewer says the two records are different people: the pair leaves
    the queue and later sweeps leave it so."""
    if actor is not None and not actor.has_perm("customers.change_duplicatecandidate"):
        raise PermissionDenied("You may not decide on duplicate pairs.")
    candidate = lock_one(candidate)
    if candidate.status != CandidateStatus.PENDING:
        raise MergeError("This pair was already decided.")
    candidate.status = CandidateStatus.DISTINCT
    candidate.reviewed_by = actor if actor is not None and actor.is_authenticated else None
    candidate.reviewed_at = timezone.now()
    candidate.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return candidate


def candidate_merge(
    *, candidate: DuplicateCandidate, survivor: str, choices: Mapping[str, str], actor=None
) -> Merge:
    """Merge a reviewed pair: ``survivor`` is "a" or "b"; ``choices`` maps a
    field to "a" or "b" (whose value to keep)."""
    if survivor not in ("a", "b"):
        raise ValidationError({"survivor": "Choose which record survives: a or b."})
    bad = sorted(field for field, side in choices.items() if side not in ("a", "b"))
    if bad:
        raise ValidationError(dict.fromkeys(bad, "Choose a or b."))
    records = {"a": candidate.customer_a, "b": candidate.customer_b}
    other = "b" if survivor == "a" else "a"
    return customers_merge(
        survivor=records[survivor],
        merged=records[other],
        choices={f: "survivor" if side == survivor else "merged" for f, side in choices.items()},
        candidate=candidate,
        actor=actor,
    )


def auto_merge(*, sweep) -> int:
    """Merge every pending ``duplicate`` pair of a sweep with the default
    choices (DUPLICATE_AUTO_MERGE). A pair whose record was merged meanwhile
    (a third record of the same person) is left for review."""
    count = 0
    pending = DuplicateCandidate.objects.filter(
        sweep=sweep, status=CandidateStatus.PENDING, decision=MatchDecision.DUPLICATE
    ).select_related("customer_a", "customer_b")
    for candidate in pending.order_by("pk").iterator(chunk_size=500):
        a, b = candidate.customer_a, candidate.customer_b
        if a.is_merged or b.is_merged or a.is_archived or b.is_archived:
            continue
        a.refresh_from_db()
        b.refresh_from_db()
        if a.is_merged or b.is_merged:
            continue
        defaults = merge_defaults(a, b)
        survivor, merged = (a, b) if defaults["survivor"] == "a" else (b, a)
        try:
            customers_merge(survivor=survivor, merged=merged, candidate=candidate, automatic=True)
        except (MergeError, ValidationError):
            continue  # left for a person to review
        count += 1
    return count
