"""Create the role groups with their permissions.

Permissions are normally created after all migrations ran (post_migrate), so
this migration creates the ones it needs first."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Marketing staff": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_order",
        "customers.view_orderline",
        "customers.view_attributedefinition",
        "customers.view_interest",
    ],
    "Marketing manager": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.archive_customer",
        "customers.view_sensitive_data",
        "customers.view_order",
        "customers.view_orderline",
        "customers.view_attributedefinition",
        "customers.view_interest",
    ],
    "Data steward": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.archive_customer",
        "customers.view_sensitive_data",
        "customers.view_order",
        "customers.add_order",
        "customers.change_order",
        "customers.view_orderline",
        "customers.add_orderline",
        "customers.change_orderline",
        "customers.view_attributedefinition",
        "customers.add_attributedefinition",
        "customers.change_attributedefinition",
        "customers.delete_attributedefinition",
        "customers.view_interest",
        "customers.add_interest",
        "customers.change_interest",
    ],
    "Data protection lead": [
        "customers.view_customer",
        "customers.view_sensitive_data",
        "customers.archive_customer",
        "customers.view_order",
        "customers.view_orderline",
        "customers.view_attributedefinition",
        "customers.view_interest",
        "customers.view_historicalcustomer",
    ],
    "Integration": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_order",
        "customers.add_order",
        "customers.view_orderline",
        "customers.view_attributedefinition",
        "customers.view_interest",
    ],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for code in codes:
            app_label, codename = code.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
