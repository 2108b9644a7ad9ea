"""What governance does when two customer records are merged (or the merge
is undone): the consent events follow the person.

The merged record's consent events move to the survivor, so that its proof of
consent is kept whole. Where the two records disagree on a purpose and
channel, the most restrictive state wins: if either record's current state is
withdrawn or refused while the latest event is a grant, a new event records
that restriction on the survivor (events are append-only, so it is a new
event that points at the one it comes from).

Undo moves the events back. A restriction the merge recorded stays: it
repeats what the same person said on the other record, and a withdrawal is
never reversed without the person.

Called by the merge through the customers <-> governance interface
(customers/policy.py), inside its transaction; what ``customer_merged``
answers is kept on the merge and handed back to ``customer_merge_undone``."""

from django.utils import timezone

from governance.models import Consent
from governance.models.consent import CaptureMethod, ConsentStatus
from governance.selectors import consent_current


def _current(customer) -> dict:
    return {
        (event.purpose_id, event.channel): event
        for event in consent_current(Consent.objects.filter(customer=customer))
    }


def customer_merged(*, merge, survivor, merged, actor=None) -> dict:
    survivor_now, merged_now = _current(survivor), _current(merged)
    moved = list(Consent.objects.filter(customer=merged).values_list("pk", flat=True))
    Consent.objects.filter(pk__in=moved).update(customer=survivor)
    restrictions = []
    for key in sorted(survivor_now.keys() | merged_now.keys()):
        states = [e for e in (survivor_now.get(key), merged_now.get(key)) if e is not None]
        latest = max(states, key=lambda e: (e.occurred_at, e.pk))
        restrictive = next((e for e in states if e.status != ConsentStatus.GRANTED), None)
        if restrictive is None or latest.status != ConsentStatus.GRANTED:
            continue
        event = Consent.objects.create(
            customer=survivor,
            purpose_id=key[0],
            channel=key[1],
            status=restrictive.status,
            occurred_at=timezone.now(),
            capture_method=CaptureMethod.STAFF,
            source=f"merge {merge.public_id}: the most restrictive of the merged records",
            evidence=f"consent event {restrictive.public_id}",
            actor=actor,
        )
        restrictions.append(event.pk)
    return {"consents": moved, "restrictions": restrictions}


def customer_merge_undone(*, merge, survivor, merged, moved: dict, actor=None) -> None:
    Consent.objects.filter(pk__in=moved.get("consents", []), customer=survivor).update(
        customer=merged
    )
