"""Business cases: written by marketing, submitted, decided by a manager who
did not write them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from insight.models import (
    BusinessCase,
    BusinessCaseObjective,
    BusinessCaseOption,
    BusinessCaseRisk,
    BusinessCaseStatus,
)
from insight.services import guards
from insight.services.lifecycle import (
    now,
    refuse,
    require_permission,
    require_status,
    transition_record,
)
from mis.locks import lock_one

APPROVE_PERMISSION = "insight.approve_businesscase"


def _validated(instance):
    instance.full_clean(exclude=["case"])
    return instance


@transaction.atomic
def business_case_create(
    *,
    author,
    title: str,
    problem: str,
    marketing_strategy: str = "",
    objectives: Sequence[Mapping[str, Any]] = (),
    options: Sequence[Mapping[str, Any]] = (),
    risks: Sequence[Mapping[str, Any]] = (),
    recommended_option: str | None = None,
) -> BusinessCase:
    """A draft case with its objectives, options and risks. ``recommended_option``
    names one of ``options``."""
    case = BusinessCase(
        author=author, title=title, problem=problem, marketing_strategy=marketing_strategy
    )
    case.full_clean(exclude=["recommended_option"])
    case.save()
    for model, rows in (
        (BusinessCaseObjective, objectives),
        (BusinessCaseOption, options),
        (BusinessCaseRisk, risks),
    ):
        model.objects.bulk_create([_validated(model(case=case, **row)) for row in rows])
    if recommended_option:
        try:
            case.recommended_option = case.options.get(name=recommended_option)
        except BusinessCaseOption.DoesNotExist:
            refuse(
                "recommended_option",
                f"“{recommended_option}” is not one of this case's options.",
                "unknown_option",
            )
        case.save(update_fields=["recommended_option"])
    return case


def business_case_missing(case: BusinessCase) -> list[str]:
    """What the case still lacks before a decision maker can judge it."""
    missing = []
    if not case.objectives.exists():
        missing.append("at least one objective tied to the marketing strategy")
    if not case.options.exists():
        missing.append("at least one option with its cost and benefit")
    if not case.risks.exists():
        missing.append("at least one assessed risk")
    if case.recommended_option_id is None:
        missing.append("a recommended option")
    elif case.recommended_option is None or case.recommended_option.case_id != case.pk:
        missing.append("a recommended option that is one of its own options")
    return missing


@transaction.atomic
def business_case_submit(*, case: BusinessCase, actor, reason: str = "") -> BusinessCase:
    """Send a draft (or a rejected case, reworked) to the decision makers."""
    case = lock_one(case)
    if actor is None or (
        actor.pk != case.author_id and not actor.has_perm("insight.change_businesscase")
    ):
        raise PermissionDenied("Only the author, or someone who may edit cases, can submit it.")
    require_status(case, guards.CASE_EDITABLE, "be submitted")
    missing = business_case_missing(case)
    if missing:
        refuse(
            "case", "The case cannot be submitted without " + "; ".join(missing) + ".", "incomplete"
        )
    transition_record(
        subject=case,
        to_status=BusinessCaseStatus.SUBMITTED,
        actor=actor,
        reason=reason,
        submitted_at=now(),
    )
    return case


def _decide(case: BusinessCase, *, actor, to_status: str, comment: str) -> BusinessCase:
    doing = "approve" if to_status == BusinessCaseStatus.APPROVED else "reject"
    case = lock_one(case)
    require_permission(actor, APPROVE_PERMISSION, f"{doing} business cases")
    if actor.pk == case.author_id:
        raise PermissionDenied(f"Nobody may {doing} their own business case.")
    require_status(case, [BusinessCaseStatus.SUBMITTED], f"be {doing}d")
    transition_record(
        subject=case,
        to_status=to_status,
        actor=actor,
        reason=comment,
        decided_by=actor,
        decided_at=now(),
        decision_comment=comment,
    )
    return case


@transaction.atomic
def business_case_approve(*, case: BusinessCase, actor, comment: str = "") -> BusinessCase:
    return _decide(case, actor=actor, to_status=BusinessCaseStatus.APPROVED, comment=comment)


@transaction.atomic
def business_case_reject(*, case: BusinessCase, actor, comment: str) -> BusinessCase:
    """A rejection always says why: the author needs it to rework the case."""
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say why the case is rejected."}, code="comment_required")
    return _decide(case, actor=actor, to_status=BusinessCaseStatus.REJECTED, comment=comment)
