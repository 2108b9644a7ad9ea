from insight.api import views
from mis.api.routers import ApiRouter

router = ApiRouter()
router.register("strategies", views.StrategyViewSet, basename="strategy")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("insights", views.InsightViewSet, basename="insight")

urlpatterns = router.urls
