"""The record of every customer export: who took which personal data, how, and
how much of it. Written by customers.exports; nobody edits it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportVia(models.TextChoices):
    PAGE = "page", "Customer list page"
    API = "api", "API"
    COMMAND = "command", "Command line"


class ExportStatus(models.TextChoices):
    RUNNING = "running", "Running"  # still streaming, or the process died while it was
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"  # stopped midway: row_count says how far it got


class CustomerExport(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_exports",
        help_text="Empty for the command line.",
    )
    # Kept beside the foreign key so that the record still says who it was
    # after the user is deleted.
    actor_name = models.CharField(
        "exported by", max_length=150, help_text="The user name, or “command line”."
    )
    via = models.CharField(max_length=16, choices=ExportVia.choices)
    file_format = models.CharField("format", max_length=8, choices=ExportFormat.choices)
    fields = models.JSONField(default=list, help_text="The columns, in order.")
    filters = models.JSONField(default=dict, blank=True, help_text="The list filters applied.")
    destination = models.CharField(
        max_length=500, blank=True, help_text="The file written (command line)."
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.RUNNING
    )
    row_count = models.PositiveIntegerField(
        default=0, help_text="Customer rows handed to the client or written to the file."
    )
    error = models.TextField(blank=True, help_text="Why the export stopped before the end.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="customer_export_started")]
        constraints = [
            models.CheckConstraint(
                condition=Q(via__in=ExportVia.values), name="customer_export_via_known"
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=ExportFormat.values),
                name="customer_export_format_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="customer_export_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_file_format_display()} export by {self.actor_name}"
