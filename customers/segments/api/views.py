"""The segment API: saved segments, their members now (cursor-paginated,
masked as the customer API masks), and campaign snapshots with their export."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from customers import exports, reads
from customers.api.serializers import CustomerOutputSerializer
from customers.models import CampaignSnapshot, ExportVia, Segment
from customers.segments import exports as snapshot_exports
from customers.segments import selectors, services
from mis.api.pagination import CreatedCursorPagination
from mis.api.permissions import RoleModelPermissions
from mis.api.serializers import StrictInputSerializer


class SegmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    owner = serializers.CharField(source="owner.get_username", default=None, read_only=True)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "rules",
            "version",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SnapshotSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    segment = serializers.UUIDField(source="segment.public_id", read_only=True)
    taken_by = serializers.CharField(source="taken_by.get_username", default=None, read_only=True)

    class Meta:
        model = CampaignSnapshot
        fields = [
            "id",
            "segment",
            "segment_version",
            "rules",
            "purpose",
            "channel",
            "consent_checked",
            "matched_count",
            "member_count",
            "excluded",
            "taken_by",
            "taken_at",
        ]
        read_only_fields = fields


class SnapshotInputSerializer(StrictInputSerializer):
    purpose = serializers.CharField(max_length=64)
    channel = serializers.CharField(max_length=32)


class MembersPermission(RoleModelPermissions):
    """Members are customers: reading them needs view_customer too."""

    perms_map = {
        **RoleModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_segment", "customers.view_customer"],
    }


class SnapshotTakePermission(RoleModelPermissions):
    perms_map = {
        **RoleModelPermissions.perms_map,
        "POST": ["%(app_label)s.view_segment", "customers.add_campaignsnapshot"],
    }


class SnapshotExportPermission(RoleModelPermissions):
    perms_map = {
        **RoleModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_campaignsnapshot", exports.EXPORT_PERMISSION],
    }


class TakenCursorPagination(CursorPagination):
    ordering = "-taken_at"
    page_size_query_param = "page_size"
    max_page_size = 500


class SegmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Saved segments. Segments are built and saved in the browser."""

    serializer_class = SegmentSerializer
    lookup_field = "public_id"
    filter_backends: list = []

    def get_queryset(self):
        return selectors.segment_list(self.request.user)

    @extend_schema(
        summary="The segment's members now", responses=CustomerOutputSerializer(many=True)
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[IsAuthenticated, MembersPermission],
        pagination_class=CreatedCursorPagination,
        serializer_class=CustomerOutputSerializer,
    )
    def members(self, request, public_id=None):
        segment = self.get_object()
        queryset = (
            selectors.segment_members(segment)
            .select_related("metrics")
            .prefetch_related("interests")
        )
        page = self.paginate_queryset(queryset)
        reads.describe(
            action="list", detail=f"members of segment {segment.public_id}", shown=page or ()
        )
        serializer = CustomerOutputSerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary="Take a campaign snapshot",
        request=SnapshotInputSerializer,
        responses={201: SnapshotSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, SnapshotTakePermission],
    )
    def snapshots(self, request, public_id=None):
        segment = self.get_object()
        payload = SnapshotInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        snapshot = services.snapshot_take(
            segment=segment, actor=request.user, **payload.validated_data
        )
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class CampaignSnapshotViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Campaign snapshots, newest first."""

    serializer_class = SnapshotSerializer
    lookup_field = "public_id"
    pagination_class = TakenCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.snapshots_visible_to(self.request.user).select_related(
            "segment", "taken_by"
        )

    @extend_schema(
        summary="The snapshot's members as CSV", responses={(200, "text/csv"): OpenApiTypes.BINARY}
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[IsAuthenticated, SnapshotExportPermission],
        pagination_class=None,
    )
    def export(self, request, public_id=None):
        """Every member, in the columns the caller may see; recorded like every export."""
        snapshot = get_object_or_404(self.get_queryset(), public_id=public_id)
        export = snapshot_exports.snapshot_export_start(
            snapshot=snapshot,
            actor=request.user,
            via=ExportVia.API,
            fields=",".join(request.query_params.getlist("fields")),
        )
        return snapshot_exports.snapshot_export_response(snapshot=snapshot, export=export)
