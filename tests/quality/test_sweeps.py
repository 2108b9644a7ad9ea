"""Quality sweeps: issues opened once and closed when the data is fixed,
scores stored, figures recorded; one sweep at a time; a stopped sweep is
resumed and ends as an uninterrupted one; the same sweep runs on workers."""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from customers import services
from customers.models import (
    Customer,
    CustomerQuality,
    QualityIssue,
    QualityIssueStatus,
    QualityRule,
    QualityRun,
    RunStatus,
)
from customers.quality.services import (
    SWEEP_OVERLAP,
    SweepRunning,
    quality_sweep,
    sweep_chunk,
    sweep_start,
)
from tests.factories import CustomerFactory
from tests.workers import celery_worker

pytestmark = pytest.mark.django_db


def open_codes(customer) -> list[str]:
    return sorted(
        customer.quality_issues.filter(status=QualityIssueStatus.OPEN).values_list(
            "code", flat=True
        )
    )


def bad_customer(**fields) -> Customer:
    """A record written raw, as an import or old data may hold it."""
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(**fields)
    customer.refresh_from_db()
    return customer


def score(customer) -> int | None:
    """The record's stored quality score (None: not checked yet)."""
    return CustomerQuality.objects.filter(customer=customer).values_list("score", flat=True).first()


def state() -> list:
    return sorted((c.external_id, score(c), tuple(open_codes(c))) for c in Customer.objects.all())


def test_a_sweep_opens_issues_scores_records_and_records_its_figures():
    good = CustomerFactory(last_verified_at=timezone.now())
    bad = bad_customer(email="ada@@example.com", postcode="", last_verified_at=None)

    run = quality_sweep(triggered_by="test", chunk_size=1)

    assert run.status == RunStatus.SUCCEEDED
    assert run.records_checked == 2
    assert run.chunks_total == 2
    assert open_codes(good) == []
    assert open_codes(bad) == ["invalid_email", "missing_postcode_customer", "stale_verification"]
    assert score(good) == 100
    assert score(bad) == 100 - 20 - 5 - 5  # high, low, low
    assert run.figures["by_rule"]["invalid_email"]["open"] == 1
    assert run.figures["overall"] == 85.0
    assert run.duration_seconds is not None


def test_running_the_sweep_again_changes_nothing():
    bad_customer(email="ada@@example.com")
    quality_sweep(triggered_by="test")
    before = state()

    again = quality_sweep(triggered_by="test")

    assert (again.issues_opened, again.issues_resolved) == (0, 0)
    assert state() == before
    assert QualityIssue.objects.count() == len(before[0][2])


def test_fixing_a_value_closes_its_issue_and_raises_the_score_on_save():
    customer = bad_customer(email="ada@@example.com", last_verified_at=timezone.now())
    quality_sweep(triggered_by="test")

    services.customer_update(customer=customer, data={"email": "ada@example.com"}, source="web")

    assert open_codes(customer) == []
    assert score(customer) == 100
    issue = customer.quality_issues.get()
    assert issue.status == QualityIssueStatus.RESOLVED
    assert issue.resolved_at is not None


def test_mark_verified_closes_the_currency_issue():
    customer = bad_customer(last_verified_at=timezone.now() - dt.timedelta(days=800))
    quality_sweep(triggered_by="test")
    assert open_codes(customer) == ["stale_verification"]

    services.customer_mark_verified(customer=customer)

    assert open_codes(customer) == []


def test_an_imports_flag_closes_once_the_value_passes_its_rule():
    customer = CustomerFactory(last_verified_at=timezone.now())
    QualityIssue.objects.create(
        customer=customer,
        field="date_of_birth",
        code="invalid_date",
        message="“31/02/1985” is not a date",
        raw_value="31/02/1985",
        detected_by="import",
    )

    quality_sweep(triggered_by="test")

    assert open_codes(customer) == []  # the record has a valid date of birth now


def test_a_second_sweep_is_refused_while_one_runs():
    CustomerFactory()
    sweep_start(triggered_by="first")

    with pytest.raises(SweepRunning, match="has been running since"):
        sweep_start(triggered_by="second")
    with pytest.raises(CommandError, match="has been running since"):
        call_command("sweep_quality")
    assert QualityRun.objects.count() == 1


