"""The record of processing activities (GDPR Art. 30) and the tags of the
customer record's fields.

Each field's category is its data component and its sensitivity comes from
customers.models.SENSITIVE_FIELDS, the same constants that drive masking and
the export's columns, so the register cannot drift from what the software
does."""

from __future__ import annotations

from customers.models import DATA_COMPONENTS, SENSITIVE_FIELDS, Customer
from governance.models import Purpose, RetentionPolicy

REGISTER_COLUMNS = (
    "purpose",
    "code",
    "legal_basis",
    "direct_marketing",
    "channels",
    "data_categories",
    "recipients",
    "retention",
    "active",
)


def field_tags() -> list[dict]:
    """One row per field of the customer record: its category (data
    component) and whether it is sensitive (masked without the permission)."""
    rows = []
    for component, names in DATA_COMPONENTS.items():
        for name in names:
            rows.append(
                {
                    "field": name,
                    "label": str(Customer._meta.get_field(name).verbose_name),
                    "category": component,
                    "sensitive": name in SENSITIVE_FIELDS,
                }
            )
    rows.append(
        {
            "field": "attributes",
            "label": "custom attributes",
            "category": "custom",
            "sensitive": False,
        }
    )
    return rows


def register_rows() -> list[dict]:
    return [
        {
            "purpose": purpose.label,
            "code": purpose.code,
            "legal_basis": purpose.get_legal_basis_display(),
            "direct_marketing": "yes" if purpose.is_marketing else "no",
            "channels": ", ".join(purpose.channels) or "any",
            "data_categories": purpose.data_categories,
            "recipients": purpose.recipients,
            "retention": purpose.retention,
            "active": "yes" if purpose.is_active else "no",
        }
        for purpose in Purpose.objects.order_by("label")
    ]


def retention_rows() -> list[RetentionPolicy]:
    return list(RetentionPolicy.objects.filter(is_active=True).order_by("name"))
