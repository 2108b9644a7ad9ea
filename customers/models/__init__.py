from customers.models.analytics import AnalyticsFigure, FigureKind
from customers.models.attributes import AttributeDefinition, AttributeType
from customers.models.customer import (
    DATA_COMPONENTS,
    SENSITIVE_FIELDS,
    Customer,
    CustomerKind,
    IncomeBand,
    Interest,
    LifecycleStage,
    Lifestyle,
    ValuesOrientation,
)
from customers.models.duplicates import (
    CandidateStatus,
    DuplicateCandidate,
    DuplicateSweep,
    MatchDecision,
    MatchModel,
    Merge,
    MergeStatus,
    SweepStatus,
)
from customers.models.exports import CustomerExport, ExportFormat, ExportStatus, ExportVia
from customers.models.imports import ImportJob, ImportKind, ImportRowError, ImportStatus
from customers.models.metrics import CustomerMetrics, RfmSegment
from customers.models.orders import Order, OrderChannel, OrderLine
from customers.models.quality import QualityIssue, QualityIssueStatus
from customers.models.segments import (
    CampaignSnapshot,
    CampaignSnapshotMember,
    Segment,
    SegmentVersion,
)

__all__ = [
    "DATA_COMPONENTS",
    "SENSITIVE_FIELDS",
    "AnalyticsFigure",
    "AttributeDefinition",
    "AttributeType",
    "CandidateStatus",
    "CampaignSnapshot",
    "CampaignSnapshotMember",
    "Customer",
    "CustomerExport",
    "CustomerKind",
    "CustomerMetrics",
    "DuplicateCandidate",
    "DuplicateSweep",
    "ExportFormat",
    "ExportStatus",
    "ExportVia",
    "FigureKind",
    "ImportJob",
    "ImportKind",
    "ImportRowError",
    "ImportStatus",
    "IncomeBand",
    "Interest",
    "LifecycleStage",
    "Lifestyle",
    "MatchDecision",
    "MatchModel",
    "Merge",
    "MergeStatus",
    "Order",
    "OrderChannel",
    "OrderLine",
    "QualityIssue",
    "QualityIssueStatus",
    "RfmSegment",
    "Segment",
    "SegmentVersion",
    "SweepStatus",
    "ValuesOrientation",
]
