"""Quality sweeps: issues opened once and closed when the data is fixed,
scores stored, figures recorded; one sweep at a time; a stopped sweep is
resumed and ends as an uninterrupted one; the same sweep runs on workers."""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from customers import services
from customers.models import (
    Customer,
    QualityIssue,
    QualityIssueStatus,
    QualityRun,
    RunStatus,
)
from customers.quality.services import (
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


def state() -> list:
    return sorted(
        (c.external_id, c.quality_score, tuple(open_codes(c))) for c in Customer.objects.all()
    )


def test_a_sweep_opens_issues_scores_records_and_records_its_figures():
    good = CustomerFactory(last_verified_at=timezone.now())
    bad = bad_customer(email="ada@@example.com", postcode="", last_verified_at=None)

    run = quality_sweep(triggered_by="test", chunk_size=1)

    assert run.status == RunStatus.SUCCEEDED
    assert run.records_checked == 2
    assert run.chunks_total == 2
    assert open_codes(good) == []
    assert open_codes(bad) == ["invalid_email", "missing_postcode_customer", "stale_verification"]
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.quality_score == 100
    assert bad.quality_score == 100 - 20 - 5 - 5  # high, low, low
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

    customer.refresh_from_db()
    assert open_codes(customer) == []
    assert customer.quality_score == 100
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