def test_a_stopped_sweep_is_resumed_and_ends_as_an_uninterrupted_one(settings):
    for n in range(6):
        bad_customer(
            email=f"p{n}@@example.com", external_id=f"P{n}", last_verified_at=timezone.now()
        )
    run = sweep_start(triggered_by="test", chunk_size=2)
    first = run.chunks.order_by("first_id").first()
    sweep_chunk(chunk_id=first.pk)  # ... and then the worker died
    settings.QUALITY_SWEEP_STALE_MINUTES = 0

    resumed = quality_sweep(triggered_by="test again", chunk_size=2)

    assert resumed.pk == run.pk
    assert resumed.status == RunStatus.SUCCEEDED
    assert (resumed.chunks_done, resumed.chunks_total, resumed.records_checked) == (3, 3, 6)
    assert all(codes == ("invalid_email",) for _, _, codes in state())
    assert QualityIssue.objects.count() == 6


def test_a_chunk_delivered_twice_is_checked_once():
    CustomerFactory()
    run = sweep_start(triggered_by="test")
    chunk = run.chunks.get()

    assert sweep_chunk(chunk_id=chunk.pk) is True
    assert sweep_chunk(chunk_id=chunk.pk) is False
    run.refresh_from_db()
    assert run.chunks_done == 1


def test_the_command_prints_progress_and_figures(capsys):
    bad_customer(email="ada@@example.com")

    call_command("sweep_quality", "--chunk-size", "50")

    out = capsys.readouterr().out
    assert "chunks 1/1" in out
    assert "1 records checked" in out
    assert "invalid_email" in out


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_workers_share_the_sweep_as_a_group_of_chunks():
    from customers.tasks import quality_sweep_task

    for n in range(5):
        bad_customer(email=f"w{n}@@example.com", external_id=f"W{n}")
    with celery_worker() as queue:
        queued = quality_sweep_task.apply_async(queue=queue)
        assert queued.get(timeout=120)["chunks"] == 1
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = QualityRun.objects.get()
            if run.status != RunStatus.RUNNING:
                break
            time.sleep(0.3)

    assert run.status == RunStatus.SUCCEEDED
    assert run.records_checked == 5
    assert QualityIssue.objects.filter(code="invalid_email").count() == 5


def test_the_quality_score_metric_is_the_mean_score_of_checked_records():
    from mis import metrics

    assert metrics.measure("quality_score").display == "no data"
    bad_customer(email="ada@@example.com", last_verified_at=timezone.now())
    CustomerFactory(last_verified_at=timezone.now())
    quality_sweep(triggered_by="test")

    assert metrics.measure("quality_score").value == 90


def test_a_chunk_that_fails_on_a_worker_fails_its_run_so_the_next_sweep_starts_anew(
    monkeypatch,
):
    from customers import tasks
    from customers.quality import services as quality_services

    CustomerFactory()
    run = sweep_start(triggered_by="test")
    chunk = run.chunks.get()

    def broken(**kwargs):
        raise RuntimeError("a rule broke")

    monkeypatch.setattr(quality_services, "sweep_chunk", broken)
    with pytest.raises(RuntimeError):
        tasks.quality_chunk_task(chunk.pk)
    monkeypatch.undo()

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert f"chunk {chunk.pk}: RuntimeError: a rule broke" in run.error
    assert sweep_start(triggered_by="again").pk != run.pk


# Nights after the first: in proportion to what changed -----------------------


def a_night_passes(days: int = 1) -> None:
    """Move everything already recorded back in time, as if ``days`` had
    passed since: the records' last change and verification, and the sweeps.
    The records were last changed a while before the last sweep began (a
    sweep also judges again the records changed just before the last began)."""
    back = dt.timedelta(days=days)
    Customer.objects.update(
        updated_at=F("updated_at") - back - 2 * SWEEP_OVERLAP,
        created_at=F("created_at") - back,
        last_verified_at=F("last_verified_at") - back,
    )
    QualityRun.objects.update(
        started_at=F("started_at") - back, finished_at=F("finished_at") - back
    )


