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
    "CampaignSnapshot",
    "CampaignSnapshotMember",
    "Customer",
    "CustomerExport",
    "CustomerKind",
    "CustomerMetrics",
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
    "Order",
    "OrderChannel",
    "OrderLine",
    "QualityIssue",
    "QualityIssueStatus",
    "RfmSegment",
    "Segment",
    "SegmentVersion",
    "ValuesOrientation",
]
