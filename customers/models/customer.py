import contextlib
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Upper
from django.urls import reverse
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from customers import fields as registry
from customers import validation
from customers.choices import (  # noqa: F401 (re-exported by customers.models)
    CustomerKind,
    IncomeBand,
    LifecycleStage,
    Lifestyle,
    ValuesOrientation,
)
from customers.reads import PersonalData, PersonalHistory

# Read from the field registry (customers.fields).
SENSITIVE_FIELDS = registry.sensitive_names()
DATA_COMPONENTS = registry.data_components()


class Interest(models.Model):
    """A psychographic interest tag, shared between customers (normalised lower case)."""

    name = models.CharField(max_length=registry.limit("interests", "max_length"), unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contactability(models.TextChoices):
    OK = "ok", "Reachable"  # nothing known against the contact points
    HARD_BOUNCE = "hard_bounce", "Email hard-bounced"  # the address does not exist
    GONE_AWAY = "gone_away", "Gone away"  # post returned: no longer at the address
    DECEASED = "deceased", "Deceased"  # reported deceased: never contact


class CustomerQuerySet(models.QuerySet):
    def active(self):
        # A merged record lives on only as a pointer to its survivor.
        return self.filter(archived_at__isnull=True, merged_into__isnull=True)


class Customer(PersonalData, models.Model):
    personal_data_subject = ("pk",)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    # Identity
    kind = models.CharField(
        max_length=16, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    first_name = models.CharField(max_length=registry.limit("first_name", "max_length"), blank=True)
    last_name = models.CharField(max_length=registry.limit("last_name", "max_length"), blank=True)
    organisation_name = models.CharField(
        max_length=registry.limit("organisation_name", "max_length"), blank=True
    )
    external_id = models.CharField(
        max_length=registry.limit("external_id", "max_length"),
        blank=True,
        help_text="The record's id in the system it came from.",
    )

    # Contact points, stored normalised (lower-case email, E.164 phone).
    email = models.CharField(
        max_length=registry.limit("email", "max_length"),
        blank=True,
        validators=[validation.validate_email],
    )
    phone = models.CharField(
        max_length=registry.limit("phone", "max_length"),
        blank=True,
        help_text="Stored in E.164, e.g. +447911123456.",
    )

    # Geographic
    address_line1 = models.CharField(
        "address line 1", max_length=registry.limit("address_line1", "max_length"), blank=True
    )
    address_line2 = models.CharField(
        "address line 2", max_length=registry.limit("address_line2", "max_length"), blank=True
    )
    city = models.CharField(max_length=registry.limit("city", "max_length"), blank=True)
    region = models.CharField(max_length=registry.limit("region", "max_length"), blank=True)
    postcode = models.CharField(max_length=registry.limit("postcode", "max_length"), blank=True)
    country = CountryField(blank=True, default="GB")

    # Demographic (sensitive: date_of_birth, income_band)
    date_of_birth = models.DateField(null=True, blank=True)
    occupation = models.CharField(max_length=registry.limit("occupation", "max_length"), blank=True)
    income_band = models.CharField(max_length=16, choices=IncomeBand.choices, blank=True)
    household_size = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(registry.limit("household_size", "min_value")),
            MaxValueValidator(registry.limit("household_size", "max_value")),
        ],
    )

    # Psychographic (sensitive)
    interests = models.ManyToManyField(Interest, blank=True, related_name="customers")
    lifestyle = models.CharField(max_length=32, choices=Lifestyle.choices, blank=True)
    values = models.CharField(max_length=32, choices=ValuesOrientation.choices, blank=True)

    # Custom attributes, validated against AttributeDefinition.
    attributes = models.JSONField(default=dict, blank=True)

    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.PROSPECT
    )

    # Provenance and currency
    source = models.CharField(
        max_length=100, help_text="Where the record came from (web form, an import, the API)."
    )
    field_sources = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Where each field's value came from."
    )
    last_verified_at = models.DateTimeField(null=True, blank=True)

    # Upper-cased names, email, phone and postcode in one column, so that a
    # search is one LIKE over one (trigram-indexed, on PostgreSQL) column.
    search_text = models.GeneratedField(
        expression=Upper(
            Concat(
                "first_name",
                Value(" "),
                "last_name",
                Value(" "),
                "organisation_name",
                Value(" "),
                "email",
                Value(" "),
                "phone",
                Value(" "),
                "postcode",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    # Reachability and status, which make a record redundant (see
    # customers.quality.redundant): set by stewards, imports or bounce feeds.
    contactability = models.CharField(
        max_length=16, choices=Contactability.choices, default=Contactability.OK, blank=True
    )
    is_test = models.BooleanField(default=False, help_text="A test record, not a real person.")
    # The quality score is not here: it changes nightly, and this row is wide
    # and heavily indexed (see CustomerQuality).

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Redundancy: set when this record was merged into another (the survivor);
    # its pages and API id then lead there. Undoing the merge clears it.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
        editable=False,
        # Indexed for the merged records only (Meta.indexes): every new row
        # would otherwise pay an index entry for its null.
        db_index=False,
    )

    history = HistoricalRecords(
        m2m_fields=[interests],
        excluded_fields=["search_text"],
        bases=[PersonalHistory, models.Model],
    )
    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("view_sensitive_data", "Can view sensitive customer data"),
            ("archive_customer", "Can archive customers"),
            ("export_customer", "Can export customers"),
        ]
        # Each index is used by a page, an API filter or sort, or an import's
        # lookup: docs/adr/0006-customer-indexes-each-used.md shows the plans
        # (benchmarks/customer_indexes.py prints them), and ADR 11 what each
        # costs every write. Segment rules read CustomerFacts, not this table.
        # Kind, archived_at, occupation, income band, lifestyle, values, date
        # of birth and last verified have none: a page filtered on them walks
        # created_at, and the metrics and sweeps that read them scan.
        indexes = [
            models.Index(fields=["lifecycle_stage", "-created_at"], name="customer_stage_created"),
            models.Index(fields=["country", "-created_at"], name="customer_country_created"),
            models.Index(fields=["source"], name="customer_source"),
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["phone"], name="customer_phone"),
            # Pattern ops (PostgreSQL) so that a postcode-prefix LIKE uses it.
            models.Index(
                fields=["postcode"], name="customer_postcode", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(Upper("city"), name="customer_city_upper"),
            models.Index(Upper("region"), name="customer_region_upper"),
            models.Index(Upper("last_name"), name="customer_last_name_upper"),
            # Orders and consents name their customer by its id in the source
            # system, sometimes without saying which source.
            models.Index(fields=["external_id"], name="customer_external_id"),
            # The records an import changed are checked after it, by this.
            models.Index(fields=["updated_at"], name="customer_updated"),
            # The records merged into one (a merge's undo, a deletion's check).
            models.Index(
                fields=["merged_into"],
                name="customer_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="customer_unique_source_external_id",
                violation_error_message="Another customer from this source has this external id.",
            ),
            models.CheckConstraint(
                condition=~Q(
                    first_name="", last_name="", organisation_name="", email="", external_id=""
                ),
                name="customer_has_identity",
                violation_error_message=(
                    "A customer needs an identity: a name, an organisation, an email or an "
                    "external id."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CustomerKind.values), name="customer_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(lifecycle_stage__in=LifecycleStage.values),
                name="customer_lifecycle_stage_known",
            ),
            models.CheckConstraint(
                condition=Q(household_size__isnull=True) | Q(household_size__gte=1),
                name="customer_household_size_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", kwargs={"public_id": self.public_id})

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.ORGANISATION and self.organisation_name:
            return self.organisation_name
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.organisation_name or self.email or self.external_id

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def normalise(self) -> None:
        """Put every value in its canonical form (trimmed names, lower-case
        email, ISO country, E.164 phone, spaced postcode). Runs before the
        field validators, so they judge the canonical value."""
        for name in (
            "first_name",
            "last_name",
            "organisation_name",
            "city",
            "region",
            "occupation",
        ):
            setattr(self, name, " ".join((getattr(self, name) or "").split()))
        self.external_id = (self.external_id or "").strip()
        self.email = validation.normalise_email(self.email)
        self.country = validation.normalise_country(str(self.country or ""))
        country = str(self.country) if str(self.country) in validation.country_codes() else None
        with contextlib.suppress(ValidationError):  # left as given; clean() reports it
            self.phone = validation.normalise_phone(self.phone, country)
        self.postcode = validation.normalise_postcode(self.postcode, country)

    def clean_fields(self, exclude=None) -> None:
        self.normalise()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Checks that depend on more than one field. Raises one ValidationError
        with a message per field."""
        errors: dict[str, list] = {}

        def check(field, func, *args):
            try:
                return func(*args)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
                return None

        # An unknown country is reported by the field's own choices check.
        country = str(self.country) if str(self.country) in validation.country_codes() else None
        check("phone", validation.normalise_phone, self.phone, country)
        check("postcode", validation.validate_postcode, self.postcode, country)
        check("date_of_birth", validation.validate_date_of_birth, self.date_of_birth)

        if self.kind == CustomerKind.ORGANISATION and not self.organisation_name:
            errors.setdefault("organisation_name", []).append("An organisation needs its name.")
        # "Needs an identity" is the customer_has_identity constraint's message;
        # full_clean() validates constraints, so it is not repeated here.
        stored = None
        if self.pk and self.attributes:
            stored = (
                type(self).objects.filter(pk=self.pk).values_list("attributes", flat=True).first()
            )
        attributes = check("attributes", clean_attributes, self.attributes, None, stored)
        if attributes is not None:
            self.attributes = attributes
        if errors:
            raise ValidationError(errors)


def clean_attributes(values, definitions=None, stored: dict | None = None) -> dict:
    """Validate custom attribute values against their definitions.

    ``definitions`` (name -> AttributeDefinition) may be passed by bulk callers
    so that they look the definitions up once. ``stored`` is what the record
    holds now, against which values of retired attributes are judged. Empty
    values are dropped.
    """
    from customers.models.attributes import AttributeDefinition

    if values is None or values == "" or values == {}:
        return {}
    if not isinstance(values, dict):
        raise ValidationError("Attributes must be an object of name: value.")
    if definitions is None:
        definitions = {d.name: d for d in AttributeDefinition.objects.all()}
    cleaned, problems = {}, []
    for name, raw in values.items():
        definition = definitions.get(name)
        if definition is None:
            problems.append(f"“{name}” is not a defined attribute.")
            continue
        if not definition.is_active:
            # A retired attribute keeps the value a record already has, so that
            # retiring it does not make every such record unsavable; it takes
            # no new values.
            if stored is not None and name in stored and stored[name] == raw:
                cleaned[name] = raw
            else:
                problems.append(f"“{name}” is retired and takes no new values.")
            continue
        try:
            value = definition.clean_value(raw)
        except ValidationError as exc:
            problems.extend(f"{name}: {message}" for message in exc.messages)
            continue
        if value is not None:
            cleaned[name] = value
    if problems:
        raise ValidationError(problems)
    return cleaned
