"""The customer insight strategy and its success criteria."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"  # being written
    IN_CONSULTATION = "in_consultation", "In consultation"  # stakeholders are consulted
    APPROVED = "approved", "Approved"  # agreed with a decision maker, with its criteria
    IMPLEMENTING = "implementing", "Implementing"  # the collection plan is under way
    EVALUATING = "evaluating", "Evaluating"  # an evaluation is open
    MAINTAINED = "maintained", "Maintained"  # evaluated: carries on as it is
    MODIFIED = "modified", "Modified"  # evaluated: to be changed, then consulted on again
    RETIRED = "retired", "Retired"  # no longer in force; kept as a record


class InsightStrategy(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="The strategy in a few sentences, for a manager.")
    marketing_strategy = models.TextField(
        help_text="The marketing strategy and performance targets it serves."
    )
    customer_base = models.TextField(
        blank=True, help_text="The actual and the target customer base."
    )
    information_use = models.TextField(
        blank=True, help_text="How customer information is used in the organisation."
    )
    analysis_approach = models.TextField(
        blank=True, help_text="How the information will be analysed to find insights."
    )
    expert_advice = models.TextField(
        blank=True,
        help_text="Advice sought from recognised sources of expertise, and what it said.",
    )
    business_case = models.ForeignKey(
        "insight.BusinessCase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="strategies",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="insight_strategies"
    )
    status = models.CharField(
        max_length=16, choices=StrategyStatus.choices, default=StrategyStatus.DRAFT
    )
    review_interval_months = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="Scheduled reviews come this many months apart (1 to 36).",
    )
    next_review_on = models.DateField(null=True, blank=True)
    # The quality trigger: an unscheduled review opens when this measure of
    # the registry falls below the threshold (no threshold, no trigger).
    quality_metric = models.CharField(max_length=64, default="quality_score")
    quality_params = models.JSONField(default=dict, blank=True)
    quality_threshold = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Open an unscheduled review when the quality measure falls below this.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="insight_strategies_approved",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The collection plan, agreed as a whole with its dates and budgets.
    plan_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    plan_agreed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "insight strategy"
        verbose_name_plural = "insight strategies"
        ordering = ["-created_at"]
        permissions = [("approve_insightstrategy", "Can approve, conclude and retire strategies")]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="strategy_status"),
            # The scheduled-review sweep looks for strategies due a review.
            models.Index(fields=["next_review_on"], name="strategy_next_review"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=StrategyStatus.values), name="strategy_status_known"
            ),
            models.CheckConstraint(
                condition=Q(review_interval_months__range=(1, 36)),
                name="strategy_review_interval_range",
            ),
            # An approved strategy, and every state after it, names its approver
            # (a draft may be retired without ever being approved).
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_consultation", "retired"])
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="strategy_approval_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        from mis import metrics

        if self.quality_threshold is not None:
            try:
                self.quality_params = metrics.check_params(
                    metrics.get(self.quality_metric), self.quality_params
                )
            except ValidationError as error:
                raise ValidationError(
                    {
                        f"quality_{k}" if k != "metric" else "quality_metric": v
                        for k, v in error.message_dict.items()
                    }
                ) from None


class Comparator(models.TextChoices):
    AT_LEAST = "gte", "at least"
    AT_MOST = "lte", "at most"
    MORE_THAN = "gt", "more than"
    LESS_THAN = "lt", "less than"


_COMPARE = {
    Comparator.AT_LEAST: lambda value, target: value >= target,
    Comparator.AT_MOST: lambda value, target: value <= target,
    Comparator.MORE_THAN: lambda value, target: value > target,
    Comparator.LESS_THAN: lambda value, target: value < target,
}


class SuccessCriterion(models.Model):
    """A measurable target: a metric of the registry (mis.metrics), compared
    with a target by a deadline."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strategy = models.ForeignKey(InsightStrategy, on_delete=models.CASCADE, related_name="criteria")
    description = models.CharField(max_length=300)
    metric = models.CharField(
        max_length=64, blank=True, help_text="A metric of the registry, e.g. field_completeness."
    )
    params = models.JSONField(
        default=dict, blank=True, help_text='The metric\'s parameters, e.g. {"field": "email"}.'
    )
    comparator = models.CharField(
        max_length=4, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "success criteria"
        ordering = ["strategy", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(comparator__in=Comparator.values), name="criterion_comparator_known"
            )
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self):
        from mis import metrics

        if self.metric:
            try:
                self.params = metrics.check_params(metrics.get(self.metric), self.params)
            except ValidationError as error:
                raise ValidationError(error.message_dict) from None
        elif self.params:
            raise ValidationError({"params": "Parameters need a metric."})

    @property
    def smart_warnings(self) -> list[str]:
        """What keeps the criterion from being specific, measurable and
        time-bound: shown beside it, never silently accepted."""
        warnings = []
        if not self.metric:
            warnings.append("No measurable metric: choose one from the registry.")
        if self.target is None:
            warnings.append("No target: say what figure counts as success.")
        if self.deadline is None:
            warnings.append("No date: say by when the target is to be reached.")
        return warnings

    @property
    def statement(self) -> str:
        if not self.metric or self.target is None:
            return self.description
        from mis import metrics

        label = metrics.get(self.metric).label
        params = ", ".join(str(v) for v in (self.params or {}).values())
        by = f" by {self.deadline:%-d %b %Y}" if self.deadline else ""
        target = f"{Decimal(self.target).normalize():f}"
        subject = f"{label} ({params})" if params else label
        return f"{subject} {self.get_comparator_display()} {target}{by}"

    def is_met_by(self, value) -> bool | None:
        """None when it cannot be judged: no value, or no target."""
        if value is None or self.target is None:
            return None
        return _COMPARE[self.comparator](Decimal(value), self.target)
