"""The import API: start a job with a file, follow its progress, fetch its
error report. The job runs on a worker through the same service as the
command and the upload wizard."""

import json

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from customers.duplicates.services.held import held_rows_url
from customers.duplicates.services.incoming import import_pairs_url
from customers.imports.services import (
    import_job_create,
    import_job_start,
)
from customers.imports.views import (
    ERROR_REPORT_REFUSED,
    error_report_response,
    may_read_error_report,
)
from customers.models import ImportJob, ImportKind
from mis.api.permissions import RoleModelPermissions


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.CUSTOMERS)
    source = serializers.CharField(max_length=100)
    mapping = serializers.CharField(
        required=False,
        help_text='JSON object: target field -> column, list of columns, or {"const": value}.',
    )
    encoding = serializers.CharField(required=False, max_length=40)
    delimiter = serializers.CharField(required=False, max_length=3, trim_whitespace=False)
    strict = serializers.BooleanField(required=False, default=False)
    dry_run = serializers.BooleanField(required=False, default=False)
    hold_duplicates = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Hold rows the match model scores certain duplicates of an existing customer "
        "for review, instead of creating them.",
    )
    date_format = serializers.CharField(required=False, max_length=40)
    date_orders = serializers.CharField(
        required=False,
        help_text='JSON object: date column -> "day_first" or "month_first", for a column '
        "whose every date reads both ways (03/04/2024); otherwise IMPORT_DEFAULT_DATE_ORDER.",
    )

    def validate_date_orders(self, value: str) -> dict:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"date_orders is not valid JSON: {exc}.") from None

    def validate_mapping(self, value: str) -> dict:
        try:
            mapping = json.loads(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"The mapping is not valid JSON: {exc}.") from None
        if not isinstance(mapping, dict):
            raise serializers.ValidationError("The mapping is a JSON object of field: column.")
        return mapping

    def validate_delimiter(self, value: str) -> str:
        return "\t" if value in ("\\t", "tab") else value


class ImportJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    error_report = serializers.SerializerMethodField()
    likely_duplicates_url = serializers.SerializerMethodField()
    held_duplicates_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "original_name",
            "source",
            "status",
            "error",
            "mapping",
            "unmapped_columns",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rejected_count",
            "suppressed_count",
            "flagged_count",
            "likely_duplicates",
            "likely_duplicates_url",
            "held_duplicates",
            "held_duplicates_url",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "error_report",
        ]
        read_only_fields = fields

    def get_likely_duplicates_url(self, job) -> str | None:
        """The review queue, showing the pairs found for this import's records."""
        if not job.likely_duplicates:
            return None
        return self.context["request"].build_absolute_uri(import_pairs_url(job))

    def get_held_duplicates_url(self, job) -> str | None:
        """The rows held back as certain duplicates of existing customers."""
        if not job.held_duplicates:
            return None
        return self.context["request"].build_absolute_uri(held_rows_url(job))

    def get_error_report(self, job) -> str | None:
        if not job.has_error_report:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:import-errors", kwargs={"public_id": job.public_id})
        )


@extend_schema(tags=["imports"])
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Import jobs. POST a file (multipart) to start one; it answers 202 and the
    job runs on a worker: GET it for its status, progress and counts."""

    queryset = ImportJob.objects.select_related("created_by")
    serializer_class = ImportJobSerializer
    permission_classes = [IsAuthenticated, RoleModelPermissions]
    lookup_field = "public_id"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportInputSerializer, responses={202: ImportJobSerializer})
    def create(self, request):
        payload = ImportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        upload = data.pop("file")
        # A ValidationError from the service is a 400 naming the field.
        job = import_job_create(
            kind=data.pop("kind"),
            file=upload,
            original_name=upload.name,
            source=data.pop("source"),
            mapping=data.pop("mapping", None),
            options=data,
            actor=request.user,
        )
        import_job_start(job=job)
        return Response(
            ImportJobSerializer(job, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def errors(self, request, public_id=None):
        """The error report as CSV: row number, reasons, then the row as read."""
        job = self.get_object()
        if not may_read_error_report(request.user, job):
            return Response({"detail": ERROR_REPORT_REFUSED}, status=status.HTTP_403_FORBIDDEN)
        return error_report_response(job)
