"""Campaigns and what came back from them: the loop from a segment snapshot
to the responses of the people it reached."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from customers.models.segments import CampaignSnapshot, CampaignSnapshotMember


class Campaign(models.Model):
    """A mailing (or call, or post) sent to the members of one or more snapshots."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    snapshots = models.ManyToManyField(CampaignSnapshot, related_name="campaigns")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("segments:campaign", kwargs={"public_id": self.public_id})


class ResponseKind(models.TextChoices):
    # In funnel order: each stage is a subset of the one before, in principle.
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"  # hard: the address does not exist; soft: try again
    OPENED = "opened", "Opened"
    CLICKED = "clicked", "Clicked"
    CONVERTED = "converted", "Converted"  # bought or signed up; carries the value
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"  # withdraws consent for the purpose
    COMPLAINED = "complained", "Complained"  # marked as spam: withdraws consent too


class BounceType(models.TextChoices):
    HARD = "hard", "Hard (address does not exist)"
    SOFT = "soft", "Soft (mailbox full, server down)"


class ResponseSource(models.TextChoices):
    API = "api", "API"
    IMPORT = "import", "Import"


class CampaignResponse(models.Model):
    """One response of one snapshot member. Re-reporting the same response
    (same member, kind and time) is a no-op, so imports can be re-run."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    # Deleted with the member, as the member is with the customer (erasure).
    member = models.ForeignKey(
        CampaignSnapshotMember, on_delete=models.CASCADE, related_name="responses"
    )
    kind = models.CharField(max_length=16, choices=ResponseKind.choices)
    occurred_at = models.DateTimeField()
    value = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Of a conversion."
    )
    currency = models.CharField(max_length=3, blank=True)
    bounce_type = models.CharField(max_length=4, choices=BounceType.choices, blank=True)
    source = models.CharField(max_length=8, choices=ResponseSource.choices)
    import_job = models.ForeignKey(
        "customers.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member", "kind", "occurred_at"], name="campaign_response_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ResponseKind.values), name="campaign_response_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(kind="converted"),
                name="campaign_response_value_on_conversion",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "kind"], name="campaign_response_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.campaign})"


class ResponseImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    # The file could not be read, or a row was wrong: nothing was recorded.
    REFUSED = "refused", "Refused"


class ResponseImport(models.Model):
    """A file of campaign responses, imported by a worker."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(upload_to="campaign-responses/%Y/%m/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=16, choices=ResponseImportStatus.choices, default=ResponseImportStatus.PENDING
    )
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="Row, field and reason.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"
