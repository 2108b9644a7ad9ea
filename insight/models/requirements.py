"""What the organisation needs to know about its customers, where it could
get it, and the ways of collecting it, with their costs, benefits and risks."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from insight.models.business import Level


class Need(models.TextChoices):
    MUST_HAVE = "must_have", "Must have"  # the strategy fails without it
    NICE_TO_KNOW = "nice_to_know", "Nice to know"  # useful, not essential


class MoSCoW(models.TextChoices):
    MUST = "must", "Must"
    SHOULD = "should", "Should"
    COULD = "could", "Could"
    WONT = "wont", "Won't (this time)"


def _moscow_order() -> models.Case:
    """MoSCoW in its own order (must, should, could, won't), not alphabetical."""
    return models.Case(
        *(models.When(moscow=value, then=i) for i, value in enumerate(MoSCoW.values)),
        output_field=models.IntegerField(),
    )


_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def customer_fields() -> tuple[str, ...]:
    """The data components a requirement can name: those the metrics registry
    measures (customers.metrics)."""
    from customers.metrics import MEASURED_FIELDS

    return MEASURED_FIELDS


class InformationRequirement(models.Model):
    strategy = models.ForeignKey(
        "insight.InsightStrategy",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requirements",
        help_text="Empty for a requirement of the information system itself.",
    )
    statement = models.CharField(max_length=300, help_text="What we need to know.")
    need = models.CharField(max_length=16, choices=Need.choices)
    moscow = models.CharField("MoSCoW", max_length=8, choices=MoSCoW.choices)
    marketing_objective = models.CharField(
        max_length=300, help_text="The marketing objective (and its target) this serves."
    )
    usage = models.TextField(
        blank=True, help_text="How the information is used and analysed to find insights."
    )
    fields = models.JSONField(
        default=list,
        blank=True,
        help_text='The customer data components it needs, e.g. ["email", "postcode"].',
    )
    min_completeness = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("90"),
        validators=_PERCENT,
        help_text="Each field must be filled in on at least this share of records (%).",
    )
    min_validity = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        validators=_PERCENT,
        help_text="At least this share of the filled values must be valid (%).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # MoSCoW in its own order, stored so that ordering (admin's column sorts
    # through a related model included) is by a plain column.
    moscow_rank = models.GeneratedField(
        expression=_moscow_order(), output_field=models.SmallIntegerField(), db_persist=True
    )

    class Meta:
        ordering = ["need", "moscow_rank", "pk"]
        indexes = [models.Index(fields=["need", "moscow"], name="requirement_priority")]
        constraints = [
            models.CheckConstraint(
                condition=Q(need__in=Need.values), name="requirement_need_known"
            ),
            models.CheckConstraint(
                condition=Q(moscow__in=MoSCoW.values), name="requirement_moscow_known"
            ),
            # A nice-to-know is never a MoSCoW "must": the two priorities agree.
            models.CheckConstraint(
                condition=~Q(need="nice_to_know", moscow="must"),
                name="requirement_priorities_agree",
            ),
            models.CheckConstraint(
                condition=Q(min_completeness__range=(0, 100), min_validity__range=(0, 100)),
                name="requirement_thresholds_are_percentages",
            ),
        ]

    def __str__(self) -> str:
        return self.statement

    def clean(self):
        if not isinstance(self.fields, list) or not all(isinstance(f, str) for f in self.fields):
            raise ValidationError({"fields": "Give a list of field names."})
        unknown = sorted(set(self.fields) - set(customer_fields()))
        if unknown:
            raise ValidationError(
                {
                    "fields": f"Not a customer data component: {', '.join(unknown)}. "
                    f"Known: {', '.join(customer_fields())}."
                }
            )
        if self.need == Need.NICE_TO_KNOW and self.moscow == MoSCoW.MUST:
            raise ValidationError({"moscow": "A nice-to-know cannot be a MoSCoW “must”."})
        self.fields = sorted(set(self.fields), key=list(customer_fields()).index)


class SourceKind(models.TextChoices):
    INTERNAL = "internal", "Internal"  # our own systems and people
    EXTERNAL = "external", "External"  # bought, licensed or public data


class Refresh(models.TextChoices):
    REAL_TIME = "real_time", "Real time"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    YEARLY = "yearly", "Yearly"
    AD_HOC = "ad_hoc", "Ad hoc"


class LegalBasis(models.TextChoices):
    """UK GDPR article 6 bases, and data that is not personal."""

    CONSENT = "consent", "Consent"
    CONTRACT = "contract", "Contract"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
    VITAL_INTERESTS = "vital_interests", "Vital interests"
    PUBLIC_TASK = "public_task", "Public task"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"
    NOT_PERSONAL = "not_personal", "Not personal data"


class InformationSource(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=SourceKind.choices)
    description = models.TextField(blank=True)
    annual_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    reliability = models.PositiveSmallIntegerField(
        choices=Level.choices, help_text="How far its data can be trusted, 1 to 5."
    )
    refresh = models.CharField("refresh frequency", max_length=16, choices=Refresh.choices)
    legal_basis = models.CharField(max_length=32, choices=LegalBasis.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="information_sources",
        help_text="Who answers for it inside the organisation.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind"], name="source_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="source_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(legal_basis__in=LegalBasis.values), name="source_legal_basis_known"
            ),
            models.CheckConstraint(
                condition=Q(reliability__range=(1, 5)), name="source_reliability_range"
            ),
            models.CheckConstraint(condition=Q(annual_cost__gte=0), name="source_cost_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class CollectionMethod(models.TextChoices):
    IMPORT = "import", "File import"
    API_FEED = "api_feed", "API feed"
    FORM = "form", "Web or in-store form"
    SURVEY = "survey", "Survey"
    PURCHASE = "purchase", "Bought data"
    RESEARCH = "research", "Market research"
    OBSERVATION = "observation", "Behaviour tracking"


class CollectionOption(models.Model):
    """One way to meet one requirement from one source."""

    requirement = models.ForeignKey(
        InformationRequirement, on_delete=models.CASCADE, related_name="options"
    )
    source = models.ForeignKey(InformationSource, on_delete=models.PROTECT, related_name="options")
    method = models.CharField(max_length=16, choices=CollectionMethod.choices)
    cost = models.DecimalField(max_digits=12, decimal_places=2, help_text="£ over the plan period.")
    benefit = models.PositiveSmallIntegerField(choices=Level.choices)
    risk = models.PositiveSmallIntegerField(choices=Level.choices)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["requirement_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "source", "method"], name="collection_option_unique"
            ),
            models.CheckConstraint(
                condition=Q(benefit__range=(1, 5), risk__range=(1, 5)),
                name="collection_option_levels_in_range",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0), name="collection_option_cost_positive"
            ),
            models.CheckConstraint(
                condition=Q(method__in=CollectionMethod.values),
                name="collection_option_method_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} by {self.get_method_display()} for {self.requirement}"
