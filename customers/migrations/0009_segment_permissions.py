"""Who may build and read segments.

Marketing staff and managers build segments (managers may also delete them);
the data steward and the data protection lead read them and their versions;
the Integration role reads segments and their members through the API."""

from django.db import migrations

from mis.roles import grant_operations

GRANTS = {
    "Marketing staff": [
        "customers.view_segment",
        "customers.add_segment",
        "customers.change_segment",
        "customers.view_segmentversion",
    ],
    "Marketing manager": [
        "customers.view_segment",
        "customers.add_segment",
        "customers.change_segment",
        "customers.delete_segment",
        "customers.view_segmentversion",
    ],
    "Data steward": ["customers.view_segment", "customers.view_segmentversion"],
    "Data protection lead": ["customers.view_segment", "customers.view_segmentversion"],
    "Integration": ["customers.view_segment"],
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("customers", "0008_segments"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
