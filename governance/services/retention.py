"""Retention runs: prepare (a dry run), approve, execute. Nothing is erased
without an approved run."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from customers.models import Customer, Order, ProposalStatus, RedundancyProposal
from governance.models import (
    Consent,
    ConsentCondition,
    ConsentStatus,
    ErasureReason,
    RetentionCandidate,
    RetentionPolicy,
    RetentionRun,
    RetentionSelection,
    RunStatus,
)
from governance.services.audit import audit_record
from governance.services.erasure import customer_erase

APPROVE_PERMISSION = "governance.approve_retentionrun"
SAMPLE_SIZE = 20
CANDIDATE_BATCH = 5000


def _months_before(moment: dt.datetime, months: int) -> dt.datetime:
    year, month = divmod(moment.month - 1 - months, 12)
    year += moment.year
    month += 1
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month, day=day)


def _granted_now():
    """A current grant of this customer: a granted event with no later event
    for the same purpose and channel."""
    later = Consent.objects.filter(
        customer=OuterRef("customer"),
        purpose=OuterRef("purpose"),
        channel=OuterRef("channel"),
        occurred_at__gt=OuterRef("occurred_at"),
    )
    return Consent.objects.filter(customer=OuterRef("pk"), status=ConsentStatus.GRANTED).filter(
        ~Exists(later)
    )


# The change reasons customers.services gives archiving and restoring: a
# change of the record's state, not activity.
_ARCHIVE_REASONS = Q(history_change_reason__startswith="archived") | Q(
    history_change_reason="restored"
)


def _last_change():
    """When the record last changed, not counting archiving: archiving stamps
    ``updated_at``, so for an archived record whose last save was the archiving
    the clock reads the last version before it in the record's history."""
    history = Customer.history.model
    before_archiving = (
        history.objects.filter(id=OuterRef("pk"))
        .exclude(_ARCHIVE_REASONS)
        .order_by("-history_date")
        .values("updated_at")[:1]
    )
    return Case(
        When(
            archived_at__isnull=False,
            updated_at__lte=F("archived_at") + dt.timedelta(minutes=1),
            then=Coalesce(Subquery(before_archiving), F("created_at")),
        ),
        default=F("updated_at"),
    )


def retention_matches(policy: RetentionPolicy, *, cutoff: dt.datetime) -> QuerySet[Customer]:
    """The customers the policy says to erase, of its stage, in its consent
    state: inactive (no order, no change to the record; archiving is no
    change) since before ``cutoff``, or, for a policy of redundant records,
    marked redundant by a data steward before ``cutoff``. Archived records
    are matched like any other; records already erased are not matched again,
    nor merged records (their survivor is)."""
    last_order = (
        Order.objects.filter(customer=OuterRef("pk"))
        .values("customer")
        .annotate(last=Max("ordered_at"))
        .values("last")
    )
    # A merged record is not a person of its own: its survivor stands for
    # the person, and erasing the survivor erases it too.
    customers = (
        Customer.objects.exclude(source="erased").filter(merged_into__isnull=True)
    ).annotate(
        last_activity=Greatest(
            _last_change(), Coalesce(last_order[:1], F("created_at")), F("created_at")
        )
    )
    if policy.selects == RetentionSelection.REDUNDANT:
        marked = RedundancyProposal.objects.filter(
            customer=OuterRef("pk"), status=ProposalStatus.APPROVED, decided_at__lt=cutoff
        )
        customers = customers.filter(Exists(marked))
    else:
        customers = customers.filter(last_activity__lt=cutoff)
    if policy.lifecycle_stage:
        customers = customers.filter(lifecycle_stage=policy.lifecycle_stage)
    if policy.consent_condition == ConsentCondition.NO_CURRENT_GRANT:
        customers = customers.filter(~Exists(_granted_now()))
    return customers


@transaction.atomic
def retention_run_prepare(
    *, policy: RetentionPolicy, as_of: dt.datetime | None = None
) -> RetentionRun:
    """A dry run: freeze the candidates, count them by stage, keep a sample.
    Erases nothing."""
    if not policy.is_active:
        raise ValidationError({"policy": f"{policy} is not active."})
    as_of = as_of or timezone.now()
    cutoff = _months_before(as_of, policy.inactivity_months)
    run = RetentionRun.objects.create(policy=policy, action=policy.action, cutoff=cutoff)
    matches = retention_matches(policy, cutoff=cutoff)
    batch = []
    for customer_id in (
        matches.values_list("pk", flat=True).order_by("pk").iterator(chunk_size=CANDIDATE_BATCH)
    ):
        batch.append(RetentionCandidate(run=run, customer_id=customer_id))
        if len(batch) == CANDIDATE_BATCH:
            RetentionCandidate.objects.bulk_create(batch)
            batch = []
    RetentionCandidate.objects.bulk_create(batch)
    frozen = Customer.objects.filter(
        pk__in=RetentionCandidate.objects.filter(run=run).values("customer_id")
    )
    run.candidate_count = RetentionCandidate.objects.filter(run=run).count()
    run.by_stage = dict(frozen.values_list("lifecycle_stage").annotate(n=Count("pk")).order_by())
    run.sample = [
        {
            "customer": str(row["public_id"]),
            "stage": row["lifecycle_stage"],
            "last_activity": row["last_activity"].isoformat(),
        }
        # last_activity is annotated by retention_matches, which the type checker cannot see.
        for row in matches.filter(pk__in=frozen.values("pk"))  # type: ignore[misc]
        .order_by("last_activity")
        .values("public_id", "lifecycle_stage", "last_activity")[:SAMPLE_SIZE]
    ]
    run.save(update_fields=["candidate_count", "by_stage", "sample"])
    audit_record(
        kind="retention_run_prepared",
        subject=f"retention run {run.public_id}",
        detail={"policy": policy.name, "candidates": run.candidate_count},
    )
    return run


