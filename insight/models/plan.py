"""Implementing the strategy: the collection plan's tasks with their dates
and budgets, and the insights found in the information."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


class TaskStatus(models.TextChoices):
    PLANNED = "planned", "Planned"  # not started
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"  # completed_on says when
    CANCELLED = "cancelled", "Cancelled"  # dropped; its spend so far still counts


class CollectionTask(models.Model):
    """One task of the plan to collect customer and industry information."""

    strategy = models.ForeignKey(
        "insight.InsightStrategy", on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    option = models.ForeignKey(
        "insight.CollectionOption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        help_text="The collection option this task carries out.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collection_tasks"
    )
    starts_on = models.DateField()
    due_on = models.DateField()
    budget_planned = models.DecimalField(max_digits=12, decimal_places=2)
    budget_actual = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.PLANNED)
    completed_on = models.DateField(null=True, blank=True)
    procedures = models.TextField(
        blank=True,
        help_text=(
            "The governance procedures this task relies on (storage, confidentiality, "
            "security, use and update of the data): one link or title a line."
        ),
    )
    # The dates and budget as agreed with the plan (empty until a manager
    # agrees it). Changes after that are revisions; late and over-budget are
    # judged against these.
    baseline_starts_on = models.DateField(null=True, blank=True, editable=False)
    baseline_due_on = models.DateField(null=True, blank=True, editable=False)
    baseline_budget = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["starts_on", "pk"]
        indexes = [
            models.Index(fields=["strategy", "starts_on"], name="task_strategy_start"),
            # Late tasks across the plan: open ones past their due date.
            models.Index(fields=["status", "due_on"], name="task_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_known"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("starts_on")), name="task_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(budget_planned__gte=0, budget_actual__gte=0),
                name="task_budgets_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_on__isnull=False),
                name="task_done_has_a_date",
            ),
            # A baseline is all three figures or none.
            models.CheckConstraint(
                condition=Q(
                    baseline_starts_on__isnull=True,
                    baseline_due_on__isnull=True,
                    baseline_budget__isnull=True,
                )
                | Q(
                    baseline_starts_on__isnull=False,
                    baseline_due_on__isnull=False,
                    baseline_budget__isnull=False,
                ),
                name="task_baseline_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        errors = {}
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            errors["due_on"] = "The due date is before the start."
        if self.status == TaskStatus.DONE and not self.completed_on:
            errors["completed_on"] = "Say when the task was done."
        if errors:
            raise ValidationError(errors)

    @property
    def agreed_due_on(self):
        """The due date late is judged by: the agreed one once the plan is agreed."""
        return self.baseline_due_on or self.due_on

    @property
    def agreed_budget(self):
        return self.budget_planned if self.baseline_budget is None else self.baseline_budget

    @property
    def is_revised(self) -> bool:
        return self.baseline_due_on is not None and (
            self.starts_on != self.baseline_starts_on
            or self.due_on != self.baseline_due_on
            or self.budget_planned != self.baseline_budget
        )

    def is_late(self, today) -> bool:
        if self.status == TaskStatus.DONE:
            return self.completed_on > self.agreed_due_on
        return self.status != TaskStatus.CANCELLED and today > self.agreed_due_on

    @property
    def is_over_budget(self) -> bool:
        return self.budget_actual > self.agreed_budget


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # proposed, waiting for a manager
    APPROVED = "approved", "Approved"  # applied to the task
    REJECTED = "rejected", "Rejected"  # the task kept its figures


class TaskRevision(models.Model):
    """A proposed change to the dates or budget of a task of an agreed plan,
    with who proposed it, why, and the manager's decision. Kept for good:
    the plan's history."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task = models.ForeignKey(CollectionTask, on_delete=models.CASCADE, related_name="revisions")
    # The task's figures when it was proposed, and what is proposed.
    from_starts_on = models.DateField()
    from_due_on = models.DateField()
    from_budget = models.DecimalField(max_digits=12, decimal_places=2)
    starts_on = models.DateField()
    due_on = models.DateField()
    budget_planned = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.TextField()
    status = models.CharField(
        max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        permissions = [("approve_taskrevision", "Can approve or reject plan revisions")]
        indexes = [models.Index(fields=["status", "-proposed_at"], name="revision_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RevisionStatus.values), name="revision_status_known"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("starts_on")), name="revision_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(budget_planned__gte=0), name="revision_budget_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False),
                name="revision_decision_recorded",
            ),
            # One open proposal a task: the next is made on what was decided.
            models.UniqueConstraint(
                fields=["task"], condition=Q(status="pending"), name="revision_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"Revision of “{self.task}”"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(what, from, to) for each figure that changes."""
        pairs = (
            ("start", self.from_starts_on, self.starts_on),
            ("due date", self.from_due_on, self.due_on),
            ("budget", self.from_budget, self.budget_planned),
        )
        return [(label, old, new) for label, old, new in pairs if old != new]

    @property
    def procedure_lines(self) -> list[dict]:
        lines = [line.strip() for line in self.procedures.splitlines() if line.strip()]
        return [
            {"text": line, "is_link": line.startswith(("http://", "https://", "/"))}
            for line in lines
        ]


class Confidence(models.TextChoices):
    LOW = "low", "Low"  # a hint worth testing
    MEDIUM = "medium", "Medium"  # consistent evidence from one source
    HIGH = "high", "High"  # consistent evidence from several sources or a test


class InsightStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"  # found, not yet discussed
    ACCEPTED = "accepted", "Accepted"  # marketing agrees to act
    ACTED_ON = "acted_on", "Acted on"  # the recommended action was taken
    REJECTED = "rejected", "Rejected"  # not convincing or not actionable


def _evidence_path(instance, filename):
    return f"insight/evidence/{instance.public_id}/{filename}"


class Insight(models.Model):
    """A finding about customers that should change what marketing does,
    with the evidence for it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strategy = models.ForeignKey(
        "insight.InsightStrategy", on_delete=models.CASCADE, related_name="insights"
    )
    finding = models.TextField()
    evidence_url = models.CharField(
        max_length=500,
        blank=True,
        help_text="A link to the segment, chart or page that shows it (a path or https:// URL).",
    )
    evidence_metric = models.CharField(
        max_length=64, blank=True, help_text="A metric of the registry that shows it."
    )
    evidence_file = models.FileField(upload_to=_evidence_path, blank=True, max_length=300)
    confidence = models.CharField(max_length=8, choices=Confidence.choices)
    recommended_action = models.TextField(help_text="What marketing should do about it.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="insights"
    )
    status = models.CharField(
        max_length=16, choices=InsightStatus.choices, default=InsightStatus.PROPOSED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "confidence"], name="insight_status_confidence"),
            models.Index(fields=["strategy", "-created_at"], name="insight_strategy_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__in=Confidence.values), name="insight_confidence_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InsightStatus.values), name="insight_status_known"
            ),
            # An insight without evidence is an opinion.
            models.CheckConstraint(
                condition=~Q(evidence_url="") | ~Q(evidence_metric="") | ~Q(evidence_file=""),
                name="insight_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return self.finding[:80]

    def clean(self):
        from mis import metrics

        errors = {}
        # A path in MIS or a web address; "//host" is another site in disguise.
        url = self.evidence_url
        if url and (not url.startswith(("/", "https://", "http://")) or url.startswith("//")):
            errors["evidence_url"] = "Give a path in MIS (/segments/…) or an http(s) address."
        if self.evidence_metric:
            try:
                metrics.get(self.evidence_metric)
            except ValidationError as error:
                errors["evidence_metric"] = error.message_dict["metric"]
        if not (self.evidence_url or self.evidence_metric or self.evidence_file):
            errors["evidence_url"] = "Give the evidence: a link, a metric or a file."
        if errors:
            raise ValidationError(errors)
