"""Half of each page of the metrics table is left free, so that the nightly
refresh, which moves every customer's reference day and recency, writes each
row's new version on its own page without touching the six indexes (a HOT
update). PostgreSQL only; the table's rows move into the new layout as the
refresh rewrites them."""

from django.db import migrations

TABLE = "customers_customermetrics"


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 50)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("customers", "0033_facts_indexes_cover_counts")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
