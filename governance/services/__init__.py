"""Writes of governance. Pages, the API, admin, commands and tasks call these."""

from governance.services.audit import audit_record
from governance.services.consent import (
    consent_check,
    consent_grant,
    consent_record,
    consent_refuse,
    consent_withdraw,
    objection_register,
)
from governance.services.suppression import suppression_add

__all__ = [
    "audit_record",
    "consent_check",
    "consent_grant",
    "consent_record",
    "consent_refuse",
    "consent_withdraw",
    "objection_register",
    "suppression_add",
]
