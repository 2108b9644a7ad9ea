"""Exporting customers is its own permission (customers.export_customer).

The roles that answer for the data may export it. Marketing staff may not, and
neither may the Integration role: it syncs through the paginated API, and a
long-lived token that can take the whole database in one request is a risk
the sync does not need. The data protection lead also reads the record of
exports (admin).

Permissions are normally created after all migrations ran (post_migrate), so
this migration creates the ones it needs first, as 0001 does."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Marketing manager": ["customers.export_customer"],
    "Data steward": ["customers.export_customer"],
    "Data protection lead": ["customers.export_customer", "customers.view_customerexport"],
}


def _permissions(apps, codes):
    Permission = apps.get_model("auth", "Permission")
    for code in codes:
        app_label, codename = code.split(".")
        yield Permission.objects.get(content_type__app_label=app_label, codename=codename)


def grant_roles(apps, grants):
    """Give role groups permissions; later migrations that grant more use it."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    for role, codes in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(apps, codes))


def revoke_roles(apps, grants):
    Group = apps.get_model("auth", "Group")
    for role, codes in grants.items():
        for group in Group.objects.filter(name=role):
            group.permissions.remove(*_permissions(apps, codes))


def grant(apps, schema_editor):
    grant_roles(apps, GRANTS)


def revoke(apps, schema_editor):
    revoke_roles(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("customers", "0005_customer_exports"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
