"""The collection plan and insights for the roles: marketing plans and
records insights, managers too (and may delete); the data steward and the
data protection lead read them."""

from django.db import migrations

from insight.migrations._grants import crud, view
from mis.roles import grant_operations

_MODELS = ("collectiontask", "insight")

GRANTS = {
    "Marketing staff": crud(*_MODELS),
    "Marketing manager": crud(*_MODELS, delete=True),
    "Data steward": view(*_MODELS),
    "Data protection lead": view(*_MODELS),
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("insight", "0007_plan_and_insights"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
