"""The field registry: one declaration per field of the customer record.

Each field says once what every face of the software needs to know about it:
its data component, its type and limits, whether it is personal and whether
it is sensitive (masked for users without customers.view_sensitive_data),
the column an import reads and an export writes (and the other spellings an
import recognises), the segment rule that filters on it, and what erasure
does to it.

The model takes its limits from here; the import mapping and cleaning,
masking, the API's input serializer, segment rules, the export, erasure and
the processing register read the registry. Adding a customer field is a
change to this list, the model and a migration.

The faces read ``FIELDS`` when they are called (not a copy taken at import
time), so that a test can add a field and see every face take it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from customers.choices import CustomerKind, IncomeBand, LifecycleStage, Lifestyle, ValuesOrientation


class Type(StrEnum):
    TEXT = "text"  # one line, spaces collapsed
    EMAIL = "email"  # lower case, checked
    PHONE = "phone"  # E.164, read for the record's country
    POSTCODE = "postcode"  # upper case, shaped and checked for the record's country
    COUNTRY = "country"  # ISO 3166-1 alpha-2, from a code or an English name
    CHOICE = "choice"  # one of ``choices``, by value or label
    DATE = "date"
    DATETIME = "datetime"
    INTEGER = "integer"  # between ``min_value`` and ``max_value``
    TAGS = "tags"  # a set of short lower-case names (many-to-many)


class Erasure(StrEnum):
    BLANK = "blank"  # emptied ("" or null; tags removed)
    KEEP = "keep"  # kept: says nothing about who the person was
    REPLACE = "replace"  # replaced by the tombstone's reference (external_id)


class Export(StrEnum):
    IMPORTABLE = "importable"  # in the columns an import reads, so an export can be re-imported
    RECORD = "record"  # exported after them, with the rest of the record


class SegmentRule(StrEnum):
    CHOICE = "choice"  # "any of" the field's choices
    ANY_TEXT = "any_text"  # "any of" free texts, case-insensitive
    CUSTOM = "custom"  # written by hand in customers.segments.rules (age, interests...)


# The data components of a record, in the order pages show them; "record"
# holds the fields about the record rather than the person.
COMPONENTS = ("identity", "contact", "geographic", "demographic", "psychographic")


@dataclass(frozen=True)
class CustomerField:
    name: str  # the model field
    label: str
    component: str
    type: Type
    max_length: int | None = None  # text; for tags, of each tag
    min_value: int | None = None
    max_value: int | None = None
    choices: type[models.TextChoices] | None = None
    personal: bool = True  # says something about a person (GDPR)
    sensitive: bool = False  # masked without customers.view_sensitive_data
    column: str = ""  # the import and export column, when not the name
    aliases: tuple[str, ...] = ()  # other headers an import maps to it
    export: Export = Export.IMPORTABLE
    segment: SegmentRule | None = None
    segment_name: str = ""  # the segment rule type's name, when not the field's
    erasure: Erasure = Erasure.BLANK
    # An import's blank value keeps the record's (a required field with a default).
    blank_keeps: bool = False

    @property
    def import_column(self) -> str:
        return self.column or self.name

    @property
    def rule_name(self) -> str:
        return self.segment_name or self.name

    @property
    def empty(self):
        """The value of an empty field."""
        return None if self.type in (Type.DATE, Type.DATETIME, Type.INTEGER) else ""

    def limits_text(self) -> str:
        if self.type == Type.INTEGER:
            return f"{self.min_value} to {self.max_value}"
        return f"at most {self.max_length} characters" if self.max_length else ""


_TEXT = Type.TEXT

# In the order an import's canonical columns (and an export) list them.
FIELDS: tuple[CustomerField, ...] = (
    CustomerField(
        "kind",
        "kind",
        "identity",
        Type.CHOICE,
        max_length=16,
        choices=CustomerKind,
        personal=False,
        export=Export.RECORD,
        erasure=Erasure.KEEP,
        blank_keeps=True,
    ),
    CustomerField(
        "external_id",
        "external id",
        "identity",
        _TEXT,
        max_length=100,
        aliases=("id", "customer_id", "customer_number", "crm_id", "contact_id", "ref"),
        erasure=Erasure.REPLACE,
    ),
    CustomerField(
        "first_name",
        "first name",
        "identity",
        _TEXT,
        max_length=100,
        aliases=("firstname", "forename", "given_name", "first"),
    ),
    CustomerField(
        "last_name",
        "last name",
        "identity",
        _TEXT,
        max_length=100,
        aliases=("lastname", "surname", "family_name", "last"),
    ),
    CustomerField(
        "organisation_name",
        "organisation name",
        "identity",
        _TEXT,
        max_length=200,
        column="organisation",
        aliases=("organisation_name", "organization", "company", "company_name", "account"),
    ),
    CustomerField(
        "email",
        "email",
        "contact",
        Type.EMAIL,
        max_length=254,
        aliases=("e_mail", "email_address", "mail"),
    ),
    CustomerField(
        "phone",
        "phone",
        "contact",
        Type.PHONE,
        max_length=20,
        aliases=("telephone", "tel", "mobile", "phone_number", "mobile_number"),
    ),
    CustomerField(
        "address_line1",
        "address line 1",
        "geographic",
        _TEXT,
        max_length=200,
        aliases=("address", "address1", "street", "address_line_1"),
    ),
    CustomerField(
        "address_line2",
        "address line 2",
        "geographic",
        _TEXT,
        max_length=200,
        aliases=("address2", "address_line_2"),
    ),
    CustomerField(
        "city",
        "city",
        "geographic",
        _TEXT,
        max_length=100,
        aliases=("town", "town_city", "locality"),
        segment=SegmentRule.ANY_TEXT,
    ),
    CustomerField(
        "region",
        "region",
        "geographic",
        _TEXT,
        max_length=100,
        aliases=("county", "state", "province"),
        segment=SegmentRule.ANY_TEXT,
    ),
    CustomerField(
        "postcode",
        "postcode",
        "geographic",
        Type.POSTCODE,
        max_length=16,
        aliases=("post_code", "zip", "zip_code", "postal_code"),
        segment=SegmentRule.CUSTOM,
        segment_name="postcode_prefix",
    ),
    CustomerField(
        "country",
        "country",
        "geographic",
        Type.COUNTRY,
        max_length=2,
        aliases=("country_code",),
        segment=SegmentRule.CUSTOM,
        # Kept: a country alone does not tell who someone was.
        erasure=Erasure.KEEP,
    ),
    CustomerField(
        "date_of_birth",
        "date of birth",
        "demographic",
        Type.DATE,
        sensitive=True,
        aliases=("dob", "birth_date", "birthday"),
        segment=SegmentRule.CUSTOM,
        segment_name="age",
    ),
    CustomerField(
        "occupation",
        "occupation",
        "demographic",
        _TEXT,
        max_length=100,
        aliases=("job", "job_title", "profession"),
        segment=SegmentRule.ANY_TEXT,
    ),
    CustomerField(
        "income_band",
        "income band",
        "demographic",
        Type.CHOICE,
        max_length=16,
        choices=IncomeBand,
        sensitive=True,
        segment=SegmentRule.CHOICE,
    ),
    CustomerField(
        "household_size",
        "household size",
        "demographic",
        Type.INTEGER,
        min_value=1,
        max_value=30,
        aliases=("household",),
    ),
    CustomerField(
        "interests",
        "interests",
        "psychographic",
        Type.TAGS,
        max_length=64,
        sensitive=True,
        segment=SegmentRule.CUSTOM,
    ),
    CustomerField(
        "lifestyle",
        "lifestyle",
        "psychographic",
        Type.CHOICE,
        max_length=32,
        choices=Lifestyle,
        sensitive=True,
        export=Export.RECORD,
        segment=SegmentRule.CHOICE,
    ),
    CustomerField(
        "values",
        "values",
        "psychographic",
        Type.CHOICE,
        max_length=32,
        choices=ValuesOrientation,
        sensitive=True,
        export=Export.RECORD,
        segment=SegmentRule.CHOICE,
    ),
    CustomerField(
        "lifecycle_stage",
        "lifecycle stage",
        "record",
        Type.CHOICE,
        max_length=16,
        choices=LifecycleStage,
        personal=False,
        aliases=("stage", "status", "lifecycle"),
        segment=SegmentRule.CHOICE,
        erasure=Erasure.KEEP,
        blank_keeps=True,
    ),
    CustomerField(
        "last_verified_at",
        "last verified at",
        "record",
        Type.DATETIME,
        personal=False,
        aliases=("verified_at", "last_verified"),
    ),
)

# The model's fields that are not the person's data but the record's
# machinery; a test checks that every other field is in the registry.
SYSTEM_FIELDS = (
    "id",
    "public_id",
    "attributes",  # custom attributes: defined as data (AttributeDefinition)
    "source",
    "field_sources",
    "search_text",
    "contactability",
    "is_test",
    "created_at",
    "updated_at",
    "archived_at",
    "merged_into",
)


def limit(name: str, attribute: str):
    """One limit of one field (for the model's declaration)."""
    return getattr(by_name(name), attribute)


def by_name(name: str) -> CustomerField:
    for spec in FIELDS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def by_column(column: str) -> CustomerField | None:
    for spec in FIELDS:
        if spec.import_column == column:
            return spec
    return None


def names() -> tuple[str, ...]:
    return tuple(spec.name for spec in FIELDS)


def sensitive_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in FIELDS if spec.sensitive)


