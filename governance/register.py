"""The record of processing activities (GDPR Art. 30) and the tags of the
customer record's fields.

Each field's category, whether it is personal and whether it is sensitive
come from the field registry (customers.fields), the declarations that drive
masking, the export's columns and erasure, so the register cannot drift from
what the software does."""

from __future__ import annotations

from customers import fields as registry
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
    rows = [
        {
            "field": spec.name,
            "label": spec.label,
            "category": spec.component,
            "personal": spec.personal,
            "sensitive": spec.sensitive,
            "erasure": spec.erasure.value,
        }
        for spec in registry.FIELDS
    ]
    rows.append(
        {
            "field": "attributes",
            "label": "custom attributes",
            "category": "custom",
            "personal": True,
            "sensitive": False,
            "erasure": registry.Erasure.BLANK.value,
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
