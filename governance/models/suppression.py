"""The suppression list: people who must not be contacted or re-added.

It holds keyed hashes (HMAC-SHA256, governance.hashing) of normalised email
addresses and phone numbers, never the values: it must outlive the erasure of
the person it protects without keeping their contact points."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SuppressionKind(models.TextChoices):
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"


class SuppressionReason(models.TextChoices):
    OBJECTION = "objection", "Objected to direct marketing"  # Art. 21
    ERASURE = "erasure", "Erased (request or retention)"  # Art. 17, storage limitation
    REQUEST = "request", "Asked not to be contacted"
    BOUNCE = "bounce", "Undeliverable"


class SuppressionEntry(models.Model):
    kind = models.CharField(max_length=8, choices=SuppressionKind.choices)
    value_hash = models.CharField(max_length=64, help_text="HMAC-SHA256 of the normalised value.")
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    note = models.CharField(max_length=200, blank=True, help_text="No personal data here.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "suppression entries"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value_hash"], name="suppression_unique_hash"),
            models.CheckConstraint(
                condition=Q(kind__in=SuppressionKind.values), name="suppression_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=SuppressionReason.values), name="suppression_reason_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value_hash[:12]}… ({self.get_reason_display()})"
