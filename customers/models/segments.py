"""Segments: saved rules over the customer database, versioned, and the
campaign snapshots that freeze a segment's members at a moment.

A segment is not a list of people: its rules are evaluated whenever it is
counted or read (customers.segments.compiler), so it follows the data."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from customers.reads import PersonalData


def _derive_sensitivity(instance, save_kwargs: dict) -> None:
    """Whether the rules use a sensitive field, kept beside them so that lists
    can be filtered by it in the database."""
    from customers.segments.rules import rules_sensitive_fields  # rules import the models

    instance.uses_sensitive_data = bool(rules_sensitive_fields(instance.rules))
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None and "rules" in update_fields:
        save_kwargs["update_fields"] = {*update_fields, "uses_sensitive_data"}


class Segment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    rules = models.JSONField(help_text="Nested AND/OR groups of rules (customers.segments.rules).")
    # Derived from the rules on save: such a segment (its members, snapshots
    # and exports) is shown only to those who may use sensitive data.
    uses_sensitive_data = models.BooleanField(
        default=False,
        editable=False,
        help_text="Its rules use a sensitive field (customers.view_sensitive_data to see it).",
    )
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

    def save(self, *args, **kwargs):
        _derive_sensitivity(self, kwargs)
        super().save(*args, **kwargs)


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
    # Derived from ``rules`` on save: a segment whose rules no longer use a
    # sensitive field keeps the versions that did, and those stay hidden from
    # whoever may not use that field.
    uses_sensitive_data = models.BooleanField(default=False, editable=False)

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

    def save(self, *args, **kwargs):
        _derive_sensitivity(self, kwargs)
        super().save(*args, **kwargs)


class CampaignSnapshot(models.Model):
    """A segment's members frozen at a moment for a campaign, after the
    contact-eligibility check for one purpose and channel. What was left out,
    and why, is kept beside it; when no check could be applied (no governance
    backend) ``consent_checked`` is false and nobody was left out."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="snapshots")
    segment_version = models.PositiveIntegerField()
    rules = models.JSONField(help_text="The segment's rules when the snapshot was taken.")
    # Derived from the rules on save: such a segment (its members, snapshots
    # and exports) is shown only to those who may use sensitive data.
    uses_sensitive_data = models.BooleanField(
        default=False,
        editable=False,
        help_text="Its rules use a sensitive field (customers.view_sensitive_data to see it).",
    )
    purpose = models.CharField(max_length=64)
    channel = models.CharField(max_length=32)
    consent_checked = models.BooleanField(
        help_text="False when no consent or suppression check could be applied."
    )
    matched_count = models.PositiveIntegerField(help_text="Segment members before the check.")
    member_count = models.PositiveIntegerField(help_text="Members kept: may be contacted.")
    excluded = models.JSONField(
        default=dict, blank=True, help_text="Why members were left out: reason -> how many."
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign_snapshots",
    )
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["segment", "-taken_at"], name="snapshot_segment_taken")]
        constraints = [
            models.CheckConstraint(
                condition=Q(member_count__lte=models.F("matched_count")),
                name="snapshot_members_within_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment} for {self.purpose}/{self.channel} at {self.taken_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        _derive_sensitivity(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


class CampaignSnapshotMember(PersonalData, models.Model):
    """One customer in a snapshot. Deleted with the customer (an erasure
    reaches snapshots too)."""

    snapshot = models.ForeignKey(CampaignSnapshot, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_snapshot_members"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "customer"], name="snapshot_member_once"),
        ]
        indexes = [models.Index(fields=["customer"], name="snapshot_member_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.snapshot_id}"
