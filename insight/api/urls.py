from insight.api import resources, views
from mis.api.routers import ApiRouter

router = ApiRouter()
router.register("strategies", views.StrategyViewSet, basename="strategy")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("insights", views.InsightViewSet, basename="insight")
for prefix, viewset, basename in (
    ("business-cases", resources.BusinessCaseViewSet, "business-case"),
    ("case-objectives", resources.ObjectiveViewSet, "case-objective"),
    ("case-options", resources.CaseOptionViewSet, "case-option"),
    ("case-risks", resources.RiskViewSet, "case-risk"),
    ("stakeholders", resources.StakeholderViewSet, "stakeholder"),
    ("consultations", resources.ConsultationViewSet, "consultation"),
    ("requirements", resources.RequirementViewSet, "requirement"),
    ("sources", resources.SourceViewSet, "source"),
    ("options", resources.OptionViewSet, "option"),
    ("tasks", resources.TaskViewSet, "task"),
    ("revisions", resources.RevisionViewSet, "revision"),
    ("problems", resources.ProblemViewSet, "problem"),
    ("feedback", resources.FeedbackViewSet, "feedback"),
    ("functional-requirements", resources.FunctionalRequirementViewSet, "functional-requirement"),
    ("acceptance-checks", resources.AcceptanceCheckViewSet, "acceptance-check"),
    ("development-tasks", resources.DevelopmentTaskViewSet, "development-task"),
    ("improvements", resources.ImprovementViewSet, "improvement"),
    ("codes-of-practice", resources.CodeOfPracticeViewSet, "code-of-practice"),
):
    router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls
