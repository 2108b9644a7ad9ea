from rest_framework.routers import SimpleRouter

from integrations.api import views

router = SimpleRouter()
router.register(
    "webhooks/subscriptions", views.WebhookSubscriptionViewSet, basename="webhook-subscription"
)
router.register("webhooks/deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
