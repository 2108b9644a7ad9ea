"""Storage limitation (Art. 5(1)(e)): which records are kept how long, and the
runs that erase the rest.

A ``RetentionRun`` is prepared as a dry run (its candidates frozen, counted
and sampled), approved by a marketing manager or the data protection lead,
and only then executed: nothing is erased without an approved run. Each
candidate is erased in its own transaction and marked done in it, so a run
that stops midway resumes where it stopped and never leaves a half-erased
customer."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from customers.models import LifecycleStage


class ErasureAction(models.TextChoices):
    # The row stays (orders keep counting in the buying pattern), every
    # personal field is blanked.
    ANONYMISE = "anonymise", "Anonymise"
    # The row, its orders and everything hanging from it go.
    DELETE = "delete", "Delete"


class ConsentCondition(models.TextChoices):
    ANY = "any", "Whatever their consent"
    NO_CURRENT_GRANT = "no_current_grant", "No consent currently granted for any purpose"


class RetentionSelection(models.TextChoices):
    """Which records a policy selects for erasure."""

    INACTIVE = "inactive", "Records inactive for the period"
    # A data steward decided the record is of no further use (a redundancy
    # proposal approved): erased once the period has passed since.
    REDUNDANT = "redundant", "Records a data steward marked redundant, the period after"


class RetentionPolicy(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text="Why this period: the justification.")
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, blank=True, help_text="Empty: any stage."
    )
    selects = models.CharField(
        max_length=16, choices=RetentionSelection.choices, default=RetentionSelection.INACTIVE
    )
    inactivity_months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="No order and no change to the record for this long (for redundant "
        "records: this long since a steward marked them).",
    )
    consent_condition = models.CharField(
        max_length=32, choices=ConsentCondition.choices, default=ConsentCondition.NO_CURRENT_GRANT
    )
    action = models.CharField(max_length=16, choices=ErasureAction.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "retention policies"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ErasureAction.values), name="retention_policy_action_known"
            ),
            models.CheckConstraint(
                condition=Q(inactivity_months__gte=1), name="retention_policy_inactivity_positive"
            ),
            models.CheckConstraint(
                condition=Q(selects__in=RetentionSelection.values),
                name="retention_policy_selects_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    PREPARED = "prepared", "Prepared (dry run, awaiting approval)"
    APPROVED = "approved", "Approved (queued)"
    RUNNING = "running", "Running (or stopped midway: run it again to resume)"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"


class RetentionRun(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    policy = models.ForeignKey(RetentionPolicy, on_delete=models.PROTECT, related_name="runs")
    action = models.CharField(
        max_length=16, choices=ErasureAction.choices, help_text="The policy's, when prepared."
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PREPARED)
    cutoff = models.DateTimeField(help_text="Records inactive since before this.")
    candidate_count = models.PositiveIntegerField(default=0)
    by_stage = models.JSONField(default=dict, blank=True, help_text="Candidates per stage.")
    sample = models.JSONField(
        default=list, blank=True, help_text="A few candidates, to check before approving."
    )
    prepared_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    erased_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(
        default=0, help_text="Candidates active again since the dry run: kept."
    )

    class Meta:
        ordering = ["-prepared_at"]
        permissions = [("approve_retentionrun", "Can approve retention runs")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="retention_run_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["prepared", "rejected"]) | Q(approved_at__isnull=False),
                name="retention_run_executes_only_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} ({self.prepared_at:%Y-%m-%d}): {self.get_status_display()}"


class RetentionCandidate(models.Model):
    """A customer frozen into a run at its dry run. No foreign key: the
    customer may be deleted by the run itself."""

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="candidates")
    customer_id = models.BigIntegerField()
    done = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "customer_id"], name="retention_candidate_once")
        ]
        indexes = [
            models.Index(
                fields=["run", "customer_id"],
                condition=Q(done=False),
                name="retention_candidate_todo",
            )
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id} ({'done' if self.done else 'to do'})"


class ErasureReason(models.TextChoices):
    RETENTION = "retention", "Retention policy"
    REQUEST = "request", "Data-subject request (Art. 17)"


class Tombstone(models.Model):
    """What is left of an erased customer: that someone was erased, when, why
    and how; never who."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reason = models.CharField(max_length=16, choices=ErasureReason.choices)
    action = models.CharField(max_length=16, choices=ErasureAction.choices)
    retention_run = models.ForeignKey(
        RetentionRun, null=True, blank=True, on_delete=models.PROTECT, related_name="tombstones"
    )
    erased_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(
        default=dict, blank=True, help_text="How many rows of each kind were erased."
    )
    # A keyed hash of the erased record's public id: an old link to the record
    # can say "erased" instead of "not found", while the tombstone still
    # cannot be traced back to the person (a keyed hash, see record_key_for).
    record_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Erased {self.erased_at:%Y-%m-%d} ({self.get_reason_display()})"

    @staticmethod
    def record_key_for(public_id) -> str:
        from governance.hashing import hmac_hex

        return hmac_hex(f"customer:{public_id}")
