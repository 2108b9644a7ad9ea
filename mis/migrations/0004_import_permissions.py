"""Who may import files, and who may follow imports.

The roles that add and change customers may start imports (Marketing staff,
the manager, the data steward, and Integration through the API); the data
protection lead may look at imports and their figures but not start one."""

from django.db import migrations

from mis.roles import grant_operations

IMPORTERS = ["customers.add_importjob", "customers.view_importjob"]
GRANTS = {
    "Marketing staff": IMPORTERS,
    "Marketing manager": IMPORTERS,
    "Data steward": IMPORTERS,
    "Integration": IMPORTERS,
    "Data protection lead": ["customers.view_importjob"],
}


grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0003_metric_snapshots"),
        ("customers", "0006_import_draft_status"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
