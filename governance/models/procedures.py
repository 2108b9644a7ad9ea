"""Agreed procedures for the storage, confidentiality, security, use and
update of customer information, versioned, and who has read the current
version."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ProcedureTopic(models.TextChoices):
    STORAGE = "storage", "Storage"
    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    SECURITY = "security", "Security"
    USE = "use", "Use"
    UPDATE = "update", "Update"


class Procedure(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=16, choices=ProcedureTopic.choices)

    class Meta:
        ordering = ["topic", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__in=ProcedureTopic.values), name="procedure_topic_known"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProcedureVersion(models.Model):
    """A published text. Never edited: a change is a new version, which
    everyone acknowledges again."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    change_summary = models.CharField(max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.procedure} v{self.number}"


class Acknowledgement(models.Model):
    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="procedure_acknowledgements",
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="acknowledged_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.version}"
