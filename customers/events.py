"""Webhook events of the customer database whose data needs assembling."""

from __future__ import annotations

from customers.models import ImportJob
from integrations.events import EventType
from integrations.services import webhook_emit


def import_finished_emit(*, job: ImportJob) -> None:
    """Tell subscribers that ``job`` ended (succeeded or failed), with its counts."""
    webhook_emit(
        event_type=EventType.IMPORT_FINISHED,
        data={
            "id": job.public_id,
            "kind": job.kind,
            "status": job.status,
            "dry_run": bool(job.options.get("dry_run")),
            "total_rows": job.total_rows,
            "processed_rows": job.processed_rows,
            "created": job.created_count,
            "updated": job.updated_count,
            "rejected": job.rejected_count,
        },
    )
