"""Writes of the insight app. Pages, the API, admin actions, commands and
tasks all call these functions."""

from insight.services.business import (
    business_case_approve,
    business_case_create,
    business_case_missing,
    business_case_reject,
    business_case_submit,
)
from insight.services.stakeholders import consultation_record

__all__ = [
    "business_case_approve",
    "business_case_create",
    "business_case_missing",
    "business_case_reject",
    "business_case_submit",
    "consultation_record",
]
