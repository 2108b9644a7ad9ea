"""Custom attributes: data components a team adds without a migration.

A definition says the attribute's name, type and (for choices) allowed values;
customer records keep their values in ``Customer.attributes`` and every write
goes through ``AttributeDefinition.clean_value``.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords


class AttributeType(models.TextChoices):
    TEXT = "text", "Text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Decimal number"
    BOOLEAN = "boolean", "Yes / no"
    DATE = "date", "Date"
    CHOICE = "choice", "One of a list"


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class AttributeDefinition(models.Model):
    name = models.CharField(
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$",
                "Use lower-case letters, digits and underscores, starting with a letter.",
            )
        ],
        help_text="Key used in the API and in import columns (attributes.<name>).",
    )
    label = models.CharField(max_length=120)
    data_type = models.CharField(max_length=16, choices=AttributeType.choices)
    allowed_values = models.JSONField(
        default=list, blank=True, help_text="For 'One of a list': the values allowed."
    )
    help_text = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(data_type__in=AttributeType.values),
                name="attribute_data_type_known",
            )
        ]

    def __str__(self) -> str:
        return self.label or self.name

    def clean(self) -> None:
        if self.data_type == AttributeType.CHOICE:
            if not isinstance(self.allowed_values, list) or not self.allowed_values:
                raise ValidationError(
                    {"allowed_values": "A 'One of a list' attribute needs its allowed values."}
                )
            if not all(isinstance(v, str) and v for v in self.allowed_values):
                raise ValidationError({"allowed_values": "Allowed values must be non-empty text."})
        elif self.allowed_values:
            raise ValidationError(
                {"allowed_values": "Only 'One of a list' attributes have allowed values."}
            )

    def clean_value(self, raw):
        """Return the JSON-storable value of ``raw`` for this attribute, or raise
        ValidationError saying why it does not fit. Empty means 'no value' (None)."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            return None
        kind = self.data_type
        try:
            if kind == AttributeType.TEXT:
                return str(raw).strip()
            if kind == AttributeType.INTEGER:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError
                return int(str(raw).strip())
            if kind == AttributeType.DECIMAL:
                if isinstance(raw, bool):
                    raise ValueError
                value = Decimal(str(raw).strip())
                if not value.is_finite():
                    raise ValueError
                return str(value)
            if kind == AttributeType.BOOLEAN:
                if isinstance(raw, bool):
                    return raw
                text = str(raw).strip().lower()
                if text in _TRUE:
                    return True
                if text in _FALSE:
                    return False
                raise ValueError
            if kind == AttributeType.DATE:
                return date.fromisoformat(str(raw).strip()).isoformat()
            if kind == AttributeType.CHOICE:
                if str(raw) not in self.allowed_values:
                    raise ValidationError(
                        "“%(value)s” is not one of: %(allowed)s.",
                        code="invalid_choice",
                        params={"value": raw, "allowed": ", ".join(self.allowed_values)},
                    )
                return str(raw)
        except (ValueError, InvalidOperation):
            raise ValidationError(
                "“%(value)s” is not a valid %(type)s.",
                code="invalid_attribute",
                params={"value": raw, "type": self.get_data_type_display().lower()},
            ) from None
        raise ValidationError(f"Unknown attribute type {kind!r}.")
