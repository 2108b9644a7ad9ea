"""Segments: saved rules over the customer database, versioned, and the
campaign snapshots that freeze a segment's members at a moment.

A segment is not a list of people: its rules are evaluated whenever it is
counted or read (customers.segments.compiler), so it follows the data."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class Segment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    rules = models.JSONField(help_text="Nested AND/OR groups of rules (customers.segments.rules).")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segments",
    )
    version = models.PositiveIntegerField(default=1, help_text="The number of the latest version.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # The name is how people and `export_customers --segment` find it.
            models.UniqueConstraint(
                Lower("name"),
                name="segment_name_unique_ignoring_case",
                violation_error_message="Another segment has this name.",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="segment_version_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class SegmentVersion(models.Model):
    """What a segment was after each save: nothing is overwritten."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    rules = models.JSONField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["segment", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "number"], name="segment_version_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="segment_version_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"
