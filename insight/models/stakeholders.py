"""The people who support, decide on, use or advise on the information system
and the strategy, and what they said when consulted."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from insight.models.business import Level


class StakeholderRole(models.TextChoices):
    SPONSOR = "sponsor", "Sponsor"  # pays for it and champions it
    DECISION_MAKER = "decision_maker", "Decision maker"  # agrees cases and strategies
    USER = "user", "User"  # uses the system day to day
    SYSTEMS_SPECIALIST = "systems_specialist", "Systems specialist"  # IT, data engineering
    DATA_PROTECTION = "data_protection", "Data protection"  # lawfulness of the data


class Stakeholder(models.Model):
    """A user of MIS or an external person (a supplier, an agency, a director
    without a log-in): ``user`` is empty for the latter."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stakeholder_roles",
    )
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=32, choices=StakeholderRole.choices)
    influence = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.MEDIUM)
    interest = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.MEDIUM)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["role"], name="stakeholder_role")]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=StakeholderRole.values), name="stakeholder_role_known"
            ),
            models.CheckConstraint(
                condition=Q(influence__range=(1, 5), interest__range=(1, 5)),
                name="stakeholder_levels_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def engagement(self) -> str:
        """Where the stakeholder sits on the influence/interest grid."""
        high_influence, high_interest = self.influence >= 3, self.interest >= 3
        if high_influence and high_interest:
            return "manage closely"
        if high_influence:
            return "keep satisfied"
        if high_interest:
            return "keep informed"
        return "monitor"


class Consultation(models.Model):
    """One conversation with a stakeholder about a business case or a strategy.
    A committed consultation with a decision maker is their sign-off."""

    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, related_name="consultations"
    )
    business_case = models.ForeignKey(
        "insight.BusinessCase",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consultations",
    )
    strategy = models.ForeignKey(
        "insight.InsightStrategy",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consultations",
    )
    held_on = models.DateField()
    topic = models.CharField(max_length=300)
    feedback_summary = models.TextField()
    committed = models.BooleanField(
        default=False, help_text="The stakeholder gave their commitment (or sign-off)."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(business_case__isnull=False) | Q(strategy__isnull=False),
                name="consultation_is_about_something",
                violation_error_message="Say which business case or strategy it was about.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} with {self.stakeholder.name}"
