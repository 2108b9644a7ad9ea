"""Exporting customers is its own permission (customers.export_customer).

The roles that answer for the data may export it. Marketing staff may not, and
neither may the Integration role: it syncs through the paginated API, and a
long-lived token that can take the whole database in one request is a risk
the sync does not need. The data protection lead also reads the record of
exports (admin)."""

from django.db import migrations

from mis.roles import grant_operations

GRANTS = {
    "Marketing manager": ["customers.export_customer"],
    "Data steward": ["customers.export_customer"],
    "Data protection lead": ["customers.export_customer", "customers.view_customerexport"],
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("customers", "0005_customer_exports"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
