"""Records of no further use, proposed with their reason. Nothing is deleted
here: a data steward marks a proposed record redundant (or keeps it). A
redundant record is archived at once (it leaves lists and exports) and handed
to retention: a retention policy of redundant records selects it, and an
approved retention run erases it, leaving a tombstone."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from customers import services
from customers.models import (
    Contactability,
    Order,
    ProposalStatus,
    QualityRun,
    RedundancyProposal,
    RedundancyReason,
    RunKind,
    RunStatus,
)
from customers.quality.services import SweepRunning, _live
from mis.locks import lock_one


def redundant_querysets(*, months: int, today: dt.date | None = None) -> dict:
    """For each reason, the live records it applies to (set-based queries)."""
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=round(months * 30.44)), dt.time.min)
    )
    recent_order = Order.objects.filter(customer=OuterRef("pk"), ordered_at__gte=cutoff)
    live = _live()
    return {
        RedundancyReason.INACTIVE: live.filter(created_at__lt=cutoff)
        .filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff))
        .filter(~Exists(recent_order)),
        RedundancyReason.HARD_BOUNCE: live.filter(contactability=Contactability.HARD_BOUNCE),
        RedundancyReason.GONE_AWAY: live.filter(contactability=Contactability.GONE_AWAY),
        RedundancyReason.DECEASED: live.filter(contactability=Contactability.DECEASED),
        RedundancyReason.TEST: live.filter(is_test=True),
    }


DETAILS = {
    RedundancyReason.INACTIVE: "no order and no verification in {months} months",
    RedundancyReason.HARD_BOUNCE: "the email address hard-bounced",
    RedundancyReason.GONE_AWAY: "post returned: gone away",
    RedundancyReason.DECEASED: "reported deceased",
    RedundancyReason.TEST: "marked as a test record",
}


def redundancy_sweep(*, triggered_by: str, months: int | None = None) -> QualityRun:
    """Propose every live record that a reason applies to (once: an open
    proposal is not repeated), and withdraw open proposals whose reason no
    longer holds. Refuses to run twice at once."""
    months = months or settings.REDUNDANT_INACTIVE_MONTHS
    # One transaction: a sweep that is killed leaves nothing behind, not even
    # a "running" run that would refuse every later one.
    try:
        with transaction.atomic():
            run = QualityRun.objects.create(kind=RunKind.REDUNDANCY, triggered_by=triggered_by)
            figures, proposed, withdrawn = {}, 0, 0
            for reason, queryset in redundant_querysets(months=months).items():
                open_ = RedundancyProposal.objects.filter(
                    reason=reason, status=ProposalStatus.PROPOSED
                )
                withdrawn += open_.exclude(customer__in=queryset.values("pk")).update(
                    status=ProposalStatus.WITHDRAWN, decided_at=timezone.now()
                )
                # Open proposals are not repeated, and a record a steward
                # decided to keep is not proposed again for the same reason.
                decided = RedundancyProposal.objects.filter(
                    reason=reason,
                    status__in=[ProposalStatus.PROPOSED, ProposalStatus.REJECTED],
                    customer=OuterRef("pk"),
                )
                new_ids = queryset.exclude(Exists(decided)).values_list("pk", flat=True)
                detail = DETAILS[reason].format(months=months)
                made = _propose(new_ids.iterator(chunk_size=5000), reason, detail)
                proposed += made
                figures[reason] = open_.count()
            QualityRun.objects.filter(pk=run.pk).update(
                status=RunStatus.SUCCEEDED,
                finished_at=timezone.now(),
                issues_opened=proposed,
                issues_resolved=withdrawn,
                records_checked=_live().count(),
                figures={"open_by_reason": figures, "months": months},
            )
    except IntegrityError as exc:  # the one-running-run constraint
        raise SweepRunning("A redundant-record sweep is already running.") from exc
    run.refresh_from_db()
    return run


def _propose(ids, reason: str, detail: str, batch: int = 5000) -> int:
    made, chunk = 0, []
    for pk in ids:
        chunk.append(RedundancyProposal(customer_id=pk, reason=reason, detail=detail))
        if len(chunk) >= batch:
            RedundancyProposal.objects.bulk_create(chunk, ignore_conflicts=True)
            made, chunk = made + len(chunk), []
    if chunk:
        RedundancyProposal.objects.bulk_create(chunk, ignore_conflicts=True)
        made += len(chunk)
    return made


@transaction.atomic
def redundancy_decide(*, proposal: RedundancyProposal, archive: bool, actor) -> RedundancyProposal:
    """A steward's decision: the record is redundant (approved: archived now,
    erased by the next approved run of a policy of redundant records) or is
    kept."""
    proposal = lock_one(proposal)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(
            f"This proposal was already decided ({proposal.get_status_display().lower()})."
        )
    if archive and not actor.has_perm("customers.archive_customer"):
        raise ValidationError("Archiving a record needs the archive permission.")
    if archive:
        customer = proposal.customer
        if customer.archived_at is None:
            services.customer_archive(customer=customer, actor=actor)
    proposal.status = ProposalStatus.APPROVED if archive else ProposalStatus.REJECTED
    proposal.decided_at = timezone.now()
    proposal.decided_by = actor
    proposal.save(update_fields=["status", "decided_at", "decided_by"])
    return proposal
