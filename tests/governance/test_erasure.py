"""Erasure: an erased person leaves no trace, whichever way they were erased."""

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from customers import policy
from customers import services as customer_services
from customers.duplicates.services.merge import MERGE_FIELDS, customers_merge
from customers.models import Customer, ImportJob, ImportRowError, Merge, Order, QualityIssue
from governance import services
from governance.models import AuditEvent, Consent, RetentionPolicy, RunStatus, Tombstone
from governance.services import retention
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

    monkeypatch.setattr("governance.services.erasure.customer_history_purge", broken)
    with pytest.raises(RuntimeError):
        customer_erase(customer=zeb, action="delete", reason="request")

    assert Customer.objects.get(pk=zeb.pk).email == EMAIL
    assert Order.objects.filter(customer=zeb).count() == 1
    assert Tombstone.objects.count() == 0


def _merged_pair(actor, *, erase_side: str):
    """Zebedee's record and an older copy of him merged together; the copy
    holds the needles when it is the side to be erased as "merged"."""
    zeb = _a_person_everywhere(actor)
    if erase_side == "survivor":
        copy = customer_services.customer_create(
            data={"first_name": NAME[0], "last_name": NAME[1], "email": "zq@example.org"},
            source="old file",
            actor=actor,
        )
        merge = customers_merge(survivor=zeb, merged=copy, actor=actor)
        return zeb, merge
    other = customer_services.customer_create(
        data={"first_name": "Ann", "last_name": "Other", "email": "ann.other@example.org"},
        source="web form",
        actor=actor,
    )
    # The survivor keeps its own values but for the phone, taken from Zebedee.
    choices = {**dict.fromkeys(MERGE_FIELDS, "survivor"), "phone": "merged"}
    merge = customers_merge(survivor=other, merged=zeb, choices=choices, actor=actor)
    return zeb, merge


@pytest.mark.parametrize("action", ["anonymise", "delete"])
def test_erasing_a_merge_survivor_takes_its_merged_copies_and_the_merge(action):
    actor = UserFactory(username="dana", is_superuser=True)
    zeb, merge = _merged_pair(actor, erase_side="survivor")
    needles = (EMAIL, "zq@example.org", NAME[1], "Quixote")
    assert "survivor_before" in str(traces(NAME[1]))

    tombstone = customer_erase(customer=zeb, action=action, reason="request", actor=actor)

    assert traces(*needles) == []
    assert tombstone.counts["records"] == 2
    assert tombstone.counts["merges"] == 1
    assert not Merge.objects.filter(pk=merge.pk).exists()


@pytest.mark.parametrize("action", ["anonymise", "delete"])
def test_erasing_a_merged_record_erases_the_person_it_was_merged_into(action):
    actor = UserFactory(username="dana", is_superuser=True)
    zeb, merge = _merged_pair(actor, erase_side="merged")
    assert any("history_change_reason" in t for t in traces(NAME[1]))

    tombstone = customer_erase(customer=zeb, action=action, reason="request", actor=actor)

    # The merge said both records are one person: the survivor, with what
    # moved to it (orders, issues, consents), goes too.
    left = traces(EMAIL, *NAME, "Quixote", "ann.other@example.org", "Other")
    assert left == [], "\n".join(left)
    assert tombstone.counts["records"] == 2
    assert not Merge.objects.exists()
    assert not Customer.objects.filter(pk=merge.survivor_id, source="web form").exists()


def test_a_retention_run_erases_a_merged_pair_and_completes():
    actor = UserFactory(username="dana", is_superuser=True)
    manager = UserFactory(username="max", is_superuser=True)
    old = timezone.now() - dt.timedelta(days=31 * 30)
    survivor = CustomerFactory(lifecycle_stage="prospect")
    copy = CustomerFactory(lifecycle_stage="prospect")
    customers_merge(survivor=survivor, merged=copy, actor=actor)
    Customer.objects.filter(pk__in=[survivor.pk, copy.pk]).update(created_at=old, updated_at=old)
    policy = RetentionPolicy.objects.create(
        name="Silent prospects", lifecycle_stage="prospect", inactivity_months=24, action="delete"
    )
    run = retention.retention_run_prepare(policy=policy)
    # The survivor stands for the person; the merged copy goes with it.
    assert list(run.candidates.values_list("customer_id", flat=True)) == [survivor.pk]
    retention.retention_run_approve(run=run, actor=manager)

    run = retention.retention_run_execute(run=run)

    assert run.status == RunStatus.COMPLETED
    assert not Customer.objects.filter(pk__in=[survivor.pk, copy.pk]).exists()
    assert not Merge.objects.exists()
