"""What each role may do with consent, suppression and governance records.

Everyone who talks to customers may record a grant or a withdrawal (and so an
objection): withdrawal must be as easy as giving consent. Purposes (and the
processing register they make up) are the data protection lead's and the
steward's to edit. The suppression list and the audit events are read by
those who answer for the data."""

from django.db import migrations

from mis.roles import grant_operations

_RECORD_CONSENT = ["governance.view_purpose", "governance.view_consent", "governance.add_consent"]

GRANTS = {
    "Marketing staff": [*_RECORD_CONSENT],
    "Marketing manager": [
        *_RECORD_CONSENT,
        "governance.view_suppressionentry",
        "governance.view_auditevent",
    ],
    "Data steward": [
        *_RECORD_CONSENT,
        "governance.add_purpose",
        "governance.change_purpose",
        "governance.view_suppressionentry",
    ],
    "Data protection lead": [
        *_RECORD_CONSENT,
        "governance.add_purpose",
        "governance.change_purpose",
        "governance.view_suppressionentry",
        "governance.add_suppressionentry",
        "governance.view_auditevent",
    ],
    "Integration": [*_RECORD_CONSENT],
}


grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_purposes"),
        ("mis", "0002_export_permission"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
