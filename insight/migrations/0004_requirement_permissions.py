"""Requirements, sources and collection options for the roles.

Marketing writes requirements and options; the data steward also keeps the
register of sources (they answer for where data comes from); the data
protection lead reads everything, legal bases included."""

from django.db import migrations

from insight.migrations._grants import crud, view
from mis.roles import grant_operations

_MODELS = ("informationrequirement", "informationsource", "collectionoption")

GRANTS = {
    "Marketing staff": crud(*_MODELS),
    "Marketing manager": crud(*_MODELS, delete=True),
    "Data steward": [*crud("informationsource"), *view("informationrequirement", "collectionoption")],
    "Data protection lead": view(*_MODELS),
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("insight", "0003_requirements_and_sources"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
