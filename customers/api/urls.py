from django.urls import re_path

from customers.api import imports, views
from customers.campaigns.api import views as campaigns
from customers.models import ExportFormat
from customers.segments.api import views as segments
from mis.api.routers import ApiRouter

router = ApiRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("attributes", views.AttributeDefinitionViewSet, basename="attribute")
router.register("imports", imports.ImportJobViewSet, basename="import")
router.register("segments", segments.SegmentViewSet, basename="segment")
router.register("snapshots", segments.CampaignSnapshotViewSet, basename="snapshot")
router.register("campaigns", campaigns.CampaignViewSet, basename="campaign")

urlpatterns = [
    # The one suffix route: the export's file type (customers/export.xlsx).
    re_path(
        rf"^customers/export\.(?P<format>{'|'.join(ExportFormat.values)})/?$",
        views.CustomerViewSet.as_view(
            {"get": "export"},
            basename="customer",
            detail=False,
            **views.CustomerViewSet.export.kwargs,
        ),
        name="customer-export-file",
    ),
    *router.urls,
]
