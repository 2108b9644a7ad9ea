"""Data-subject requests (GDPR Art. 15-21): registered, identity checked,
answered within a month (extendable, with a reason), and fulfilled by the
same services as everything else."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from customers.reads import PersonalData

# Art. 12(3): "within one month of receipt"; counted here as 30 days.
RESPONSE_DAYS = 30
# Art. 12(3): extendable "by two further months where necessary".
MAX_EXTENSION_DAYS = 60


class RequestKind(models.TextChoices):
    ACCESS = "access", "Access (Art. 15)"
    PORTABILITY = "portability", "Portability (Art. 20)"
    ERASURE = "erasure", "Erasure (Art. 17)"
    RECTIFICATION = "rectification", "Rectification (Art. 16)"
    RESTRICTION = "restriction", "Restriction (Art. 18)"
    OBJECTION = "objection", "Objection to direct marketing (Art. 21)"


class IdentityStatus(models.TextChoices):
    PENDING = "pending", "Not yet checked"
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Could not be verified"  # the request is refused


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    FULFILLED = "fulfilled", "Fulfilled"
    REFUSED = "refused", "Refused"


class DataSubjectRequest(PersonalData, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_subject_requests",
        help_text="Empty once the person was erased, or when they were never in the database.",
    )
    # Who asked, when they are not (or no longer) a customer record: a person
    # may ask what we hold, or object, before we hold anything about them.
    requester_name = models.CharField(max_length=200, blank=True)
    requester_contact = models.CharField(
        max_length=254, blank=True, help_text="An e-mail address or phone number to answer on."
    )
    tombstone = models.ForeignKey(
        "governance.Tombstone", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    received_via = models.CharField(
        max_length=64, help_text="How it came: email, letter, phone, web form."
    )
    identity_status = models.CharField(
        max_length=16, choices=IdentityStatus.choices, default=IdentityStatus.PENDING
    )
    identity_method = models.CharField(
        max_length=200, blank=True, help_text="How identity was checked (no document copies)."
    )
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="30 days after receipt.")
    extended_due_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    outcome = models.TextField(blank=True, help_text="What was done, or why it was refused.")
    package = models.FileField(upload_to="dsr/", blank=True, help_text="Access or portability.")
    certificate = models.JSONField(default=dict, blank=True, help_text="Erasure certificate.")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "due_at"], name="dsr_status_due")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="dsr_kind_known"),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="dsr_status_known"
            ),
            models.CheckConstraint(
                condition=Q(extended_due_at__isnull=True) | ~Q(extension_reason=""),
                name="dsr_extension_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="fulfilled") | Q(identity_status="verified"),
                name="dsr_fulfilled_only_when_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} received {self.received_at:%Y-%m-%d}"

    @property
    def effective_due_at(self) -> dt.datetime:
        return self.extended_due_at or self.due_at

    @property
    def is_overdue(self) -> bool:
        return self.status == RequestStatus.OPEN and self.effective_due_at < timezone.now()
