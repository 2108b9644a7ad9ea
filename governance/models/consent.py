"""The consent ledger: what each person agreed to, for which purpose, on which
channel, and how we know (GDPR Art. 7 proof of consent; PECR consent per channel).

``Consent`` is append-only: one row per event (granted, withdrawn, refused).
The current state of a customer x purpose x channel is its latest event
(``governance.selectors.consent_current``)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from customers.reads import PersonalData


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    PHONE = "phone", "Phone"
    POST = "post", "Post"
    ONLINE = "online", "Online (advertising, personalisation)"


class LegalBasis(models.TextChoices):
    # Art. 6(1)(a): the person agreed; withdrawing it stops the processing.
    CONSENT = "consent", "Consent"
    # Art. 6(1)(b): needed to perform a contract with the person.
    CONTRACT = "contract", "Contract"
    # Art. 6(1)(c): the law requires it.
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
    # Art. 6(1)(f): our interest, balanced against theirs; they may object.
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", "Granted"  # the person said yes
    WITHDRAWN = "withdrawn", "Withdrawn"  # said yes before, now no (or objected)
    REFUSED = "refused", "Refused"  # asked, and said no


class CaptureMethod(models.TextChoices):
    WEB_FORM = "web_form", "Web form"
    DOUBLE_OPT_IN = "double_opt_in", "Double opt-in (confirmed by email)"
    PAPER_FORM = "paper_form", "Paper form"
    PHONE_CALL = "phone_call", "Phone call"
    IN_PERSON = "in_person", "In person"
    EMAIL_REPLY = "email_reply", "Email reply"
    UNSUBSCRIBE_LINK = "unsubscribe_link", "Unsubscribe link"
    STAFF = "staff", "Recorded by staff"
    API = "api", "API"
    IMPORT = "import", "Import"


class Purpose(models.Model):
    """Why we process personal data: a line of the processing register too."""

    code = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_marketing = models.BooleanField(
        default=False, help_text="Direct marketing: an objection stops it (Art. 21(3))."
    )
    legal_basis = models.CharField(
        max_length=32, choices=LegalBasis.choices, default=LegalBasis.CONSENT
    )
    channels = models.JSONField(
        default=list,
        blank=True,
        help_text="The channels this purpose uses; empty for any channel.",
    )
    # Art. 30 register columns.
    data_categories = models.TextField(
        blank=True, help_text="Categories of personal data used, e.g. contact, demographic."
    )
    recipients = models.TextField(blank=True, help_text="Who receives the data.")
    retention = models.CharField(max_length=200, blank=True, help_text="How long it is kept.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(legal_basis__in=LegalBasis.values), name="purpose_legal_basis_known"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def needs_consent(self) -> bool:
        return self.legal_basis == LegalBasis.CONSENT

    def allows_channel(self, channel: str) -> bool:
        return not self.channels or channel in self.channels

    def clean(self) -> None:
        unknown = sorted(set(self.channels or []) - set(Channel.values))
        if unknown:
            raise ValidationError({"channels": f"Unknown channel(s): {', '.join(unknown)}."})


class ConsentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Only erasure may touch a recorded event, and only to take personal
        # data out of it (governance.services.erasure).
        if set(kwargs) - {"customer", "customer_id", "evidence", "tombstone", "tombstone_id"}:
            raise ValidationError("Consent events are append-only: record a new event instead.")
        return super().update(**kwargs)


class Consent(PersonalData, models.Model):
    """One consent event. Never edited: a change of mind is a new event."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
        help_text="Empty once the person was erased (the tombstone says so).",
    )
    tombstone = models.ForeignKey(
        "governance.Tombstone",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
        help_text="The erased person this proof belonged to.",
    )
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="consents")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=ConsentStatus.choices)
    occurred_at = models.DateTimeField(help_text="When the person gave or withdrew it.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    capture_method = models.CharField(max_length=32, choices=CaptureMethod.choices)
    source = models.CharField(
        max_length=200, help_text="Where it was captured: the form, campaign, file or system."
    )
    wording_version = models.CharField(
        max_length=64, blank=True, help_text="The version of the consent statement shown."
    )
    wording_text = models.TextField(blank=True, help_text="The exact words the person agreed to.")
    evidence = models.CharField(
        max_length=500,
        blank=True,
        help_text="Proof such as the IP address or a reference to the signed form.",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who recorded it; empty for the person themself or a system.",
    )
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The latest event per customer x purpose x channel: the current state.
            models.Index(
                fields=["customer", "purpose", "channel", "-occurred_at", "-id"],
                name="consent_latest",
            ),
            models.Index(fields=["purpose", "channel", "status"], name="consent_purpose_channel"),
            # Everyone's latest event for one purpose x channel (eligibility
            # counts): one ordered pass, no sort, no visit to the rows.
            models.Index(
                fields=["purpose", "channel", "customer", "-occurred_at", "-id"],
                include=["status", "expires_at"],
                name="consent_latest_by_purpose",
            ),
            models.Index(fields=["-occurred_at"], name="consent_occurred"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="consent_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ConsentStatus.values), name="consent_status_known"
            ),
            models.CheckConstraint(
                condition=Q(capture_method__in=CaptureMethod.values),
                name="consent_capture_method_known",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("occurred_at")),
                name="consent_expires_after_it_occurs",
            ),
            # Proof of consent: a grant says what the person agreed to.
            models.CheckConstraint(
                condition=~Q(status="granted") | ~Q(wording_version="") | ~Q(wording_text=""),
                name="consent_grant_has_wording",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} by {self.get_channel_display()}: {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Consent events are append-only: record a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Consent events are never deleted: they are the proof.")
