"""A campaign snapshot's members as a file: the customer export's own
functions and record (customers.exports), with the snapshot named in the
record's filters."""

from __future__ import annotations

from django.http import HttpResponseBase

from customers import exports
from customers.models import CampaignSnapshot, CustomerExport, ExportFormat
from customers.segments.selectors import snapshot_customers


def snapshot_export_start(
    *, snapshot: CampaignSnapshot, actor, via: str, fields=None, file_format: str = ExportFormat.CSV
) -> CustomerExport:
    """Check the columns ``actor`` may take and record the export. Raises
    ValidationError / PermissionDenied as the customer export does."""
    columns = exports.customer_export_fields(requested=fields, actor=actor)
    return exports.customer_export_start(
        actor=actor,
        via=via,
        fields=columns,
        filters={
            "snapshot": str(snapshot.public_id),
            "segment": snapshot.segment.name,
            "purpose": snapshot.purpose,
            "channel": snapshot.channel,
        },
        file_format=exports.export_file_format(file_format),
    )


def snapshot_export_response(
    *, snapshot: CampaignSnapshot, export: CustomerExport
) -> HttpResponseBase:
    return exports.customer_export_response(export=export, queryset=snapshot_customers(snapshot))
