from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations import services
from integrations.api.serializers import (
    DeliverySerializer,
    SubscriptionCreatedSerializer,
    SubscriptionInputSerializer,
    SubscriptionSerializer,
    SubscriptionUpdateSerializer,
)
from integrations.models import WebhookDelivery, WebhookSubscription


class WebhookSubscriptionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Webhook subscriptions: an endpoint and the event types it gets. The
    signing secret (Standard Webhooks, ``whsec_…``) is in the create's answer only."""

    serializer_class = SubscriptionSerializer
    queryset = WebhookSubscription.objects.select_related("owner")
    lookup_field = "public_id"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        request=SubscriptionInputSerializer, responses={201: SubscriptionCreatedSerializer}
    )
    def create(self, request):
        payload = SubscriptionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_create(
            **payload.validated_data, owner=request.user, actor=request.user
        )
        return Response(
            SubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=SubscriptionUpdateSerializer, responses={200: SubscriptionSerializer})
    def partial_update(self, request, public_id=None):
        payload = SubscriptionUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_update(
            subscription=self.get_object(), data=payload.validated_data, actor=request.user
        )
        return Response(self.get_serializer(subscription).data)


class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every delivery of an event to a subscription, with its attempts."""

    serializer_class = DeliverySerializer
    filterset_fields = ("status",)

    def get_queryset(self):
        return WebhookDelivery.objects.select_related("subscription", "event").prefetch_related(
            "tries"
        )

    @extend_schema(request=None, responses={201: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Send the event again, as a new delivery with the same webhook-id."""
        replay = services.webhook_delivery_replay(delivery=self.get_object(), actor=request.user)
        return Response(self.get_serializer(replay).data, status=status.HTTP_201_CREATED)
