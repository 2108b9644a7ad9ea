"""Duplicate detection and merges: the trained match model, each sweep's run,
the candidate pairs it found (with the evidence for each), and the merges
made from them (reversible)."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from customers.reads import PersonalData

_PROBABILITY = [MinValueValidator(0.0), MaxValueValidator(1.0)]


def _default_duplicate_threshold() -> float:
    return settings.DUPLICATE_THRESHOLD


def _default_possible_threshold() -> float:
    return settings.DUPLICATE_POSSIBLE_THRESHOLD


class MatchModel(models.Model):
    """One trained version of the match model: Splink's settings with the m and u
    probabilities it estimated from our own data. The newest active version
    scores sweeps and the entry-time check; older versions are kept so that a
    candidate's evidence can always be read against the model that scored it."""

    version = models.PositiveIntegerField(unique=True)
    splink_settings = models.JSONField(help_text="The Splink model, as Splink saves it.")
    duplicate_threshold = models.FloatField(
        default=_default_duplicate_threshold,
        validators=_PROBABILITY,
        help_text="Match probability at or above which a pair is a duplicate (safe to merge).",
    )
    possible_threshold = models.FloatField(
        default=_default_possible_threshold,
        validators=_PROBABILITY,
        help_text="Match probability at or above which a pair needs review.",
    )
    is_active = models.BooleanField(default=True)
    records_used = models.PositiveIntegerField(default=0)
    training_seconds = models.FloatField(default=0)
    trained_at = models.DateTimeField(auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(possible_threshold__lte=F("duplicate_threshold")),
                name="match_model_possible_below_duplicate",
                violation_error_message="The possible threshold must not exceed the duplicate one.",
            ),
            models.CheckConstraint(
                condition=Q(possible_threshold__gt=0) & Q(duplicate_threshold__lte=1),
                name="match_model_thresholds_are_probabilities",
            ),
        ]

    def __str__(self) -> str:
        return f"Match model v{self.version}"


class SweepStatus(models.TextChoices):
    RUNNING = "running", "Running"  # claimed; at most one at a time
    DONE = "done", "Done"  # candidates written
    FAILED = "failed", "Failed"  # stopped by an error or interrupted; nothing written


