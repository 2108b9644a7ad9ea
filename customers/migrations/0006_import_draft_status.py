from django.db import migrations, models


class Migration(migrations.Migration):
    """Imports started in the upload wizard wait as drafts while their columns
    are mapped, so that no worker runs them before the person says so."""

    dependencies = [
        ("customers", "0005_customer_exports"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="importjob", name="import_status_known"),
        migrations.AlterField(
            model_name="importjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("pending", "Pending"),
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="importjob",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["draft", "pending", "running", "succeeded", "failed"])
                ),
                name="import_status_known",
            ),
        ),
    ]