def data_components() -> dict[str, tuple[str, ...]]:
    """Component -> its fields, for the components pages show."""
    return {
        component: tuple(spec.name for spec in FIELDS if spec.component == component)
        for component in COMPONENTS
    }


def import_columns() -> tuple[str, ...]:
    """The columns an import recognises, the canonical (re-importable) ones first."""
    return (
        *importable_columns(),
        *(s.import_column for s in FIELDS if s.export != Export.IMPORTABLE),
    )


def importable_columns() -> tuple[str, ...]:
    """The canonical columns: an export writes them under these names so that
    it can be imported again."""
    return tuple(s.import_column for s in FIELDS if s.export == Export.IMPORTABLE)


def record_export_columns() -> tuple[str, ...]:
    return tuple(s.import_column for s in FIELDS if s.export == Export.RECORD)


def import_aliases() -> dict[str, tuple[str, ...]]:
    return {s.import_column: s.aliases for s in FIELDS if s.aliases}


def sensitive_columns() -> dict[str, str]:
    """Import/export column -> field, for the sensitive fields."""
    return {s.import_column: s.name for s in FIELDS if s.sensitive}


def erased_values() -> dict:
    """What erasure writes over each blanked field (tags are many-to-many:
    erasure deletes them)."""
    return {s.name: s.empty for s in FIELDS if s.erasure == Erasure.BLANK and s.type != Type.TAGS}