class DuplicateSweep(models.Model):
    """One run of duplicate detection over every live record, with its figures."""

    status = models.CharField(
        max_length=16, choices=SweepStatus.choices, default=SweepStatus.RUNNING
    )
    via = models.CharField(max_length=16, help_text="command, task or page")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match_model = models.ForeignKey(
        MatchModel, null=True, blank=True, on_delete=models.PROTECT, related_name="sweeps"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    records_checked = models.PositiveIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    duplicate_pairs = models.PositiveIntegerField(default=0)
    possible_pairs = models.PositiveIntegerField(default=0)
    duplicate_records = models.PositiveIntegerField(
        default=0, help_text="Records judged a duplicate of an earlier record."
    )
    auto_merged = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per stage.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # Two sweeps at once would write over each other's candidates.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="duplicate_sweep_one_running",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SweepStatus.values), name="duplicate_sweep_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Duplicate sweep {self.pk} ({self.get_status_display()})"


class MatchDecision(models.TextChoices):
    DUPLICATE = "duplicate", "Duplicate"  # at or above the duplicate threshold
    POSSIBLE = "possible", "Possible duplicate"  # at or above the possible threshold


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    MERGED = "merged", "Merged"
    DISTINCT = "distinct", "Not the same"  # a reviewer said so; a re-sweep keeps it


class DuplicateCandidate(PersonalData, models.Model):
    """A pair of records the model judged to be the same entity, with the
    evidence (per-field level and match weight) a reviewer needs."""

    personal_data_subject = ("customer_a_id", "customer_b_id")

    customer_a = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField(validators=_PROBABILITY)
    match_weight = models.FloatField()
    decision = models.CharField(max_length=16, choices=MatchDecision.choices)
    evidence = models.JSONField(
        default=dict, help_text="Per comparison: the level reached and its match weight."
    )
    match_model = models.ForeignKey(MatchModel, on_delete=models.PROTECT, related_name="+")
    sweep = models.ForeignKey(
        DuplicateSweep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_job = models.ForeignKey(
        "customers.ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicate_candidates",
        help_text="The import whose records this pair was found for, at the end of the import.",
    )
    status = models.CharField(
        max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-match_probability", "pk"]
        indexes = [
            # The review queue: pending pairs, most likely first.
            models.Index(
                fields=["status", "decision", "-match_probability"], name="dup_candidate_queue"
            ),
            models.Index(fields=["customer_b"], name="dup_candidate_customer_b"),
            models.Index(fields=["sweep"], name="dup_candidate_sweep"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="dup_candidate_pair"),
            # One row per unordered pair: the lower id is always on the left.
            models.CheckConstraint(
                condition=Q(customer_a__lt=F("customer_b")), name="dup_candidate_ordered"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=MatchDecision.values), name="dup_candidate_decision_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CandidateStatus.values), name="dup_candidate_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_a_id} ~ {self.customer_b_id} ({self.match_probability:.3f})"


class MergeStatus(models.TextChoices):
    MERGED = "merged", "Merged"  # the merged record points at the survivor
    UNDONE = "undone", "Undone"  # both records are back as they were


class Merge(PersonalData, models.Model):
    """One merge: who, when, which record survived, what was chosen for each
    field, and what was moved, so that it can be undone exactly."""

    personal_data_subject = ("survivor_id", "merged_id")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survivor = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="merges_survived"
    )
    merged = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="merges_absorbed"
    )
    candidate = models.ForeignKey(
        DuplicateCandidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    status = models.CharField(
        max_length=16, choices=MergeStatus.choices, default=MergeStatus.MERGED
    )
    choices = models.JSONField(
        default=dict, help_text="Per field: which record's value the survivor kept (a or b)."
    )
    survivor_before = models.JSONField(default=dict, help_text="The survivor's fields before.")
    moved = models.JSONField(
        default=dict, help_text="What moved to the survivor, by kind: ids to move back on undo."
    )
    automatic = models.BooleanField(default=False)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        permissions = [("merge_customers", "Can merge duplicate customers and undo merges")]
        indexes = [models.Index(fields=["status", "-merged_at"], name="merge_status_date")]
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=F("merged")), name="merge_of_two_records"),
            models.CheckConstraint(
                condition=Q(status__in=MergeStatus.values), name="merge_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Merge of {self.merged_id} into {self.survivor_id}"


class HeldRowStatus(models.TextChoices):
    HELD = "held", "Held for review"  # not imported; waiting for a reviewer
    DISCARDED = "discarded", "Same customer: not imported"  # a reviewer confirmed the match
    IMPORTED = "imported", "Imported as a new customer"  # a reviewer said it is someone else


class HeldRow(PersonalData, models.Model):
    """A row of a customer import that the match model scored as a certain
    duplicate of an existing customer, held back instead of created (the
    import's ``hold_duplicates`` option). The incoming values are kept, so
    that a reviewer can still import the row as a new customer."""

    import_job = models.ForeignKey(
        "customers.ImportJob", on_delete=models.CASCADE, related_name="held_rows"
    )
    row_number = models.PositiveIntegerField(help_text="The row's number in the file.")
    values = models.JSONField(
        encoder=DjangoJSONEncoder, help_text="The row's values as cleaned by the import."
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The existing customer the row repeats.",
    )
    match_probability = models.FloatField(validators=_PROBABILITY)
    match_weight = models.FloatField()
    evidence = models.JSONField(
        default=dict, help_text="Per comparison: the level reached and its match weight."
    )
    match_model = models.ForeignKey(MatchModel, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=HeldRowStatus.choices, default=HeldRowStatus.HELD
    )
    imported_as = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The customer made from the row, when a reviewer imported it.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["import_job", "row_number"]
        constraints = [
            # A resumed import finds its held rows again instead of holding them twice.
            models.UniqueConstraint(fields=["import_job", "row_number"], name="held_row_once"),
            models.CheckConstraint(
                condition=Q(status__in=HeldRowStatus.values), name="held_row_status_known"
            ),
        ]
        indexes = [models.Index(fields=["customer"], name="held_row_customer")]

    def __str__(self) -> str:
        return f"row {self.row_number} ~ {self.customer_id} ({self.match_probability:.3f})"
