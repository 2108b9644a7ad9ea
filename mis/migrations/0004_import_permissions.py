"""Who may import files, and who may follow imports.

The roles that add and change customers may start imports (Marketing staff,
the manager, the data steward, and Integration through the API); the data
protection lead may look at imports and their figures but not start one."""

import importlib

from django.db import migrations

_grants = importlib.import_module("mis.migrations.0002_export_permission")

IMPORTERS = ["customers.add_importjob", "customers.view_importjob"]
GRANTS = {
    "Marketing staff": IMPORTERS,
    "Marketing manager": IMPORTERS,
    "Data steward": IMPORTERS,
    "Integration": IMPORTERS,
    "Data protection lead": ["customers.view_importjob"],
}


def grant(apps, schema_editor):
    _grants.grant_roles(apps, GRANTS)


def revoke(apps, schema_editor):
    _grants.revoke_roles(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0003_metric_snapshots"),
        ("customers", "0006_import_draft_status"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
