"""Who may take and read campaign snapshots.

Marketing staff and managers take snapshots for their campaigns; the data
steward, the data protection lead and the Integration role read them.
Downloading a snapshot's members is an export and needs the export
permission as well (customers.export_customer)."""

from django.db import migrations

from mis.roles import grant_operations

GRANTS = {
    "Marketing staff": ["customers.view_campaignsnapshot", "customers.add_campaignsnapshot"],
    "Marketing manager": ["customers.view_campaignsnapshot", "customers.add_campaignsnapshot"],
    "Data steward": ["customers.view_campaignsnapshot"],
    "Data protection lead": ["customers.view_campaignsnapshot"],
    "Integration": ["customers.view_campaignsnapshot"],
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("customers", "0010_campaign_snapshots"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
