"""The business events of governance (an objection, an erasure, a retention
run approved), written by the service that did it in the same transaction.
Field-level changes are django-simple-history's; this says what they meant.
An event never holds personal data: it outlives the person."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    kind = models.CharField(max_length=64, help_text="e.g. objection_registered, customer_erased.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="The user name, or “system”.")
    subject = models.CharField(
        max_length=200, blank=True, help_text="What it was about: a reference, never a name."
    )
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "-at"], name="audit_event_kind_at")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_name}"
