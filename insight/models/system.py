"""The information system's own development: its functional requirements
with their acceptance checks, the development plan, the improvement backlog,
and the register of codes of practice and legal duties the team follows."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from insight.models.requirements import MoSCoW
from insight.models.strategy import Comparator


class FunctionalRequirement(models.Model):
    """Something MIS itself must do, checked by its acceptance checks."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, help_text="e.g. FR-12")
    statement = models.CharField(max_length=300, help_text="What the system must do.")
    moscow = models.CharField("MoSCoW", max_length=8, choices=MoSCoW.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(moscow__in=MoSCoW.values), name="functional_requirement_moscow_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.statement}"


class CheckKind(models.TextChoices):
    METRIC = "metric", "Metric threshold"  # a measure of the registry against a target
    TEST = "test", "Automated test"  # a test of the suite; its last recorded run counts
    MANUAL = "manual", "Manual sign-off"  # a person signs it off with evidence


class CheckResult(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class AcceptanceCheck(models.Model):
    """One way to tell that a functional requirement is met."""

    requirement = models.ForeignKey(
        FunctionalRequirement, on_delete=models.CASCADE, related_name="checks"
    )
    kind = models.CharField(max_length=8, choices=CheckKind.choices)
    description = models.CharField(max_length=300)
    metric = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    comparator = models.CharField(
        max_length=4, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    test_reference = models.CharField(
        max_length=300,
        blank=True,
        help_text="The test's node id, e.g. tests/insight/test_plan.py::test_it_…",
    )
    evidence = models.TextField(blank=True, help_text="For a sign-off: what shows it is met.")
    result = models.CharField(
        max_length=12, choices=CheckResult.choices, default=CheckResult.UNCHECKED
    )
    result_display = models.CharField(max_length=100, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["requirement", "pk"]
        indexes = [models.Index(fields=["kind", "test_reference"], name="check_test_reference")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CheckKind.values), name="acceptance_check_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(result__in=CheckResult.values), name="acceptance_check_result_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind="metric") | (~Q(metric="") & Q(target__isnull=False)),
                name="acceptance_metric_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind="test") | ~Q(test_reference=""),
                name="acceptance_test_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(kind="manual", result="passed") | ~Q(evidence=""),
                name="acceptance_signoff_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self):
        from mis import metrics

        if self.kind == CheckKind.METRIC:
            if not self.metric or self.target is None:
                raise ValidationError({"metric": "A metric check needs a metric and a target."})
            try:
                self.params = metrics.check_params(metrics.get(self.metric), self.params)
            except ValidationError as error:
                raise ValidationError(error.message_dict) from None
        if self.kind == CheckKind.TEST and "::" not in self.test_reference:
            raise ValidationError(
                {"test_reference": "Give the test's node id: path/to/test_file.py::test_name."}
            )


class ImprovementSource(models.TextChoices):
    EVALUATION = "evaluation", "Evaluation"
    PROBLEM = "problem", "Problem"
    FEEDBACK = "feedback", "Feedback"
    OTHER = "other", "Other"


class ImprovementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"  # raised, not yet decided
    ACCEPTED = "accepted", "Accepted"  # will be done
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"  # not worth doing; the note says why


class Improvement(models.Model):
    """An item of the backlog of improvements to MIS itself."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=ImprovementSource.choices)
    evaluation = models.ForeignKey(
        "insight.Evaluation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    problem = models.ForeignKey(
        "insight.Problem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    feedback = models.ForeignKey(
        "insight.Feedback", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moscow = models.CharField("MoSCoW", max_length=8, choices=MoSCoW.choices, default="should")
    status = models.CharField(
        max_length=16, choices=ImprovementStatus.choices, default=ImprovementStatus.PROPOSED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_note = models.TextField(blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="improvement_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImprovementStatus.values), name="improvement_status_known"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ImprovementSource.values), name="improvement_source_known"
            ),
            # One backlog item per problem: raising it twice finds the first.
            models.UniqueConstraint(
                fields=["problem"],
                condition=Q(problem__isnull=False),
                name="improvement_per_problem",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DevelopmentTask(models.Model):
    """A task of the plan for developing MIS itself (not of a strategy)."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    due_on = models.DateField()
    budget_planned = models.DecimalField(max_digits=12, decimal_places=2)
    budget_actual = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    status = models.CharField(
        max_length=16,
        choices=[(s, label) for s, label in ImprovementStatus.choices if s != "declined"]
        + [("cancelled", "Cancelled")],
        default=ImprovementStatus.ACCEPTED,
    )
    requirement = models.ForeignKey(
        FunctionalRequirement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        help_text="The functional requirement it delivers.",
    )
    improvement = models.ForeignKey(
        Improvement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        help_text="The backlog item it carries out.",
    )

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("starts_on")), name="development_task_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(budget_planned__gte=0, budget_actual__gte=0),
                name="development_task_budgets_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            raise ValidationError({"due_on": "The due date is before the start."})


class CodeOfPractice(models.Model):
    """A code of practice or legal duty the team follows, reviewed on a
    cycle: when its review falls due, the strategies it bears on are called
    into an unscheduled review."""

    title = models.CharField(max_length=200, unique=True)
    source = models.CharField(
        max_length=300, help_text="Who issues it, and where it is published (a link or title)."
    )
    duties = models.TextField(help_text="The duties it brings: one a line.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    review_interval_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    next_review_on = models.DateField()
    evidence = models.TextField(
        blank=True, help_text="How we show we comply (procedures, records, audits)."
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    strategies = models.ManyToManyField(
        "insight.InsightStrategy",
        blank=True,
        related_name="codes_of_practice",
        help_text="The strategies it bears on; none means every strategy in force.",
    )

    class Meta:
        ordering = ["next_review_on", "pk"]
        verbose_name_plural = "codes of practice"
        indexes = [models.Index(fields=["next_review_on"], name="code_next_review")]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_interval_months__range=(1, 60)),
                name="code_review_interval_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duty_lines(self) -> list[str]:
        return [line.strip() for line in self.duties.splitlines() if line.strip()]
