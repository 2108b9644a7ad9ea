"""The Governance section's pages. They read through governance.selectors;
writes go through governance.services (the same functions as admin and the API)."""

from governance.views.access import access_report, access_usage
from governance.views.consent import consent_withdraw, customer_consents, home, objection_register
from governance.views.records import (
    audit_view,
    procedure_acknowledge,
    procedure_detail,
    procedure_list,
    procedure_outstanding,
    processing_register,
    processing_register_csv,
)
from governance.views.requests import (
    request_act,
    request_certificate,
    request_detail,
    request_list,
    request_package,
)

__all__ = [
    "access_report",
    "access_usage",
    "audit_view",
    "consent_withdraw",
    "customer_consents",
    "home",
    "objection_register",
    "procedure_acknowledge",
    "procedure_detail",
    "procedure_list",
    "procedure_outstanding",
    "processing_register",
    "processing_register_csv",
    "request_act",
    "request_certificate",
    "request_detail",
    "request_list",
    "request_package",
]
