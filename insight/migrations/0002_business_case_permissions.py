"""Business cases, stakeholders and consultations for the roles.

Marketing staff and managers write cases and record consultations; only
managers approve or reject (and never their own case: the service says so).
The data steward and the data protection lead read them, and the data
protection lead is consulted as a stakeholder."""

from django.db import migrations

from insight.migrations._grants import crud, view
from mis.roles import grant_operations

_CASE = ("businesscase", "businesscaseobjective", "businesscaseoption", "businesscaserisk")
_PEOPLE = ("stakeholder", "consultation")

GRANTS = {
    "Marketing staff": [*crud(*_CASE, *_PEOPLE), *view("transition")],
    "Marketing manager": [
        *crud(*_CASE, *_PEOPLE, delete=True),
        *view("transition"),
        "insight.approve_businesscase",
    ],
    "Data steward": view(*_CASE, *_PEOPLE, "transition"),
    "Data protection lead": view(*_CASE, *_PEOPLE, "transition"),
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("insight", "0001_business_cases"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
