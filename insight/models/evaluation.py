"""Evaluating the strategy: scheduled and unscheduled reviews, what opened
them, each criterion measured, and the recommendation a manager approves."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class EvaluationKind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"  # the review interval came round
    UNSCHEDULED = "unscheduled", "Unscheduled"  # opened by a trigger


class TriggerKind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled review date reached"
    CRITERION_BREACHED = "criterion_breached", "Success criterion breached"
    QUALITY_BELOW_THRESHOLD = "quality_below_threshold", "Quality score below its threshold"
    SERIOUS_PROBLEM = "serious_problem", "Serious problem logged"
    LEGAL_CHANGE = "legal_change", "Legal or regulatory change"
    CODE_OF_PRACTICE = "code_of_practice", "Code of practice review due"


class EvaluationStatus(models.TextChoices):
    OPEN = "open", "Open"  # being carried out
    SUBMITTED = "submitted", "Submitted"  # recommendation made, waiting for a manager
    APPROVED = "approved", "Approved"  # the manager agreed; the strategy is maintained or modified


class Recommendation(models.TextChoices):
    MAINTAIN = "maintain", "Maintain the strategy"
    MODIFY = "modify", "Modify the strategy"


class Evaluation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strategy = models.ForeignKey(
        "insight.InsightStrategy", on_delete=models.CASCADE, related_name="evaluations"
    )
    kind = models.CharField(max_length=16, choices=EvaluationKind.choices)
    status = models.CharField(
        max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.OPEN
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when a scheduled task or a trigger opened it.",
    )
    notes = models.TextField(blank=True, help_text="Qualitative findings.")
    feedback_summary = models.TextField(
        blank=True, help_text="What users, stakeholders and customers said."
    )
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices, blank=True)
    rationale = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        permissions = [("approve_evaluation", "Can approve evaluations")]
        indexes = [models.Index(fields=["status", "-opened_at"], name="evaluation_status")]
        constraints = [
            # One evaluation at a time per strategy: later triggers join it.
            models.UniqueConstraint(
                fields=["strategy"],
                condition=Q(status__in=["open", "submitted"]),
                name="evaluation_one_at_a_time",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EvaluationKind.values), name="evaluation_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EvaluationStatus.values), name="evaluation_status_known"
            ),
            # A submitted or approved evaluation carries its recommendation and why.
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(recommendation="") & ~Q(rationale="")),
                name="evaluation_recommendation_given",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} evaluation of {self.strategy} ({self.opened_at:%d %b %Y})"
        )


class ReviewTrigger(models.Model):
    """Why an evaluation was opened, or joined by a later reason. ``key``
    names the thing that fired (a criterion, a problem) so that a daily check
    records the same breach once per evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=32, choices=TriggerKind.choices)
    key = models.CharField(max_length=64, blank=True)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "kind", "key"], name="review_trigger_once_per_evaluation"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TriggerKind.values), name="review_trigger_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


class EvaluationResult(models.Model):
    """One success criterion measured for an evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(
        "insight.SuccessCriterion", on_delete=models.CASCADE, related_name="results"
    )
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    display = models.CharField(max_length=64, help_text="The value as people read it.")
    met = models.BooleanField(null=True, help_text="Empty when it cannot be judged (no data).")
    measured_on = models.DateField()

    class Meta:
        ordering = ["criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="evaluation_result_one_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.display}"
