"""Data quality: rules kept as data, the issues they (and imports) find on
customer records, the sweeps that check every record, and the records
proposed as redundant."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from customers.reads import PersonalData


class Severity(models.TextChoices):
    LOW = "low", "Low"  # cosmetic: a missing nice-to-have
    MEDIUM = "medium", "Medium"  # lowers the record's usefulness
    HIGH = "high", "High"  # the record may mislead (wrong contact point)
    CRITICAL = "critical", "Critical"  # the record must not be used as it is


# What each open issue takes off a record's score of 100.
SEVERITY_WEIGHTS: dict[str, int] = {
    Severity.LOW: 5,
    Severity.MEDIUM: 10,
    Severity.HIGH: 20,
    Severity.CRITICAL: 40,
}


class CustomerQuality(models.Model):
    """A customer's quality score: 100 less the weights of its open issues,
    never below 0 (no row: not checked yet). Kept off the customer row,
    which is wide and heavily indexed: a sweep that rewrote a score there
    rewrote the whole row and its index entries, and bloated the table."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="quality"
    )
    score = models.PositiveSmallIntegerField()
    # When the score last changed (a check that finds the same score writes nothing).
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "customer quality"
        indexes = [models.Index(fields=["score"], name="customer_quality_score_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score}"


class RuleKind(models.TextChoices):
    COMPLETENESS = "completeness", "Completeness"  # the field has a value (per lifecycle stage)
    VALIDITY = "validity", "Validity"  # the value is well formed (shared validation)
    CONSISTENCY = "consistency", "Consistency"  # values agree with each other
    CURRENCY = "currency", "Currency"  # the record was verified recently enough
    REGEX = "regex", "Pattern"  # the field matches (or must not match) a pattern


class QualityRule(models.Model):
    """A rule a data steward keeps in admin. ``code`` names the issues it
    raises; ``params`` holds what its kind needs: ``months`` (currency),
    ``pattern`` and ``must_match`` (pattern), ``check`` (consistency)."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    field = models.CharField(max_length=64, blank=True, help_text="The customer field it checks.")
    lifecycle_stage = models.CharField(
        max_length=16, blank=True, help_text="Only records at this stage (blank: every record)."
    )
    params = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="rule_kind_known"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="rule_severity_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from customers.quality.rules import rule_problems

        rule_problems(self)


class QualityIssueStatus(models.TextChoices):
    OPEN = "open", "Open"  # the value is still as it was found
    RESOLVED = "resolved", "Resolved"  # fixed, verified or dismissed


class QualityIssue(PersonalData, models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="quality_issues"
    )
    rule = models.ForeignKey(
        QualityRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="issues"
    )
    field = models.CharField(max_length=64)
    code = models.CharField(max_length=64, help_text="What is wrong, e.g. invalid_email.")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    message = models.CharField(max_length=500)
    raw_value = models.TextField(blank=True, help_text="The value as it was found.")
    detected_by = models.CharField(max_length=120, help_text="The import or rule that found it.")
    status = models.CharField(
        max_length=16, choices=QualityIssueStatus.choices, default=QualityIssueStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "code"], name="quality_issue_status_code"),
            models.Index(
                fields=["code", "customer"],
                condition=Q(status="open"),
                name="quality_issue_open_code",
            ),
            # The drill-down: open issues of a code, newest first, a page at a time.
            models.Index(
                fields=["code", "-created_at"],
                condition=Q(status="open"),
                name="quality_issue_open_code_new",
            ),
        ]
        constraints = [
            # One open issue per problem per field: re-importing a file does
            # not pile up copies.
            models.UniqueConstraint(
                fields=["customer", "field", "code"],
                condition=Q(status="open"),
                name="quality_issue_one_open_per_problem",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class RunKind(models.TextChoices):
    QUALITY = "quality", "Quality sweep"  # every rule over every live record
    REDUNDANCY = "redundancy", "Redundant-record sweep"  # proposals of records of no further use


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"  # chunks are being checked
    SUCCEEDED = "succeeded", "Succeeded"  # every chunk done; figures complete
    FAILED = "failed", "Failed"  # stopped; run the sweep again (it is idempotent)


class QualityRun(models.Model):
    """One sweep and its figures. At most one of each kind runs at a time
    (a database constraint): a second start is refused."""

    kind = models.CharField(max_length=16, choices=RunKind.choices, default=RunKind.QUALITY)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    triggered_by = models.CharField(max_length=120, help_text="A user, the command line or beat.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    records_checked = models.PositiveIntegerField(default=0)
    issues_opened = models.PositiveIntegerField(default=0)
    issues_resolved = models.PositiveIntegerField(default=0)
    # Records changed before this were judged by an earlier sweep: this one
    # judges only the records changed since, plus the time-based rules over
    # every record. Null: every record is judged (the first sweep, or the
    # rules changed).
    changed_since = models.DateTimeField(null=True, blank=True)
    # The active rules it judged by (customers.quality.rules.rules_digest):
    # when they differ from the last sweep's, every record is judged again.
    rules_digest = models.CharField(max_length=64, blank=True)
    # {"rule code": open issues after the run, ...} and, when finished, the
    # scores: {"overall": 87.5, "by_source": {...}, "by_field": {...}}.
    figures = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(status="running"), name="quality_run_one_at_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> float | None:
        if not self.finished_at:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class QualityRunChunk(models.Model):
    """A slice of the records (by primary key) that one worker checks in one
    transaction; ``done_at`` is set in that transaction, so an interrupted
    run is resumed from the chunks not done."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="chunks")
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "first_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "first_id"], name="quality_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"records {self.first_id}-{self.last_id}"


class RedundancyReason(models.TextChoices):
    INACTIVE = "inactive", "Inactive and unverified"  # no order and no verification for N months
    HARD_BOUNCE = "hard_bounce", "Email hard-bounced"
    GONE_AWAY = "gone_away", "Gone away"
    DECEASED = "deceased", "Deceased"
    TEST = "test", "Test record"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"  # found by the sweep; nobody has decided
    APPROVED = "approved", "Archived"  # a steward approved: the record was archived
    REJECTED = "rejected", "Kept"  # a steward decided the record is still of use
    WITHDRAWN = "withdrawn", "No longer redundant"  # the record changed since


class RedundancyProposal(PersonalData, models.Model):
    """A record proposed as of no further use, with why. Nothing is deleted
    here: a steward archives it, or governance's retention takes it on."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="redundancy_proposals"
    )
    reason = models.CharField(max_length=16, choices=RedundancyReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-proposed_at"]
        indexes = [models.Index(fields=["status", "reason"], name="redundancy_status_reason")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason"],
                condition=Q(status="proposed"),
                name="redundancy_one_open_per_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.get_reason_display()}"
