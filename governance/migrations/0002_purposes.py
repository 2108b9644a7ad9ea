"""The purposes every organisation starts with. Edit them in admin; codes are
what forms, the API and imports use."""

from django.db import migrations

PURPOSES = [
    {
        "code": "email_marketing",
        "label": "Email marketing",
        "is_marketing": True,
        "legal_basis": "consent",
        "channels": ["email"],
        "description": "Newsletters and offers by email (PECR: consent per channel).",
        "data_categories": "identity, contact (email)",
        "recipients": "Marketing team; email service provider (processor)",
        "retention": "Until consent is withdrawn, or 24 months without engagement",
    },
    {
        "code": "sms_marketing",
        "label": "SMS marketing",
        "is_marketing": True,
        "legal_basis": "consent",
        "channels": ["sms"],
        "description": "Offers by text message (PECR: consent per channel).",
        "data_categories": "identity, contact (phone)",
        "recipients": "Marketing team; SMS gateway (processor)",
        "retention": "Until consent is withdrawn, or 24 months without engagement",
    },
    {
        "code": "phone_marketing",
        "label": "Phone marketing",
        "is_marketing": True,
        "legal_basis": "consent",
        "channels": ["phone"],
        "description": "Sales and service calls about offers.",
        "data_categories": "identity, contact (phone)",
        "recipients": "Sales team",
        "retention": "Until consent is withdrawn, or 24 months without engagement",
    },
    {
        "code": "post_marketing",
        "label": "Post marketing",
        "is_marketing": True,
        "legal_basis": "legitimate_interests",
        "channels": ["post"],
        "description": "Catalogues and letters to customers (legitimate interests; an "
        "objection stops it).",
        "data_categories": "identity, geographic (postal address)",
        "recipients": "Marketing team; mailing house (processor)",
        "retention": "While a customer, and 36 months after the last order",
    },
    {
        "code": "profiling",
        "label": "Profiling and segmentation",
        "is_marketing": True,
        "legal_basis": "consent",
        "channels": [],
        "description": "Using buying patterns, demographic and psychographic data to tailor "
        "marketing.",
        "data_categories": "demographic, psychographic, buying pattern",
        "recipients": "Marketing and insight teams",
        "retention": "Until consent is withdrawn",
    },
    {
        "code": "partner_sharing",
        "label": "Sharing with partners",
        "is_marketing": True,
        "legal_basis": "consent",
        "channels": [],
        "description": "Passing contact details to named partners for their own marketing.",
        "data_categories": "identity, contact",
        "recipients": "Named partner organisations (controllers)",
        "retention": "Until consent is withdrawn",
    },
]


def seed(apps, schema_editor):
    Purpose = apps.get_model("governance", "Purpose")
    for spec in PURPOSES:
        Purpose.objects.update_or_create(code=spec["code"], defaults=spec)


def unseed(apps, schema_editor):
    apps.get_model("governance", "Purpose").objects.filter(
        code__in=[p["code"] for p in PURPOSES], consents__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
