"""The insight strategy's lifecycle. Every move goes through
``strategy_transition``: who may, from which state, what must exist first,
and the record of it, in one transaction.

    draft ──► in consultation ──► approved ──► implementing ──► evaluating
      ▲                                                          │
      └──── modified ◄───────────────────────────────────────────┤
                                    maintained ◄─────────────────┘
    any state but retired ──► retired
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from insight.models import (
    InsightStrategy,
    Need,
    StakeholderRole,
    SuccessCriterion,
)
from insight.models import StrategyStatus as S
from insight.services.lifecycle import (
    now,
    refuse,
    require_permission,
    require_status,
    transition_record,
)
from insight.services.records import record_create, record_update
from integrations.events import EventType
from integrations.services import webhook_emit
from mis.locks import lock_one

CHANGE_PERMISSION = "insight.change_insightstrategy"
APPROVE_PERMISSION = "insight.approve_insightstrategy"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def strategy_approval_missing(strategy: InsightStrategy) -> list[str]:
    """What the strategy still lacks before a decision maker can approve it."""
    missing = []
    if not strategy.requirements.filter(need=Need.MUST_HAVE).exists():
        missing.append("at least one must-have information requirement")
    if not strategy.criteria.exists():
        missing.append("at least one success criterion")
    if not strategy.consultations.filter(
        stakeholder__role=StakeholderRole.DECISION_MAKER, committed=True
    ).exists():
        missing.append("a decision maker's sign-off (a consultation where they committed)")
    return missing


def _needs_plan(strategy: InsightStrategy) -> list[str]:
    if not strategy.tasks.exists():
        return ["a collection plan with at least one task"]
    if strategy.tasks.filter(baseline_due_on__isnull=True).exists():
        return ["a plan agreed by a manager, with its dates and budgets"]
    return []


def _needs_requirement(strategy: InsightStrategy) -> list[str]:
    if not strategy.requirements.exists():
        return ["at least one information requirement to consult on"]
    return []


@dataclass(frozen=True)
class Move:
    to: str
    sources: tuple[str, ...]
    permission: str
    doing: str  # "be approved": completes "Only a strategy in … can …"
    button: str  # what the page's button says
    reason_required: bool = False
    checks: Callable[[InsightStrategy, object], list[str]] | None = None
    not_own: bool = False  # the owner may not make this move on their own strategy
    system_allowed: bool = False  # a scheduled task (actor None) may make it


MOVES: dict[str, Move] = {
    S.IN_CONSULTATION: Move(
        S.IN_CONSULTATION,
        (S.DRAFT, S.MODIFIED),
        CHANGE_PERMISSION,
        "go to consultation",
        "Take to consultation",
        checks=lambda strategy, actor: _needs_requirement(strategy),
    ),
    S.APPROVED: Move(
        S.APPROVED,
        (S.IN_CONSULTATION,),
        APPROVE_PERMISSION,
        "be approved",
        "Approve",
        checks=lambda strategy, actor: strategy_approval_missing(strategy),
        not_own=True,
    ),
    S.IMPLEMENTING: Move(
        S.IMPLEMENTING,
        (S.APPROVED,),
        CHANGE_PERMISSION,
        "start implementation",
        "Start implementation",
        checks=lambda strategy, actor: _needs_plan(strategy),
    ),
    S.EVALUATING: Move(
        S.EVALUATING,
        (S.IMPLEMENTING, S.MAINTAINED),
        CHANGE_PERMISSION,
        "be evaluated",
        "Start evaluation",
        system_allowed=True,
    ),
    S.MAINTAINED: Move(
        S.MAINTAINED,
        (S.EVALUATING,),
        APPROVE_PERMISSION,
        "be maintained",
        "Maintain",
        reason_required=True,
    ),
    S.MODIFIED: Move(
        S.MODIFIED,
        (S.EVALUATING,),
        APPROVE_PERMISSION,
        "be modified",
        "Modify",
        reason_required=True,
    ),
    S.RETIRED: Move(
        S.RETIRED,
        tuple(s for s in S.values if s != S.RETIRED),
        APPROVE_PERMISSION,
        "be retired",
        "Retire",
        reason_required=True,
    ),
}

# Extra guards other modules add (the evaluation: maintain or modify only on
# an approved evaluation that recommends it). Each returns what is missing.
EXTRA_CHECKS: dict[str, list[Callable[[InsightStrategy, object], list[str]]]] = {}


def _changes_on(strategy: InsightStrategy, to: str, actor) -> dict:
    if to == S.APPROVED:
        return {
            "approved_by": actor,
            "approved_at": now(),
            "next_review_on": add_months(timezone.localdate(), strategy.review_interval_months),
        }
    if to == S.MAINTAINED:
        return {"next_review_on": add_months(timezone.localdate(), strategy.review_interval_months)}
    return {}


def strategy_transition(
    *, strategy: InsightStrategy, to: str, actor, reason: str = "", by_trigger: bool = False
) -> InsightStrategy:
    """Move the strategy to ``to``. Raises PermissionDenied (who may not) or
    ValidationError (wrong state, something missing, no reason given);
    nothing changes on either.

    ``by_trigger``: the move follows from a review trigger whose own service
    checked who may fire it (the data protection lead may report a legal
    change without the right to edit strategies); only moves that a scheduled
    task may make (``system_allowed``) accept it."""
    try:
        move = MOVES[S(to)]
    except (ValueError, KeyError):
        refuse("to", f"“{to}” is not a state a strategy can be moved to.", "unknown_state")
    with transaction.atomic():
        strategy = lock_one(strategy)
        label = dict(S.choices)[to].lower()
        if not ((actor is None or by_trigger) and move.system_allowed):
            require_permission(actor, move.permission, f"move a strategy to “{label}”")
        if move.not_own and actor.pk == strategy.owner_id:
            refuse("owner", "Nobody may approve their own strategy.", "own_strategy")
        require_status(strategy, move.sources, move.doing)
        if move.reason_required and not (reason or "").strip():
            refuse("reason", f"Say why the strategy is {label}.", "reason_required")
        missing = []
        for check in [*([move.checks] if move.checks else []), *EXTRA_CHECKS.get(to, [])]:
            missing.extend(check(strategy, actor))
        if missing:
            refuse(
                "strategy",
                f"The strategy cannot {move.doing} without " + "; ".join(missing) + ".",
                "incomplete",
            )
        transition_record(
            subject=strategy,
            to_status=to,
            actor=actor,
            reason=reason,
            **_changes_on(strategy, to, actor),
        )
        if to == S.APPROVED:
            webhook_emit(
                event_type=EventType.STRATEGY_APPROVED,
                data={"id": strategy.public_id, "title": strategy.title},
            )
    return strategy


def strategy_approve(*, strategy: InsightStrategy, actor, comment: str = "") -> InsightStrategy:
    return strategy_transition(strategy=strategy, to=S.APPROVED, actor=actor, reason=comment)


def strategy_start_consultation(*, strategy: InsightStrategy, actor, reason: str = ""):
    return strategy_transition(strategy=strategy, to=S.IN_CONSULTATION, actor=actor, reason=reason)


def strategy_start_implementation(*, strategy: InsightStrategy, actor, reason: str = ""):
    return strategy_transition(strategy=strategy, to=S.IMPLEMENTING, actor=actor, reason=reason)


def strategy_retire(*, strategy: InsightStrategy, actor, comment: str = "") -> InsightStrategy:
    return strategy_transition(strategy=strategy, to=S.RETIRED, actor=actor, reason=comment)


def strategy_moves_for(strategy: InsightStrategy, actor) -> list[tuple[str, str]]:
    """The moves this person could try from the strategy's state, (state,
    label), for the page's buttons; the service still judges each one."""
    return [
        (to, move.button)
        for to, move in MOVES.items()
        if strategy.status in move.sources and actor.has_perm(move.permission)
    ]


def strategy_create(*, actor, data: dict) -> InsightStrategy:
    return record_create(InsightStrategy, actor=actor, data=data, owner=actor)


def strategy_update(*, strategy: InsightStrategy, actor, data: dict) -> InsightStrategy:
    """Refused once approved (``guards``): what was agreed changes only after an
    evaluation recommends to modify it."""
    return record_update(strategy, actor=actor, data=data)


def criterion_create(*, strategy: InsightStrategy, actor, data: dict) -> SuccessCriterion:
    return record_create(SuccessCriterion, actor=actor, data=data, strategy=strategy)


def criterion_update(*, criterion: SuccessCriterion, actor, data: dict) -> SuccessCriterion:
    return record_update(criterion, actor=actor, data=data)
