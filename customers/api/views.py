from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from customers import exports, reads, selectors, services
from customers.api.serializers import (
    AttributeDefinitionSerializer,
    CustomerInputSerializer,
    CustomerOutputSerializer,
    OrderInputSerializer,
    OrderOutputSerializer,
)
from customers.duplicates.selectors import likely_duplicates, likely_duplicates_data
from customers.filters import CustomerFilter, OrderFilter
from customers.models import AttributeDefinition, ExportFormat, ExportVia
from mis.api.permissions import RoleModelPermissions


class ArchivePermission(RoleModelPermissions):
    perms_map = {**RoleModelPermissions.perms_map, "POST": ["%(app_label)s.archive_customer"]}


class ExportPermission(RoleModelPermissions):
    perms_map = {
        **RoleModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_customer", "%(app_label)s.export_customer"],
        "HEAD": ["%(app_label)s.view_customer", "%(app_label)s.export_customer"],
    }


class ExportContentNegotiation(DefaultContentNegotiation):
    """On the export, ``format`` names the file to download, not a renderer
    (DRF would answer 404 to ``format=csv``); what is not the file, an error,
    is JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


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

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        reads.describe(action="list", shown=getattr(self.paginator, "page", None) or ())
        return response

    def retrieve(self, request, *args, **kwargs):
        customer = self.get_object()
        if customer.merged_into_id:  # a merged record's id leads to its survivor
            return redirect(
                reverse("api:customer-detail", kwargs={"public_id": customer.merged_into.public_id})
            )
        reads.describe(action="api_read")
        return Response(self.get_serializer(customer).data)

    def filter_queryset(self, queryset):
        # List filters (archived records hidden by default) apply to the list
        # (and its export) only: an archived customer can still be retrieved
        # and restored.
        if self.action not in ("list", "export"):
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(
        summary="Export customers as CSV or XLSX (the list's filters)",
        filters=True,
        parameters=[
            OpenApiParameter(
                "format", str, enum=ExportFormat.values, description="The file (default csv)."
            ),
            OpenApiParameter(
                "fields",
                str,
                description="Comma-separated columns in the order wanted (default: every "
                "column the caller may see). An unknown one is a 400 naming the allowed ones; "
                "a sensitive one the caller may not see is a 403.",
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
        },
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[IsAuthenticated, ExportPermission],
        renderer_classes=[JSONRenderer],
        content_negotiation_class=ExportContentNegotiation,
        pagination_class=None,
    )
    def export(self, request, *args, **kwargs):
        """Every customer the list's filters match, streamed as one file.
        Needs customers.export_customer; every export is recorded."""
        file_format = exports.export_file_format(
            kwargs.get("format") or request.query_params.get("format")
        )
        fields = exports.customer_export_fields(
            requested=",".join(request.query_params.getlist("fields")), actor=request.user
        )
        queryset = self.filter_queryset(selectors.customer_export_queryset())
        export = exports.customer_export_start(
            actor=request.user,
            via=ExportVia.API,
            fields=fields,
            filters=exports.export_filters(request.query_params),
            file_format=file_format,
        )
        return exports.customer_export_response(export=export, queryset=queryset)

    @extend_schema(
        request=CustomerInputSerializer,
        responses={201: CustomerOutputSerializer},
        description="The response also has likely_duplicates: the existing records this one "
        "probably duplicates (id, display_name, match_probability, decision, evidence).",
    )
    def create(self, request):
        payload = CustomerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        source = _source(request, data)
        customer = services.customer_create(data=data, source=source, actor=request.user)
        likely = likely_duplicates(customer)
        customer = selectors.customer_get(customer.public_id)
        output = self.get_serializer(customer)
        data = {**output.data, "likely_duplicates": likely_duplicates_data(likely)}
        return Response(data, status=status.HTTP_201_CREATED)

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
