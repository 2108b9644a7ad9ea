"""Feedback on the information system and the strategy, and the log of
problems with the system."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class FeedbackSource(models.TextChoices):
    USER = "user", "User of MIS"  # from the in-app feedback link
    STAKEHOLDER = "stakeholder", "Stakeholder"
    CUSTOMER = "customer", "Customer"


class Feedback(models.Model):
    source = models.CharField(max_length=16, choices=FeedbackSource.choices)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 (poor) to 5 (excellent)."
    )
    comment = models.TextField(blank=True)
    page = models.CharField(max_length=300, blank=True, help_text="The page the user gave it from.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="insight_feedback",
    )
    stakeholder = models.ForeignKey(
        "insight.Stakeholder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The customer who said it, when known.",
    )
    strategy = models.ForeignKey(
        "insight.InsightStrategy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["source", "-created_at"], name="feedback_source_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=FeedbackSource.values), name="feedback_source_known"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__range=(1, 5)),
                name="feedback_rating_range",
            ),
            # Feedback says something: a rating or a comment.
            models.CheckConstraint(
                condition=Q(rating__isnull=False) | ~Q(comment=""), name="feedback_not_empty"
            ),
        ]

    def __str__(self) -> str:
        rating = f"{self.rating}/5 " if self.rating else ""
        return f"{self.get_source_display()}: {rating}{self.comment[:60]}"


class Severity(models.TextChoices):
    LOW = "low", "Low"  # an annoyance with a workaround
    MEDIUM = "medium", "Medium"  # slows work down
    HIGH = "high", "High"  # wrong or missing information, or a task cannot be done
    CRITICAL = "critical", "Critical"  # data lost, exposed or unlawfully used


SERIOUS = (Severity.HIGH, Severity.CRITICAL)  # these open an unscheduled review


class ProblemStatus(models.TextChoices):
    REPORTED = "reported", "Reported"  # waiting for triage
    TRIAGED = "triaged", "Triaged"  # severity confirmed, someone assigned
    RESOLVED = "resolved", "Resolved"  # the resolution says how


class SystemArea(models.TextChoices):
    """The part of the information system a problem is about."""

    WHOLE = "whole", "The system as a whole"
    CUSTOMERS = "customers", "Customer records"
    IMPORTS = "imports", "Imports"
    QUALITY = "quality", "Data quality"
    DUPLICATES = "duplicates", "Duplicates"
    SEGMENTS = "segments", "Segments"
    ANALYTICS = "analytics", "Analytics"
    GOVERNANCE = "governance", "Governance"
    INSIGHT = "insight", "Insight"
    API = "api", "API and integrations"


class Problem(models.Model):
    title = models.CharField(max_length=200)
    report = models.TextField(help_text="What happened, where, and what was expected.")
    severity = models.CharField(max_length=16, choices=Severity.choices)
    status = models.CharField(
        max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.REPORTED
    )
    strategy = models.ForeignKey(
        "insight.InsightStrategy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
        help_text="The strategy it affects: a serious problem calls it (and only it) into review.",
    )
    area = models.CharField(
        max_length=16,
        choices=SystemArea.choices,
        default=SystemArea.WHOLE,
        help_text="The part of the system it is about.",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    triage_notes = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="insight_problems",
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["status", "severity"], name="problem_status_severity"),
            models.Index(fields=["-reported_at"], name="problem_reported"),
            models.Index(fields=["-resolved_at"], name="problem_resolved"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="problem_severity_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProblemStatus.values), name="problem_status_known"
            ),
            models.CheckConstraint(
                condition=Q(area__in=SystemArea.values), name="problem_area_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved")
                | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="problem_resolution_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.title
