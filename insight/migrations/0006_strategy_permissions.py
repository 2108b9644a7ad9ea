"""Strategies and success criteria for the roles.

Marketing writes strategies and their criteria and takes them to
consultation; managers approve, conclude and retire them (never their own).
The data steward and the data protection lead read them."""

from django.db import migrations

from insight.migrations._grants import crud, view
from mis.roles import grant_operations

_MODELS = ("insightstrategy", "successcriterion")

GRANTS = {
    "Marketing staff": crud(*_MODELS),
    "Marketing manager": [*crud(*_MODELS, delete=True), "insight.approve_insightstrategy"],
    "Data steward": view(*_MODELS),
    "Data protection lead": view(*_MODELS),
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("insight", "0005_strategies"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
