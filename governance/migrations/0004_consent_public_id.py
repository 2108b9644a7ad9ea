"""Consent events get a public UUID for the API (sequential ids stay inside)."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    Consent = apps.get_model("governance", "Consent")
    for event in Consent.objects.filter(public_id__isnull=True).only("pk").iterator():
        Consent.objects.filter(pk=event.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_purposes"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent", name="public_id", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="consent",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
