"""What the customer database asks of governance, through one small interface.

``customers`` knows nothing of consent or suppression: it calls these
functions, which hand the question to the backend named by the
``CUSTOMER_POLICY_BACKEND`` setting (the governance app's
``governance.policy``). With no backend every customer is eligible and
nothing is suppressed, and the answers say that nothing was checked, so a
campaign list can say "no consent check was applied" rather than imply one.

A backend module provides:

- ``eligible(queryset, *, purpose, channel, at) -> Eligibility``
- optionally ``judged(queryset, *, purpose, channel, at) -> (sql, params)``:
  SQL selecting (customer id, reason) for every customer of the queryset, the
  reason "" when eligible, so that a caller can count and copy in one pass;
- ``suppressed(*, emails, phones) -> set[tuple[str, str]]``: the
  ("email", value) and ("phone", value) pairs on the suppression list;
- ``purposes() -> list[tuple[str, str]]`` and ``channels() -> list[tuple[str, str]]``:
  (code, label) pairs for forms;
- ``personal_data_read(*, user, action, via, customer_ids, count, request, detail)``:
  record that personal data left the database (the access log);
- ``customer_merged(*, merge, survivor, merged, actor) -> dict``: move what
  the backend keeps for ``merged`` to ``survivor``, inside the merge's
  transaction, and answer what it moved (JSON). The merge keeps the answer
  under ``MERGE_POLICY_KEY`` and hands it back on undo; an exception undoes
  the whole merge;
- ``customer_merge_undone(*, merge, survivor, merged, moved, actor)``: move
  back what ``customer_merged`` moved (``moved`` is its answer).

Erasure goes the other way: governance decides to erase and calls the
customers-owned step, ``customers.erasure.customer_data_scrub``.
- ``opt_out(*, customer, purpose, channel, occurred_at, method, source, evidence)``:
  record that the person withdrew (an unsubscribe or complaint reported by
  a campaign), with its proof; returns True when it was recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.db.models import QuerySet


@dataclass
class Eligibility:
    eligible: QuerySet
    # Why people were left out, with how many for each reason.
    excluded: dict[str, int] = field(default_factory=dict)
    # False when no consent or suppression check could be applied.
    checked: bool = True
    # How many are eligible, when the backend counted them with the reasons
    # (None: ask ``eligible.count()``).
    eligible_count: int | None = None

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


# Where a merge keeps what the policy backend moved. A stable name: merges
# made years ago must still be undone whatever the backend's code is called.
MERGE_POLICY_KEY = "policy"


def _backend():
    name = getattr(settings, "CUSTOMER_POLICY_BACKEND", "")
    return import_module(name) if name else None


def eligible(
    queryset: QuerySet, *, purpose: str, channel: str, at: dt.datetime | None = None
) -> Eligibility:
    """May these customers be contacted for ``purpose`` on ``channel`` now?"""
    backend = _backend()
    if backend is None:
        return Eligibility(eligible=queryset, excluded={}, checked=False)
    return backend.eligible(queryset, purpose=purpose, channel=channel, at=at)


def judged(
    queryset: QuerySet, *, purpose: str, channel: str, at: dt.datetime | None = None
) -> tuple[str, tuple] | None:
    """SQL and parameters selecting (customer id, reason) for every customer
    of ``queryset`` (the reason a customer may not be contacted, "" when they
    may), or None when the backend gives no such query (then use ``eligible``)."""
    backend = _backend()
    if backend is None or not hasattr(backend, "judged"):
        return None
    return backend.judged(queryset, purpose=purpose, channel=channel, at=at)


def suppressed(*, emails: Iterable[str] = (), phones: Iterable[str] = ()) -> set[tuple[str, str]]:
    """The given contact points that are on the suppression list."""
    backend = _backend()
    if backend is None:
        return set()
    return backend.suppressed(emails=list(emails), phones=list(phones))


def purposes() -> list[tuple[str, str]]:
    backend = _backend()
    return backend.purposes() if backend else []


def channels() -> list[tuple[str, str]]:
    backend = _backend()
    return backend.channels() if backend else []


def personal_data_read(
    *,
    user,
    action: str,
    via: str,
    customer_ids: Iterable[int] = (),
    count: int | None = None,
    request=None,
    detail: str = "",
) -> None:
    """Personal data left the database for a person or a system: a file was
    exported, a package was made. (Requests are logged by governance's
    middleware from what they loaded: see ``customers.reads``.)"""
    backend = _backend()
    if backend is not None:
        backend.personal_data_read(
            user=user,
            action=action,
            via=via,
            customer_ids=list(customer_ids),
            count=count,
            request=request,
            detail=detail,
        )


def customer_merged(*, merge, survivor, merged, actor=None) -> dict:
    """What the backend moved from ``merged`` to ``survivor`` (JSON)."""
    backend = _backend()
    if backend is None:
        return {}
    return backend.customer_merged(merge=merge, survivor=survivor, merged=merged, actor=actor) or {}


def customer_merge_undone(*, merge, survivor, merged, actor=None) -> None:
    backend = _backend()
    if backend is not None:
        backend.customer_merge_undone(
            merge=merge,
            survivor=survivor,
            merged=merged,
            moved=(merge.moved or {}).get(MERGE_POLICY_KEY) or {},
            actor=actor,
        )


def opt_out(
    *,
    customer,
    purpose: str,
    channel: str,
    occurred_at: dt.datetime,
    method: str,
    source: str,
    evidence: str,
) -> bool:
    """The person asked not to be contacted for ``purpose`` on ``channel``
    (``method``: "unsubscribe" or "complaint"). False when there is no
    backend to record it in."""
    backend = _backend()
    if backend is None or not hasattr(backend, "opt_out"):
        return False
    backend.opt_out(
        customer=customer,
        purpose=purpose,
        channel=channel,
        occurred_at=occurred_at,
        method=method,
        source=source,
        evidence=evidence,
    )
    return True
