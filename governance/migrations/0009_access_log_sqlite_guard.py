"""The access log's guard against changes on SQLite too (0005 made
PostgreSQL's). UPDATE only: Django empties tables between transactional tests
with DELETE on SQLite (TRUNCATE on PostgreSQL, which no row trigger sees), so
a DELETE trigger would break the quick start's test suite."""

from django.db import migrations

SQLITE_GUARD = [
    """CREATE TRIGGER IF NOT EXISTS governance_accesslog_no_update
       BEFORE UPDATE ON governance_accesslog
       BEGIN SELECT RAISE(ABORT, 'governance_accesslog is append-only: UPDATE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS governance_accesslog_no_update",
]


def _sqlite_only(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("governance", "0008_procedures")]

    operations = [migrations.RunPython(_sqlite_only(SQLITE_GUARD), _sqlite_only(SQLITE_REMOVE))]
