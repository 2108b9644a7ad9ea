"""The business case for the information system: the problem, the objectives
tied to the marketing strategy, the options with costs and benefits, the
risks, and the recommended option; submitted to and decided by a manager."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class BusinessCaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"  # being written; only its author works on it
    SUBMITTED = "submitted", "Submitted"  # waiting for a decision maker
    APPROVED = "approved", "Approved"  # agreed: development may go ahead
    REJECTED = "rejected", "Rejected"  # refused, with the decision maker's comment


class Level(models.IntegerChoices):
    """A five-point scale for likelihood, impact, influence and interest."""

    VERY_LOW = 1, "Very low"
    LOW = 2, "Low"
    MEDIUM = 3, "Medium"
    HIGH = 4, "High"
    VERY_HIGH = 5, "Very high"


class BusinessCase(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    problem = models.TextField(help_text="What is wrong today, and for whom.")
    marketing_strategy = models.TextField(
        blank=True, help_text="The marketing strategy and plan this case serves."
    )
    status = models.CharField(
        max_length=16, choices=BusinessCaseStatus.choices, default=BusinessCaseStatus.DRAFT
    )
    recommended_option = models.ForeignKey(
        "insight.BusinessCaseOption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="One of this case's options.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="business_cases"
    )
    stakeholders = models.ManyToManyField(
        "insight.Stakeholder", blank=True, related_name="business_cases"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="business_cases_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("approve_businesscase", "Can approve or reject business cases")]
        indexes = [models.Index(fields=["status", "-created_at"], name="business_case_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BusinessCaseStatus.values), name="business_case_status_known"
            ),
            # A decided case says who decided and when.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="business_case_decision_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BusinessCaseObjective(models.Model):
    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="objectives")
    statement = models.CharField(max_length=300)
    strategy_goal = models.CharField(
        max_length=300, help_text="The marketing strategy goal this objective serves."
    )
    target = models.CharField(
        max_length=200, blank=True, help_text="The performance target, e.g. “repeat rate 35%”."
    )

    def __str__(self) -> str:
        return self.statement


class BusinessCaseOption(models.Model):
    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=2, help_text="One-off and running, £.")
    benefit = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Expected benefit over the same period, £."
    )
    benefit_notes = models.TextField(blank=True, help_text="Benefits that carry no figure.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="business_option_cost_positive"),
            models.UniqueConstraint(fields=["case", "name"], name="business_option_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def net_benefit(self):
        return self.benefit - self.cost


class BusinessCaseRisk(models.Model):
    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="risks")
    description = models.CharField(max_length=300)
    likelihood = models.PositiveSmallIntegerField(choices=Level.choices)
    impact = models.PositiveSmallIntegerField(choices=Level.choices)
    mitigation = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__range=(1, 5), impact__range=(1, 5)),
                name="business_risk_levels_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def exposure(self) -> int:
        """Likelihood × impact, 1 to 25: the usual risk-matrix score."""
        return self.likelihood * self.impact
