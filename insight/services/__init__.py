"""Writes of the insight app. Pages, the API, admin actions, commands and
tasks all call these functions."""

from insight.services import system  # noqa: F401  (services.system.*)
from insight.services.business import (
    business_case_approve,
    business_case_create,
    business_case_missing,
    business_case_reject,
    business_case_submit,
)
from insight.services.evaluation import (
    evaluation_approve,
    evaluation_measure,
    evaluation_request_for_legal_change,
    evaluation_submit,
    review_sweep,
    review_trigger_fire,
)
from insight.services.feedback import (
    feedback_give,
    feedback_record,
    problem_report,
    problem_resolve,
    problem_triage,
)
from insight.services.plan import (
    plan_agree,
    task_revision_approve,
    task_revision_propose,
    task_revision_reject,
)
from insight.services.stakeholders import consultation_record
from insight.services.strategy import (
    criterion_create,
    criterion_update,
    strategy_approval_missing,
    strategy_approve,
    strategy_create,
    strategy_moves_for,
    strategy_retire,
    strategy_start_consultation,
    strategy_start_implementation,
    strategy_transition,
    strategy_update,
)

__all__ = [
    "plan_agree",
    "task_revision_approve",
    "task_revision_propose",
    "task_revision_reject",
    "business_case_approve",
    "business_case_create",
    "business_case_missing",
    "business_case_reject",
    "business_case_submit",
    "consultation_record",
    "criterion_create",
    "criterion_update",
    "strategy_create",
    "strategy_update",
    "feedback_give",
    "feedback_record",
    "problem_report",
    "problem_resolve",
    "problem_triage",
    "evaluation_approve",
    "evaluation_measure",
    "evaluation_request_for_legal_change",
    "evaluation_submit",
    "review_sweep",
    "review_trigger_fire",
    "strategy_approval_missing",
    "strategy_approve",
    "strategy_moves_for",
    "strategy_retire",
    "strategy_start_consultation",
    "strategy_start_implementation",
    "strategy_transition",
]
