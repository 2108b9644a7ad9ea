from rest_framework import serializers

from customers.models import Customer
from governance.models import CaptureMethod, Channel, Consent, ConsentStatus, Purpose
from mis.api.serializers import StrictInputSerializer


class PurposeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purpose
        fields = (
            "code",
            "label",
            "description",
            "is_marketing",
            "legal_basis",
            "channels",
            "data_categories",
            "recipients",
            "retention",
            "is_active",
        )


class ConsentOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    customer = serializers.UUIDField(source="customer.public_id", read_only=True, allow_null=True)
    purpose = serializers.CharField(source="purpose.code", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)

    class Meta:
        model = Consent
        fields = (
            "id",
            "customer",
            "purpose",
            "channel",
            "status",
            "occurred_at",
            "recorded_at",
            "capture_method",
            "source",
            "wording_version",
            "wording_text",
            "evidence",
            "actor",
            "expires_at",
        )


class ConsentInputSerializer(StrictInputSerializer):
    """A consent event to record. ``purpose`` is a purpose code; the service
    checks the rest and answers per field."""

    customer = serializers.SlugRelatedField(slug_field="public_id", queryset=Customer.objects.all())
    purpose = serializers.CharField(max_length=64)
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=ConsentStatus.choices)
    occurred_at = serializers.DateTimeField(required=False)
    capture_method = serializers.ChoiceField(choices=CaptureMethod.choices)
    source = serializers.CharField(max_length=200)
    wording_version = serializers.CharField(max_length=64, required=False, allow_blank=True)
    wording_text = serializers.CharField(required=False, allow_blank=True)
    evidence = serializers.CharField(max_length=500, required=False, allow_blank=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ObjectionInputSerializer(StrictInputSerializer):
    customer = serializers.SlugRelatedField(slug_field="public_id", queryset=Customer.objects.all())
    capture_method = serializers.ChoiceField(choices=CaptureMethod.choices)
    source = serializers.CharField(max_length=200)
    occurred_at = serializers.DateTimeField(required=False)
    evidence = serializers.CharField(max_length=500, required=False, allow_blank=True)
