from rest_framework import serializers

from integrations.events import EventType
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from mis.api.serializers import StrictInputSerializer


class SubscriptionInputSerializer(StrictInputSerializer):
    url = serializers.CharField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SubscriptionUpdateSerializer(StrictInputSerializer):
    url = serializers.CharField(max_length=500, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False, required=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class SubscriptionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = (
            "id",
            "url",
            "description",
            "event_types",
            "owner",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
        )
        read_only_fields = fields


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    """The answer to a create: the only time the signing secret is sent."""

    class Meta(SubscriptionSerializer.Meta):
        fields = (*SubscriptionSerializer.Meta.fields, "secret")
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ("number", "response_status", "duration_ms", "error", "at")


class DeliverySerializer(serializers.ModelSerializer):
    subscription = serializers.UUIDField(source="subscription.public_id", read_only=True)
    event_id = serializers.CharField(source="event.message_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    tries = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "subscription",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "response_status",
            "duration_ms",
            "last_error",
            "next_attempt_at",
            "created_at",
            "finished_at",
            "replay_of",
            "tries",
        )
        read_only_fields = fields
