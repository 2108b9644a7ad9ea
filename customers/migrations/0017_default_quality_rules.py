"""The quality rules a new installation starts with, and who may do what
with quality. Stewards change the rules in admin afterwards.

The validity rules use the codes imports give the same problems, so that a
sweep closes an import's flag once the value is fixed."""

from django.db import migrations


RULES = [
    # code, name, kind, field, stage, params, severity
    ("invalid_email", "Email is well formed", "validity", "email", "", {}, "high"),
    (
        "invalid_phone",
        "Phone is a real number for its country",
        "validity",
        "phone",
        "",
        {},
        "high",
    ),
    ("invalid_postcode", "Postcode fits its country", "validity", "postcode", "", {}, "medium"),
    (
        "implausible_date_of_birth",
        "Date of birth is plausible",
        "validity",
        "date_of_birth",
        "",
        {},
        "medium",
    ),
    ("invalid_country", "Country is an ISO 3166 code", "validity", "country", "", {}, "high"),
    (
        "missing_email_customer",
        "Customers have an email",
        "completeness",
        "email",
        "customer",
        {},
        "medium",
    ),
    (
        "missing_postcode_customer",
        "Customers have a postcode",
        "completeness",
        "postcode",
        "customer",
        {},
        "low",
    ),
    (
        "postcode_country_mismatch",
        "Postcode and country agree",
        "consistency",
        "",
        "",
        {"check": "postcode_country"},
        "medium",
    ),
    (
        "stale_verification",
        "Verified in the last 24 months",
        "currency",
        "",
        "",
        {"months": 24},
        "low",
    ),
]



def seed_rules(apps):
    QualityRule = apps.get_model("customers", "QualityRule")
    for code, name, kind, field, stage, params, severity in RULES:
        QualityRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "field": field,
                "lifecycle_stage": stage,
                "params": params,
                "severity": severity,
            },
        )


def seed(apps, schema_editor):
    seed_rules(apps)


def unseed(apps, schema_editor):
    apps.get_model("customers", "QualityRule").objects.filter(
        code__in=[rule[0] for rule in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_quality_rules_runs_redundancy"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
