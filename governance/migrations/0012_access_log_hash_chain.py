"""The access log becomes a hash chain: each row keeps the previous row's
hash and its own (governance.models.access.chain_hash). Rows written before
are chained here, in id order, so that the whole log is verifiable; the
append-only triggers are lifted for that one UPDATE and put back."""

import django.utils.timezone
from django.db import migrations, models

from governance.models.access import chain_hash

PG_TRIGGER = "governance_accesslog_append_only"
SQLITE_GUARD = """CREATE TRIGGER IF NOT EXISTS governance_accesslog_no_update
   BEFORE UPDATE ON governance_accesslog
   BEGIN SELECT RAISE(ABORT, 'governance_accesslog is append-only: UPDATE refused'); END"""


def chain_existing_rows(apps, schema_editor):
    AccessLog = apps.get_model("governance", "AccessLog")
    vendor = schema_editor.connection.vendor
    if not AccessLog.objects.exists():
        return
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE governance_accesslog DISABLE TRIGGER {PG_TRIGGER}")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS governance_accesslog_no_update")
    previous = ""
    for row in AccessLog.objects.order_by("id").iterator(chunk_size=2000):
        row.prev_hash = previous
        row.row_hash = chain_hash(row)
        AccessLog.objects.filter(pk=row.pk).update(prev_hash=row.prev_hash, row_hash=row.row_hash)
        previous = row.row_hash
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE governance_accesslog ENABLE TRIGGER {PG_TRIGGER}")
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARD)


class Migration(migrations.Migration):
    dependencies = [("governance", "0011_erased_record_key_and_requesters")]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="prev_hash",
            field=models.CharField(
                blank=True,
                help_text="The previous row's hash (empty for the first).",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="row_hash",
            field=models.CharField(
                default="",
                help_text="SHA-256 of this row's content and the previous row's hash.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
