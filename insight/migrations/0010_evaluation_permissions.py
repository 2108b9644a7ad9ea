"""Evaluations for the roles. Marketing carries reviews out and submits the
recommendation; managers approve it (never their own). The data protection
lead may open a review for a legal or regulatory change; the data steward
reads them."""

from django.db import migrations

from insight.migrations._grants import crud, view
from mis.roles import grant_operations

_RECORDS = ("evaluationresult", "reviewtrigger")

GRANTS = {
    "Marketing staff": [*crud("evaluation"), *view(*_RECORDS)],
    "Marketing manager": [*crud("evaluation"), *view(*_RECORDS), "insight.approve_evaluation"],
    "Data steward": view("evaluation", *_RECORDS),
    "Data protection lead": [*view("evaluation", *_RECORDS), "insight.add_evaluation"],
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("insight", "0009_evaluations"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
