"""Import jobs: a file, how its columns map, and what became of every row."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from customers.reads import PersonalData


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    ORDERS = "orders", "Orders"


class ImportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"  # uploaded in the wizard, columns being mapped; not queued
    PENDING = "pending", "Pending"  # queued, waiting for a worker
    RUNNING = "running", "Running"  # a worker is on it (or died on it: beat resumes it)
    SUCCEEDED = "succeeded", "Succeeded"  # every row read; bad rows are in the error report
    FAILED = "failed", "Failed"  # the file itself could not be read; nothing was written


class ImportJob(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    source = models.CharField(max_length=100, help_text="Provenance given to imported values.")
    mapping = models.JSONField(default=dict, blank=True)
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="encoding, delimiter, strict, dry_run, date_format, hold_duplicates",
    )
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    error = models.TextField(blank=True, help_text="Why the file could not be imported.")

    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(
        default=0, help_text="Data rows committed; a resumed run starts after them."
    )
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    flagged_count = models.PositiveIntegerField(
        default=0, help_text="Rows imported with a bad value kept raw and flagged."
    )
    suppressed_count = models.PositiveIntegerField(
        default=0, help_text="Rows not imported: their person is on the suppression list."
    )
    likely_duplicates = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Pairs of an imported record and a likely duplicate, found at the end of the "
        "import and put in the review queue; empty when not checked (no match model yet).",
    )
    held_duplicates = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Rows not imported because the match model scored them certain duplicates of "
        "an existing customer (the hold_duplicates option); they wait in the held rows. Empty "
        "when not checked (the option off, or no match model yet).",
    )
    unmapped_columns = models.JSONField(default=list, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When a worker last showed life on it (claimed it, committed a batch): a
    # running job without one for settings.IMPORT_STALE_MINUTES lost its
    # worker, and the beat sweep queues it again.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="import_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values), name="import_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="import_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import of {self.original_name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.SUCCEEDED else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def has_error_report(self) -> bool:
        return bool(self.rejected_count or self.suppressed_count)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


class ImportRowError(PersonalData, models.Model):
    """A rejected row, with its raw values and why: the error report."""

    personal_data_subject = ()

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(help_text="Line in the file, the header being 1.")
    raw = models.JSONField(help_text="The row's values as read, in the file's column order.")
    reasons = models.TextField()

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="import_error_row_unique")
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reasons}"
