from integrations.api import views
from mis.api.routers import ApiSimpleRouter

router = ApiSimpleRouter()
router.register(
    "webhooks/subscriptions", views.WebhookSubscriptionViewSet, basename="webhook-subscription"
)
router.register("webhooks/deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
