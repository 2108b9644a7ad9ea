from rest_framework.routers import DefaultRouter

from customers.api import imports, views
from customers.segments.api import views as segments

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("attributes", views.AttributeDefinitionViewSet, basename="attribute")
router.register("imports", imports.ImportJobViewSet, basename="import")
router.register("segments", segments.SegmentViewSet, basename="segment")
router.register("snapshots", segments.CampaignSnapshotViewSet, basename="snapshot")

urlpatterns = router.urls
