from rest_framework.routers import DefaultRouter

from customers.api import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("attributes", views.AttributeDefinitionViewSet, basename="attribute")

urlpatterns = router.urls
