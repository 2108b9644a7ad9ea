"""A public id for business cases, for their page's address. Added in three
steps so that cases already stored each get their own id."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    BusinessCase = apps.get_model("insight", "BusinessCase")
    for case in BusinessCase.objects.filter(public_id__isnull=True).only("pk"):
        case.public_id = uuid.uuid4()
        case.save(update_fields=["public_id"])


class Migration(migrations.Migration):
    dependencies = [("insight", "0013_review_interval_range")]

    operations = [
        migrations.AddField(
            model_name="businesscase",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="businesscase",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
