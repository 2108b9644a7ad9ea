from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers import fields as registry
from customers.analytics.services import METRIC_COLUMNS
from customers.masking import masked_fields_for
from customers.models import (
    SENSITIVE_FIELDS,
    AttributeDefinition,
    Customer,
    CustomerMetrics,
    Order,
    OrderChannel,
    OrderLine,
)
from mis.api.serializers import StrictInputSerializer


class BuyingPatternSerializer(serializers.ModelSerializer):
    """A customer's derived buying pattern (read-only; refreshed nightly)."""

    class Meta:
        model = CustomerMetrics
        fields = list(METRIC_COLUMNS)
        read_only_fields = fields


class CustomerOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:customer-detail", lookup_field="public_id", lookup_url_kwarg="public_id"
    )
    country = serializers.CharField(source="country.code", allow_null=True)
    interests = serializers.SerializerMethodField()
    buying_pattern = serializers.SerializerMethodField(
        help_text="Derived from the orders by the nightly metrics refresh; null until it ran."
    )
    masked_fields = serializers.SerializerMethodField(
        help_text="Sensitive fields returned as null because the caller may not see them."
    )
    # Null for callers who may not see them (the schema says so).
    maskable_fields = SENSITIVE_FIELDS

    class Meta:
        model = Customer
        fields = [
            "id",
            "url",
            *registry.names(),
            "attributes",
            "source",
            "field_sources",
            "created_at",
            "updated_at",
            "archived_at",
            "buying_pattern",
            "masked_fields",
        ]
        read_only_fields = fields

    def get_interests(self, customer) -> list[str]:
        # Reads the prefetched set: no query per customer.
        return sorted(interest.name for interest in customer.interests.all())

    @extend_schema_field(BuyingPatternSerializer(allow_null=True))
    def get_buying_pattern(self, customer) -> dict | None:
        # Read through the list query's join: no query per customer. One
        # serializer for every row of the page (building a serializer and
        # its fields per row cost about 35 ms a page).
        metrics = getattr(customer, "metrics", None)
        if metrics is None:
            return None
        if not hasattr(self, "_buying_pattern"):
            self._buying_pattern = BuyingPatternSerializer()
        return self._buying_pattern.to_representation(metrics)

    def get_masked_fields(self, customer) -> list[str]:
        return list(self._masked())

    def _masked(self):
        if not hasattr(self, "_masked_cache"):
            request = self.context.get("request")
            self._masked_cache = masked_fields_for(getattr(request, "user", None))
        return self._masked_cache

    def to_representation(self, customer):
        data = super().to_representation(customer)
        for field in self._masked():
            data[field] = None
            # Where a hidden value came from would tell that it exists.
            data["field_sources"].pop(field, None)
        return data


# What the API accepts beyond the stored length: a phone number or a country
# as people write them ("+44 (0) 7911 123 456", "United Kingdom").
INPUT_MAX_LENGTH = {registry.Type.PHONE: 40, registry.Type.COUNTRY: 60}
MAX_TAGS = 50


def input_field(spec: registry.CustomerField) -> serializers.Field:
    """The API's input field for a registry field: types and limits only."""
    if spec.type == registry.Type.CHOICE:
        return serializers.ChoiceField(
            choices=spec.choices.choices, required=False, allow_blank=not spec.blank_keeps
        )
    if spec.type == registry.Type.DATE:
        return serializers.DateField(required=False, allow_null=True)
    if spec.type == registry.Type.DATETIME:
        return serializers.DateTimeField(required=False, allow_null=True)
    if spec.type == registry.Type.INTEGER:
        return serializers.IntegerField(
            min_value=spec.min_value, max_value=spec.max_value, required=False, allow_null=True
        )
    if spec.type == registry.Type.TAGS:
        return serializers.ListField(
            child=serializers.CharField(max_length=spec.max_length),
            required=False,
            max_length=MAX_TAGS,
        )
    return serializers.CharField(
        max_length=INPUT_MAX_LENGTH.get(spec.type, spec.max_length),
        required=False,
        allow_blank=True,
    )


class CustomerInputSerializer(StrictInputSerializer):
    """Types only; the customer service does the validation that matters.
    One field per field of the registry, plus provenance and attributes."""

    source = serializers.CharField(
        max_length=100, required=False, help_text="Provenance of the values; defaults to 'api'."
    )
    attributes = serializers.DictField(required=False)

    def get_fields(self):
        declared = super().get_fields()
        return {
            **{spec.name: input_field(spec) for spec in registry.FIELDS},
            **declared,
        }


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["product_category", "quantity", "amount"]


class OrderOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    customer = serializers.UUIDField(source="customer.public_id", read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "customer",
            "source",
            "external_id",
            "ordered_at",
            "currency",
            "channel",
            "total_amount",
            "lines",
            "created_at",
        ]
        read_only_fields = fields


class OrderLineInputSerializer(StrictInputSerializer):
    product_category = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=1, default=1)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class OrderInputSerializer(StrictInputSerializer):
    customer = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Customer.objects.active()
    )
    source = serializers.CharField(max_length=100, required=False)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    ordered_at = serializers.DateTimeField()
    currency = serializers.CharField(max_length=3, default="GBP")
    channel = serializers.ChoiceField(choices=OrderChannel.choices)
    lines = OrderLineInputSerializer(many=True, allow_empty=False)


class AttributeDefinitionSerializer(serializers.ModelSerializer):
    # A list, also in multipart (where JSON's null would otherwise get through).
    allowed_values = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="For 'One of a list': the values allowed.",
    )

    class Meta:
        model = AttributeDefinition
        fields = ["name", "label", "data_type", "allowed_values", "help_text", "is_active"]

    def validate(self, attrs):
        # Run the model's own rules (allowed values only for choices, ...).
        instance = AttributeDefinition(**{**self._current(), **attrs})
        instance.clean()
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        return {name: getattr(self.instance, name) for name in self.Meta.fields}
