from insight.models.business import (
    BusinessCase,
    BusinessCaseObjective,
    BusinessCaseOption,
    BusinessCaseRisk,
    BusinessCaseStatus,
    Level,
)
from insight.models.events import Transition
from insight.models.plan import (
    CollectionTask,
    Confidence,
    Insight,
    InsightStatus,
    TaskStatus,
)
from insight.models.requirements import (
    CollectionMethod,
    CollectionOption,
    InformationRequirement,
    InformationSource,
    LegalBasis,
    MoSCoW,
    Need,
    Refresh,
    SourceKind,
)
from insight.models.stakeholders import Consultation, Stakeholder, StakeholderRole
from insight.models.strategy import (
    Comparator,
    InsightStrategy,
    StrategyStatus,
    SuccessCriterion,
)

__all__ = [
    "CollectionTask",
    "Confidence",
    "Insight",
    "InsightStatus",
    "TaskStatus",
    "Comparator",
    "InsightStrategy",
    "StrategyStatus",
    "SuccessCriterion",
    "CollectionMethod",
    "CollectionOption",
    "InformationRequirement",
    "InformationSource",
    "LegalBasis",
    "MoSCoW",
    "Need",
    "Refresh",
    "SourceKind",
    "BusinessCase",
    "BusinessCaseObjective",
    "BusinessCaseOption",
    "BusinessCaseRisk",
    "BusinessCaseStatus",
    "Consultation",
    "Level",
    "Stakeholder",
    "StakeholderRole",
    "Transition",
]
