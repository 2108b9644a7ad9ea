"""An index of the live customers' keys (not archived, not merged), so that a
segment count joining CustomerMetrics reads a narrow index instead of the
whole, wide customer table. Written as SQL (valid on PostgreSQL and SQLite)
so that the customer model, which other features change, is not touched;
like the trigram index of 0002, it is not part of the model state."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS customer_live_id ON customers_customer (id) "
    "WHERE archived_at IS NULL AND merged_into_id IS NULL"
)
DROP = "DROP INDEX IF EXISTS customer_live_id"


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0018_customer_purchases"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
