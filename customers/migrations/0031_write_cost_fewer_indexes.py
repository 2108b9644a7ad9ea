"""Cheaper writes to the customer table (docs/adr/0011): the indexes only
segment rules used go (segments read CustomerFacts), the merged records are
indexed alone, and the facts triggers are installed again in their cheaper
form (an update that changes no copied field writes nothing to the facts)."""

import django.db.models.deletion
from django.db import migrations, models


def install_triggers(apps, schema_editor):
    """The facts triggers as the code now writes them (idempotent)."""
    if schema_editor.connection.vendor == "postgresql":
        from customers.segments import facts

        schema_editor.execute(facts.install_sql(), params=None)

LIVE_ID = (
    "CREATE INDEX IF NOT EXISTS customer_live_id ON customers_customer (id) "
    "WHERE archived_at IS NULL AND merged_into_id IS NULL"
)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0030_segment_version_sensitivity"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customer_income_band"),
        migrations.RemoveIndex(model_name="customer", name="customer_dob"),
        migrations.RemoveIndex(model_name="customer", name="customer_lifestyle"),
        migrations.RemoveIndex(model_name="customer", name="customer_values"),
        migrations.RemoveIndex(model_name="customer", name="customer_occupation_upper"),
        migrations.RemoveIndex(model_name="customer", name="customer_last_verified"),
        # Served segment counts joining the buying pattern; they read the facts now.
        migrations.RunSQL("DROP INDEX IF EXISTS customer_live_id", LIVE_ID),
        migrations.AlterField(
            model_name="customer",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_records",
                to="customers.customer",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="customer_merged_into",
            ),
        ),
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
