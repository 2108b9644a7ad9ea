from rest_framework.routers import DefaultRouter

from customers.api import imports, views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("attributes", views.AttributeDefinitionViewSet, basename="attribute")
router.register("imports", imports.ImportJobViewSet, basename="import")

urlpatterns = router.urls
