"""Erasure: an erased person leaves no trace, whichever way they were erased."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from customers import policy
from customers import services as customer_services
from customers.models import Customer, ImportJob, ImportRowError, Order, QualityIssue
from governance import services
from governance.models import AuditEvent, Consent, Tombstone
from governance.services.erasure import customer_erase
from tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = ("Zebedee", "Quixotically")
EMAIL = "zebedee.quixotically@example.org"
PHONE = "+447911165432"


def _text_columns(cursor, table: str) -> list[str]:
    """The columns of a table that can hold text (JSON included)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND data_type IN ('character varying', 'text', 'json', 'jsonb', 'character')",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]
    cursor.execute(f'PRAGMA table_info("{table}")')
    return [
        row[1]
        for row in cursor.fetchall()
        if any(kind in (row[2] or "").lower() for kind in ("char", "text", "json"))
    ]


def traces(*needles: str) -> list[str]:
    """Every table and text-like column (JSON included) that holds any of the
    needles: the whole database, history tables and all."""
    cast = "::text ILIKE" if connection.vendor == "postgresql" else " LIKE"
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in _text_columns(cursor, table):
                for needle in needles:
                    cursor.execute(
                        f'SELECT COUNT(*) FROM "{table}" WHERE "{column}"{cast} %s',
                        [f"%{needle}%"],
                    )
                    if cursor.fetchone()[0]:
                        found.append(f"{table}.{column}: {needle}")
    return found


def _a_person_everywhere(actor):
    """Zebedee, with history, orders, interests, consent, a quality issue, an
    import error and an admin log line: every place personal data ends up."""
    zeb = customer_services.customer_create(
        data={
            "first_name": NAME[0],
            "last_name": NAME[1],
            "email": EMAIL,
            "phone": PHONE,
            "address_line1": "1 Quixote Lane",
            "postcode": "SW1A 1AA",
            "interests": ["falconry"],
        },
        source="web form",
        actor=actor,
    )
    customer_services.customer_update(
        customer=zeb, data={"city": "Quixoteham"}, source="web form", actor=actor
    )
    OrderFactory(customer=zeb)
    services.consent_grant(
        customer=zeb,
        purpose="email_marketing",
        channel="email",
        capture_method="web_form",
        source="sign-up",
        wording_version="v1",
        evidence=f"typed by {EMAIL}",
    )
    QualityIssue.objects.create(
        customer=zeb, field="email", code="suspect", message="?", raw_value=EMAIL, detected_by="t"
    )
    job = ImportJob.objects.create(**_import_job_fields())
    ImportRowError.objects.create(job=job, row_number=2, raw=[NAME[0], EMAIL], reasons="dup")
    LogEntry.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(zeb.pk),
        object_repr=str(zeb),
        action_flag=CHANGE,
        change_message=f"Changed email to {EMAIL}",
    )
    return zeb


def _import_job_fields():
    field_names = {f.name for f in ImportJob._meta.concrete_fields}
    fields = {"kind": "customers"} if "kind" in field_names else {}
    if "file" in field_names:
        fields["file"] = "imports/old.csv"
    if "original_name" in field_names:
        fields["original_name"] = "old.csv"
    return fields


@pytest.mark.parametrize("action", ["anonymise", "delete"])
def test_an_erased_person_leaves_no_trace_in_any_table(action):
    actor = UserFactory(username="dana", is_superuser=True)
    zeb = _a_person_everywhere(actor)
    needles = (EMAIL, PHONE, PHONE.lstrip("+"), NAME[0], NAME[1], "Quixote")
    before = traces(*needles)
    assert len(before) >= 8, "the fixture really spreads the person around"

    tombstone = customer_erase(customer=zeb, action=action, reason="request", actor=actor)

    assert traces(*needles) == []
    assert tombstone.counts["customer_history"] >= 2
    assert Consent.objects.get().tombstone == tombstone  # the proof stays, nameless
    assert AuditEvent.objects.filter(kind="customer_erased").exists()
    if action == "delete":
        assert not Customer.objects.filter(pk=zeb.pk).exists()
        assert not Order.objects.exists()
    else:
        kept = Customer.objects.get(pk=zeb.pk)
        assert kept.external_id == f"erased:{tombstone.reference}"
        assert kept.is_archived
        assert Order.objects.filter(customer=kept).count() == 1  # the buying pattern stays
        assert kept.history.count() == 0


def test_a_re_import_of_an_erased_person_is_suppressed():
    zeb = CustomerFactory(email=EMAIL, phone=PHONE)
    customer_erase(customer=zeb, action="delete", reason="request")

    found = policy.suppressed(emails=[EMAIL.upper()], phones=["07911 165432"])

    assert found == {("email", EMAIL.upper()), ("phone", "07911 165432")}


def test_an_erasure_that_fails_midway_leaves_the_customer_whole(monkeypatch):
    zeb = CustomerFactory(email=EMAIL)
    OrderFactory(customer=zeb)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("governance.services.erasure._purge_history", broken)
    with pytest.raises(RuntimeError):
        customer_erase(customer=zeb, action="delete", reason="request")

    assert Customer.objects.get(pk=zeb.pk).email == EMAIL
    assert Order.objects.filter(customer=zeb).count() == 1
    assert Tombstone.objects.count() == 0