def row_version(model, pk) -> int:
    """The row's PostgreSQL transaction id of its last write (xmin)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT xmin::text FROM {model._meta.db_table} WHERE {model._meta.pk.column} = %s",
            [pk],
        )
        return int(cursor.fetchone()[0])


def test_the_first_sweep_judges_everyone_and_never_rewrites_the_customer_row():
    customers = [
        bad_customer(email="ada@@example.com"),
        CustomerFactory(last_verified_at=timezone.now()),
    ]
    before = [row_version(Customer, c.pk) for c in customers]

    run = quality_sweep(triggered_by="test")

    assert run.changed_since is None
    assert run.records_checked == 2
    assert [row_version(Customer, c.pk) for c in customers] == before
    assert [score(c) for c in customers] == [100 - 20 - 5, 100]


def test_a_night_after_a_change_judges_the_changed_customer_only():
    changed = CustomerFactory(last_verified_at=timezone.now())
    unchanged = CustomerFactory(last_verified_at=timezone.now())
    first = quality_sweep(triggered_by="test")
    a_night_passes()
    untouched = row_version(CustomerQuality, unchanged.pk)
    # Written in bulk, as an import does: no check on save.
    Customer.objects.filter(pk=changed.pk).update(
        email="ada@@example.com", updated_at=timezone.now()
    )

    night = quality_sweep(triggered_by="test")

    first.refresh_from_db()
    assert night.changed_since == first.started_at - SWEEP_OVERLAP
    assert night.records_checked == 1
    assert (night.issues_opened, night.issues_resolved) == (1, 0)
    assert open_codes(changed) == ["invalid_email"]
    assert score(changed) == 80
    assert open_codes(unchanged) == []
    assert row_version(CustomerQuality, unchanged.pk) == untouched  # not re-written


def test_an_unchanged_customer_is_not_rejudged_by_a_later_night():
    customer = CustomerFactory(last_verified_at=timezone.now())
    quality_sweep(triggered_by="test")
    a_night_passes()
    # A value that breaks a rule, written without touching updated_at: a
    # sweep that judged every record again would find it.
    Customer.objects.filter(pk=customer.pk).update(email="ada@@example.com")

    night = quality_sweep(triggered_by="test")

    assert night.records_checked == 0
    assert open_codes(customer) == []


def test_a_time_based_rule_fires_with_no_change_to_the_record():
    customer = CustomerFactory(last_verified_at=timezone.now())
    quality_sweep(triggered_by="test")
    assert open_codes(customer) == []

    a_night_passes(days=800)  # verified over 24 months ago now, and unchanged since
    night = quality_sweep(triggered_by="test")

    assert night.records_checked == 0
    assert night.issues_opened == 1
    assert open_codes(customer) == ["stale_verification"]
    assert score(customer) == 95


def test_a_changed_rule_has_the_next_sweep_judge_everyone_again():
    customer = CustomerFactory(last_verified_at=timezone.now())
    quality_sweep(triggered_by="test")
    a_night_passes()
    Customer.objects.filter(pk=customer.pk).update(occupation="")
    QualityRule.objects.create(
        code="missing_occupation", name="Occupation", kind="completeness", field="occupation"
    )

    night = quality_sweep(triggered_by="test")

    assert night.changed_since is None
    assert night.records_checked == 1
    assert open_codes(customer) == ["missing_occupation"]


def test_python_rules_judge_each_distinct_value_once(monkeypatch):
    from customers.quality import rules as quality_rules

    judged = []
    check = quality_rules.VALIDITY_CHECKS["phone"]

    def counted(value, record, today):
        judged.append(value)
        return check(value, record, today)

    monkeypatch.setitem(quality_rules.VALIDITY_CHECKS, "phone", counted)
    for n in range(4):
        bad_customer(phone="12345", external_id=f"S{n}")

    quality_sweep(triggered_by="test", chunk_size=2)

    assert judged == ["12345"]
    assert QualityIssue.objects.filter(code="invalid_phone", status="open").count() == 4
