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
from governance.models.procedures import (
    Acknowledgement,
    Procedure,
    ProcedureTopic,
    ProcedureVersion,
)
from governance.models.requests import (
    MAX_EXTENSION_DAYS,
    RESPONSE_DAYS,
    DataSubjectRequest,
    IdentityStatus,
    RequestKind,
    RequestStatus,
)
from governance.models.retention import (
    ConsentCondition,
    ErasureAction,
    ErasureReason,
    RetentionCandidate,
    RetentionPolicy,
    RetentionRun,
    RetentionSelection,
    RunStatus,
    Tombstone,
)
from governance.models.suppression import SuppressionEntry, SuppressionKind, SuppressionReason

__all__ = [
    "Acknowledgement",
    "Procedure",
    "ProcedureTopic",
    "ProcedureVersion",
    "MAX_EXTENSION_DAYS",
    "RESPONSE_DAYS",
    "DataSubjectRequest",
    "IdentityStatus",
    "RequestKind",
    "RequestStatus",
    "ConsentCondition",
    "ErasureAction",
    "ErasureReason",
    "RetentionCandidate",
    "RetentionPolicy",
    "RetentionSelection",
    "RetentionRun",
    "RunStatus",
    "Tombstone",
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