def _claim(run: RetentionRun, *, from_status: str, to_status: str, **changes) -> bool:
    """Move a run from one status to the next only if it is still in the
    first: two approvals or two executions racing cannot both win."""
    return bool(
        RetentionRun.objects.filter(pk=run.pk, status=from_status).update(
            status=to_status, **changes
        )
    )


@transaction.atomic
def retention_run_approve(*, run: RetentionRun, actor) -> RetentionRun:
    """Approve a prepared run; its execution is queued once this commits."""
    if actor is None or not actor.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied(
            "Only a marketing manager or the data protection lead approves a retention run."
        )
    now = timezone.now()
    if not _claim(
        run,
        from_status=RunStatus.PREPARED,
        to_status=RunStatus.APPROVED,
        approved_at=now,
        approved_by=actor,
    ):
        run.refresh_from_db()
        raise ValidationError(
            f"This run is {run.get_status_display().lower()}: only a prepared run can be approved."
        )
    run.refresh_from_db()
    audit_record(
        kind="retention_run_approved",
        actor=actor,
        subject=f"retention run {run.public_id}",
        detail={"candidates": run.candidate_count, "action": run.action},
    )
    from governance.tasks import retention_run_execute_task

    transaction.on_commit(lambda: retention_run_execute_task.delay(run.pk))
    return run


@transaction.atomic
def retention_run_reject(*, run: RetentionRun, actor) -> RetentionRun:
    if actor is None or not actor.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied("Only those who approve retention runs may reject one.")
    if not _claim(run, from_status=RunStatus.PREPARED, to_status=RunStatus.REJECTED):
        raise ValidationError("Only a prepared run can be rejected.")
    audit_record(
        kind="retention_run_rejected", actor=actor, subject=f"retention run {run.public_id}"
    )
    run.refresh_from_db()
    return run


def retention_run_execute(
    *, run: RetentionRun, chunk_size: int = 500, max_customers: int | None = None
) -> RetentionRun:
    """Erase the run's candidates that still match the policy, each in its own
    transaction (marked done in it). Safe to run again: a run stopped midway
    (or cut short by ``max_customers``) carries on where it stopped.
    Refuses a run that was not approved."""
    run.refresh_from_db()
    if run.status == RunStatus.APPROVED:
        _claim(
            run,
            from_status=RunStatus.APPROVED,
            to_status=RunStatus.RUNNING,
            started_at=timezone.now(),
        )
    elif run.status != RunStatus.RUNNING:
        raise PermissionDenied(
            f"This run is {run.get_status_display().lower()}: only an approved run is executed."
        )
    processed = 0
    last_id = 0
    while max_customers is None or processed < max_customers:
        todo = list(
            RetentionCandidate.objects.filter(run=run, done=False, customer_id__gt=last_id)
            .order_by("customer_id")
            .values_list("pk", "customer_id")[:chunk_size]
        )
        if not todo:
            break
        last_id = todo[-1][1]
        # Who still matches now: someone who ordered since the dry run stays.
        still = set(
            retention_matches(run.policy, cutoff=run.cutoff)
            .filter(pk__in=[customer_id for _, customer_id in todo])
            .values_list("pk", flat=True)
        )
        for candidate_pk, customer_id in todo:
            if max_customers is not None and processed >= max_customers:
                break
            _erase_candidate(run, candidate_pk, customer_id, erase=customer_id in still)
            processed += 1
    if not RetentionCandidate.objects.filter(run=run, done=False).exists():
        _claim(
            run,
            from_status=RunStatus.RUNNING,
            to_status=RunStatus.COMPLETED,
            finished_at=timezone.now(),
        )
        audit_record(kind="retention_run_completed", subject=f"retention run {run.public_id}")
    run.refresh_from_db()
    return run


@transaction.atomic
def _erase_candidate(run: RetentionRun, candidate_pk: int, customer_id: int, *, erase: bool):
    # Claimed in the same transaction as the erasure: done if and only if erased.
    if not RetentionCandidate.objects.filter(pk=candidate_pk, done=False).update(done=True):
        return
    customer = Customer.objects.filter(pk=customer_id).first()
    if erase and customer is not None:
        customer_erase(
            customer=customer,
            action=run.action,
            reason=ErasureReason.RETENTION,
            retention_run=run,
        )
        RetentionRun.objects.filter(pk=run.pk).update(erased_count=F("erased_count") + 1)
    else:
        RetentionRun.objects.filter(pk=run.pk).update(skipped_count=F("skipped_count") + 1)


def retention_prepare_due(*, as_of: dt.datetime | None = None) -> list[RetentionRun]:
    """For the beat task: a dry run for each active policy that has no run
    waiting for approval or still to execute."""
    waiting = RetentionRun.objects.filter(
        policy=OuterRef("pk"),
        status__in=[RunStatus.PREPARED, RunStatus.APPROVED, RunStatus.RUNNING],
    )
    return [
        retention_run_prepare(policy=policy, as_of=as_of)
        for policy in RetentionPolicy.objects.filter(is_active=True).filter(~Exists(waiting))
    ]
