"""The Insight section's pages. They read through insight.selectors; writes
go through insight.services (the same functions as admin and the API)."""

from insight.views.evaluations import evaluation_detail, evaluation_submit
from insight.views.feedback import effectiveness_page, feedback, problem_list, problem_report
from insight.views.plan import plan_agree, revision_decide, strategy_plan, task_revise
from insight.views.records import (
    business_case_detail,
    business_case_submit,
    insight_evidence,
    insight_list,
    record_form,
    stakeholders,
)
from insight.views.strategies import (
    index,
    options,
    requirements,
    strategy_detail,
    strategy_legal_review,
    strategy_move,
)
from insight.views.system import system_page

__all__ = [
    "business_case_detail",
    "business_case_submit",
    "effectiveness_page",
    "evaluation_detail",
    "evaluation_submit",
    "feedback",
    "index",
    "insight_evidence",
    "insight_list",
    "options",
    "plan_agree",
    "revision_decide",
    "task_revise",
    "problem_list",
    "problem_report",
    "record_form",
    "requirements",
    "stakeholders",
    "strategy_detail",
    "strategy_legal_review",
    "strategy_move",
    "strategy_plan",
    "system_page",
]
