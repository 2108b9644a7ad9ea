"""The database role the application runs as, and what it may do.

In production two PostgreSQL roles share the database: the *migrator*, which
owns the schema (``migrate`` runs as it), and the *application role*, which
the web server, the worker and beat connect as. The application role may
read and write the tables it works with, but the access log only grows: it
may SELECT and INSERT there, never UPDATE, DELETE or TRUNCATE, and since it
does not own the table it cannot ALTER it (nor disable its triggers, nor drop
it). The migration history is read-only to it. ``manage.py grant_app_role``
applies this, idempotently, after every ``migrate`` (docker-compose.yml).
"""

from __future__ import annotations

from django.db import connection

from governance.models import AccessLog

# Tables the application may read and add to, but never change.
APPEND_ONLY_TABLES = (AccessLog._meta.db_table,)
READ_ONLY_TABLES = ("django_migrations",)


def app_role_statements(role: str, *, schema: str = "public") -> list[str]:
    """The SQL that gives ``role`` exactly the application's rights (run by
    the schema's owner)."""
    quote = connection.ops.quote_name
    role_q, schema_q = quote(role), quote(schema)
    statements = [
        f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {quote(table)} FROM {role_q}"
        )
    for table in READ_ONLY_TABLES:
        statements.append(
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER "
            f"ON {quote(table)} FROM {role_q}"
        )
    return statements


def app_role_grant(role: str) -> list[str]:
    """Apply ``app_role_statements``; PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("Database roles are a PostgreSQL matter; nothing to do here.")
    statements = app_role_statements(role)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements
