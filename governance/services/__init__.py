"""Writes of governance. Pages, the API, admin, commands and tasks call these."""

from governance.services.access import access_log_record
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
    "access_log_record",
    "audit_record",
    "consent_check",
    "consent_grant",
    "consent_record",
    "consent_refuse",
    "consent_withdraw",
    "objection_register",
    "suppression_add",
]
