from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from customers import selectors, services
from customers.api.serializers import (
    AttributeDefinitionSerializer,
    CustomerInputSerializer,
    CustomerOutputSerializer,
    OrderInputSerializer,
    OrderOutputSerializer,
)
from customers.filters import CustomerFilter, OrderFilter
from customers.models import AttributeDefinition
from mis.api.permissions import RoleModelPermissions


class ArchivePermission(RoleModelPermissions):
    perms_map = {**RoleModelPermissions.perms_map, "POST": ["%(app_label)s.archive_customer"]}


def _source(request, validated: dict) -> str:
    return validated.pop("source", None) or "api"


@extend_schema_view(
    list=extend_schema(summary="List customers (filters, search, cursor pagination)"),
    retrieve=extend_schema(summary="Retrieve a customer"),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customers. Sensitive fields come back as null, and are listed in
    ``masked_fields``, for callers without the sensitive-data permission.
    Records are archived, never deleted, through the API."""

    serializer_class = CustomerOutputSerializer
    filterset_class = CustomerFilter
    lookup_field = "public_id"

    def get_queryset(self):
        return selectors.customer_list_queryset()

    def filter_queryset(self, queryset):
        # List filters (archived records hidden by default) apply to the list
        # only: an archived customer can still be retrieved and restored.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(request=CustomerInputSerializer, responses={201: CustomerOutputSerializer})
    def create(self, request):
        payload = CustomerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        source = _source(request, data)
        customer = services.customer_create(data=data, source=source, actor=request.user)
        customer = selectors.customer_get(customer.public_id)
        output = self.get_serializer(customer)
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerInputSerializer, responses={200: CustomerOutputSerializer})
    def partial_update(self, request, public_id=None):
        customer = self.get_object()
        payload = CustomerInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        source = _source(request, data)
        services.customer_update(customer=customer, data=data, source=source, actor=request.user)
        return Response(self.get_serializer(selectors.customer_get(customer.public_id)).data)

    @extend_schema(request=None, responses={200: CustomerOutputSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ArchivePermission])
    def archive(self, request, public_id=None):
        customer = self.get_object()
        services.customer_archive(customer=customer, actor=request.user)
        return Response(self.get_serializer(selectors.customer_get(customer.public_id)).data)

    @extend_schema(request=None, responses={200: CustomerOutputSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ArchivePermission])
    def restore(self, request, public_id=None):
        customer = self.get_object()
        services.customer_restore(customer=customer, actor=request.user)
        return Response(self.get_serializer(selectors.customer_get(customer.public_id)).data)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders and their lines: the buying-pattern data."""

    serializer_class = OrderOutputSerializer
    lookup_field = "public_id"
    filterset_class = OrderFilter

    def get_queryset(self):
        return selectors.order_list_queryset()

    @extend_schema(request=OrderInputSerializer, responses={201: OrderOutputSerializer})
    def create(self, request):
        payload = OrderInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        customer = data.pop("customer")
        lines = data.pop("lines")
        source = _source(request, data)
        order = services.order_create(
            customer=customer, data=data, lines=lines, source=source, actor=request.user
        )
        order = get_object_or_404(selectors.order_list_queryset(), pk=order.pk)
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)


class AttributeDefinitionViewSet(viewsets.ModelViewSet):
    """Custom attribute definitions: new data components without a migration."""

    serializer_class = AttributeDefinitionSerializer
    queryset = AttributeDefinition.objects.all()
    lookup_field = "name"
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
