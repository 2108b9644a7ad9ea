from governance.models.access import AccessAction, AccessAuth, AccessLog, AccessVia
from governance.models.audit import AuditEvent
from governance.models.consent import (
    CaptureMethod,
    Channel,
    Consent,
    ConsentStatus,
    LegalBasis,
    Purpose,
)
from governance.models.suppression import SuppressionEntry, SuppressionKind, SuppressionReason

__all__ = [
    "AccessAction",
    "AccessAuth",
    "AccessLog",
    "AccessVia",
    "AuditEvent",
    "CaptureMethod",
    "Channel",
    "Consent",
    "ConsentStatus",
    "LegalBasis",
    "Purpose",
    "SuppressionEntry",
    "SuppressionKind",
    "SuppressionReason",
]
