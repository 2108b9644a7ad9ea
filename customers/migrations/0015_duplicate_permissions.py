"""Who may review duplicates, merge them and train the match model.

Merging changes two people's records and moves their orders and consents, so
it is the data steward's (customers.merge_customers), who also starts sweeps,
retrains the match model and marks pairs as not the same. Marketing staff and
managers see the review queue and past merges (they often know the customer)
but do not merge. The data protection lead reads the queue and the record of
merges."""

from django.db import migrations

from mis.roles import grant_operations

_SEE = ["customers.view_duplicatecandidate", "customers.view_merge"]

GRANTS = {
    "Marketing staff": _SEE,
    "Marketing manager": [
        *_SEE,
        "customers.view_matchmodel",
        "customers.view_duplicatesweep",
    ],
    "Data steward": [
        *_SEE,
        "customers.change_duplicatecandidate",
        "customers.merge_customers",
        "customers.view_matchmodel",
        "customers.add_matchmodel",
        "customers.change_matchmodel",
        "customers.view_duplicatesweep",
        "customers.add_duplicatesweep",
    ],
    "Data protection lead": _SEE,
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("customers", "0014_duplicates"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
