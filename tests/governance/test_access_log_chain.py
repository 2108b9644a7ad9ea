"""The access log is tamper-evident (a hash chain, checked daily) and the
application's database role can only read it and add to it."""

import threading
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections

from governance.models import AccessLog
from governance.services.access import access_log_record, access_log_verify
from governance.tasks import access_log_verify_task
from mis.dbroles import app_role_grant
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="tampering is shown on PostgreSQL"
)


def _read(user=None, n: int = 1) -> AccessLog:
    return access_log_record(
        user=user, action="view", via="page", customer_ids=[n], detail=f"page {n}"
    )


def _as_owner(sql: str, params=()) -> None:
    """What someone with the schema owner's rights could do behind the app's
    back: the triggers lifted for one statement."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE governance_accesslog DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE governance_accesslog ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_each_row_links_to_the_one_before():
    rows = [_read(n=n) for n in range(3)]

    assert rows[0].prev_hash == ""
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert all(len(r.row_hash) == 64 for r in rows)
    check = access_log_verify()
    assert (check.intact, check.checked, check.head_id) == (True, 3, rows[-1].pk)


@pytest.mark.django_db
def test_a_changed_row_is_named():
    rows = [_read(n=n) for n in range(4)]
    _as_owner("UPDATE governance_accesslog SET customer_ids = '[99]' WHERE id = %s", [rows[2].pk])

    check = access_log_verify()

    assert check.broken_at == rows[2].pk
    assert f"row {rows[2].pk} was changed" in check.reason
    with pytest.raises(CommandError, match=f"row {rows[2].pk} was changed"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_a_removed_row_breaks_the_link_of_the_next():
    rows = [_read(n=n) for n in range(4)]
    _as_owner("DELETE FROM governance_accesslog WHERE id = %s", [rows[1].pk])

    check = access_log_verify()

    assert check.broken_at == rows[2].pk
    assert f"does not link to row {rows[0].pk}" in check.reason


@pytest.mark.django_db
def test_a_row_rewritten_with_a_fresh_hash_still_breaks_the_chain():
    rows = [_read(n=n) for n in range(3)]
    forged = AccessLog.objects.get(pk=rows[1].pk)
    forged.customer_ids = [12345]
    forged.row_hash = forged.compute_hash()
    _as_owner(
        "UPDATE governance_accesslog SET customer_ids = '[12345]', row_hash = %s WHERE id = %s",
        [forged.row_hash, forged.pk],
    )

    assert access_log_verify().broken_at == rows[2].pk


@pytest.mark.django_db
def test_the_daily_check_remembers_the_head_and_notices_a_log_cut_short(capsys):
    rows = [_read(n=n) for n in range(3)]
    assert access_log_verify_task() == {"rows": 3, "head_id": rows[-1].pk}

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE governance_accesslog")
    _read(n=7)  # a fresh chain starts as if nothing had happened

    check = access_log_verify()
    assert check.broken_at == rows[-1].pk
    assert "cut short" in check.reason
    with pytest.raises(RuntimeError, match="cut short"):
        access_log_verify_task()


def test_beat_runs_the_check_every_day():
    entry = settings.CELERY_BEAT_SCHEDULE["access-log-verify"]
    assert entry["task"] == "governance.tasks.access_log_verify_task"
    schedule = entry["schedule"]
    assert schedule.day_of_week == set(range(7)) and schedule.hour == {4}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """Writers in parallel connections queue on the chain's lock: no two rows
    link to the same predecessor."""
    user = UserFactory()
    errors = []

    def write(offset: int):
        try:
            for n in range(15):
                _read(user=user, n=offset + n)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(k * 100,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    prev_hashes = list(AccessLog.objects.values_list("prev_hash", flat=True))
    assert len(prev_hashes) == 45 == len(set(prev_hashes))
    assert access_log_verify().intact


@pytest.mark.django_db(transaction=True)
def test_the_application_role_can_only_read_and_add_to_the_log():
    role, password = f"mis_app_{uuid.uuid4().hex[:8]}", "app-role-test"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", [password])
        database = connection.settings_dict["NAME"]
        cursor.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}")
    _read(n=1)
    app_role_grant(role)
    params = connection.settings_dict
    app = psycopg2.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        dbname=params["NAME"],
        user=role,
        password=password,
    )
    app.autocommit = True
    refused = {}
    try:
        with app.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM governance_accesslog")
            assert cursor.fetchone()[0] == 1
            cursor.execute(
                "INSERT INTO governance_accesslog (username, auth, token_hint, action, via, "
                "customer_ids, record_count, detail, at, prev_hash, row_hash) VALUES "
                "('app', 'none', '', 'view', 'page', '[]', 0, '', now(), '', '')"
            )
            # The app's other tables stay writable.
            cursor.execute("UPDATE customers_customer SET city = city WHERE false")
            for name, sql in {
                "update": "UPDATE governance_accesslog SET detail = 'x'",
                "delete": "DELETE FROM governance_accesslog",
                "truncate": "TRUNCATE governance_accesslog",
                "disable trigger": "ALTER TABLE governance_accesslog DISABLE TRIGGER ALL",
                "drop": "DROP TABLE governance_accesslog",
                "migrations": "DELETE FROM django_migrations",
            }.items():
                try:
                    cursor.execute(sql)
                except psycopg2.errors.InsufficientPrivilege as exc:
                    refused[name] = exc.pgerror.splitlines()[0]
    finally:
        app.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")

    assert set(refused) == {
        "update",
        "delete",
        "truncate",
        "disable trigger",
        "drop",
        "migrations",
    }, refused
    assert "must be owner" in refused["disable trigger"]
    assert AccessLog.objects.count() == 2
