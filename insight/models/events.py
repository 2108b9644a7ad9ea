"""The record of every lifecycle transition in the insight app: what changed
state, from what to what, who did it, when and why.

One table for business cases, strategies and evaluations, written by the
service that makes the change in the same transaction, so a state never
changes without its record (and a record never exists for a change that was
rolled back)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Transition(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(max_length=32)
    to_status = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="insight_transitions",
        help_text="Empty when the system made the change (a scheduled review).",
    )
    # Kept beside the foreign key so the record still says who after the user goes.
    actor_name = models.CharField("by", max_length=150)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-at"], name="insight_transition_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} by {self.actor_name}"
