"""Retention: a dry run, an approval, then (only then) an execution that can
stop and resume without leaving a half-erased customer."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from governance import services
from governance.models import RetentionPolicy, RetentionRun, RunStatus, Tombstone
from governance.services import retention
from tests.factories import CustomerFactory, OrderFactory, UserFactory, ensure_role

pytestmark = pytest.mark.django_db


def _age(customer, *, months: int) -> Customer:
    """Make a record look untouched (and unordered-from) for ``months``."""
    then = timezone.now() - dt.timedelta(days=31 * months)
    Customer.objects.filter(pk=customer.pk).update(created_at=then, updated_at=then)
    return customer


@pytest.fixture
def policy():
    return RetentionPolicy.objects.create(
        name="Prospects silent for 2 years",
        lifecycle_stage="prospect",
        inactivity_months=24,
        action="delete",
    )


def test_a_dry_run_counts_and_samples_but_erases_nothing(policy):
    old = [_age(CustomerFactory(lifecycle_stage="prospect"), months=30) for _ in range(3)]
    _age(CustomerFactory(lifecycle_stage="customer"), months=30)  # another stage
    CustomerFactory(lifecycle_stage="prospect")  # recent
    ordered = _age(CustomerFactory(lifecycle_stage="prospect"), months=30)
    OrderFactory(customer=ordered)  # ordered three days ago
    consenting = _age(CustomerFactory(lifecycle_stage="prospect"), months=30)
    services.consent_grant(
        customer=consenting,
        purpose="email_marketing",
        channel="email",
        capture_method="web_form",
        source="form",
        wording_version="v1",
        occurred_at=timezone.now() - dt.timedelta(days=1000),
    )
    Customer.objects.filter(pk=consenting.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=1000)
    )

    run = retention.retention_run_prepare(policy=policy)

    assert run.status == RunStatus.PREPARED
    assert run.candidate_count == 3
    assert run.by_stage == {"prospect": 3}
    assert {row["customer"] for row in run.sample} == {str(c.public_id) for c in old}
    assert Customer.objects.count() == 7


def test_a_run_cannot_execute_before_it_is_approved(policy):
    _age(CustomerFactory(lifecycle_stage="prospect"), months=30)
    run = retention.retention_run_prepare(policy=policy)

    with pytest.raises(PermissionDenied, match="only an approved run is executed"):
        retention.retention_run_execute(run=run)

    assert Customer.objects.count() == 1
    assert Tombstone.objects.count() == 0


def test_the_database_refuses_a_running_run_without_an_approval(policy):
    run = retention.retention_run_prepare(policy=policy)

    with pytest.raises(Exception, match="retention_run_executes_only_approved"):
        RetentionRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)


@pytest.mark.parametrize("name", ["marketing_user", "steward", "integration_user", "outsider"])
def test_only_a_manager_or_the_data_protection_lead_approves(policy, persona, name):
    run = retention.retention_run_prepare(policy=policy)

    with pytest.raises(PermissionDenied):
        retention.retention_run_approve(run=run, actor=persona(name))

    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED


def test_an_approved_run_erases_its_candidates_and_is_recorded(policy, manager):
    people = [_age(CustomerFactory(lifecycle_stage="prospect"), months=30) for _ in range(3)]
    run = retention.retention_run_prepare(policy=policy)

    retention.retention_run_approve(run=run, actor=manager)
    run = retention.retention_run_execute(run=run)

    assert run.status == RunStatus.COMPLETED
    assert (run.erased_count, run.skipped_count) == (3, 0)
    assert run.approved_by == manager
    assert not Customer.objects.filter(pk__in=[p.pk for p in people]).exists()
    assert Tombstone.objects.filter(retention_run=run).count() == 3
    with pytest.raises(ValidationError, match="only a prepared run can be approved"):
        retention.retention_run_approve(run=run, actor=manager)


def test_an_interrupted_run_resumes_cleanly(policy, dpo):
    people = [_age(CustomerFactory(lifecycle_stage="prospect"), months=30) for _ in range(5)]
    run = retention.retention_run_prepare(policy=policy)
    retention.retention_run_approve(run=run, actor=dpo)

    run = retention.retention_run_execute(run=run, chunk_size=2, max_customers=2)

    assert run.status == RunStatus.RUNNING
    assert run.erased_count == 2
    assert Customer.objects.count() == 3

    run = retention.retention_run_execute(run=run, chunk_size=2)

    assert run.status == RunStatus.COMPLETED
    assert run.erased_count == 5
    assert Tombstone.objects.count() == 5  # nobody erased twice
    assert not Customer.objects.filter(pk__in=[p.pk for p in people]).exists()


def test_a_failure_midway_leaves_no_half_erased_customer_and_the_run_resumes(
    policy, dpo, monkeypatch
):
    people = [_age(CustomerFactory(lifecycle_stage="prospect"), months=30) for _ in range(3)]
    run = retention.retention_run_prepare(policy=policy)
    retention.retention_run_approve(run=run, actor=dpo)
    real = retention.customer_erase
    calls = []

    def failing_on_the_second(**kwargs):
        calls.append(kwargs["customer"].pk)
        if len(calls) == 2:
            real(**kwargs)  # erases, then the process "dies" before the commit
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(retention, "customer_erase", failing_on_the_second)
    with pytest.raises(RuntimeError):
        retention.retention_run_execute(run=run)

    second = Customer.objects.get(pk=people[1].pk)  # rolled back: whole
    assert second.email == people[1].email
    assert Customer.objects.count() == 2

    monkeypatch.setattr(retention, "customer_erase", real)
    run = retention.retention_run_execute(run=run)

    assert run.status == RunStatus.COMPLETED
    assert Customer.objects.count() == 0
    assert Tombstone.objects.count() == 3


def test_a_candidate_active_again_since_the_dry_run_is_kept(policy, dpo):
    stays = _age(CustomerFactory(lifecycle_stage="prospect"), months=30)
    goes = _age(CustomerFactory(lifecycle_stage="prospect"), months=30)
    run = retention.retention_run_prepare(policy=policy)
    retention.retention_run_approve(run=run, actor=dpo)
    OrderFactory(customer=stays)

    run = retention.retention_run_execute(run=run)

    assert (run.erased_count, run.skipped_count) == (1, 1)
    assert Customer.objects.filter(pk=stays.pk).exists()
    assert not Customer.objects.filter(pk=goes.pk).exists()


def test_an_anonymising_policy_keeps_the_row_without_personal_data(dpo):
    policy = RetentionPolicy.objects.create(
        name="Lapsed for 3 years",
        lifecycle_stage="lapsed",
        inactivity_months=36,
        action="anonymise",
    )
    lapsed = _age(CustomerFactory(lifecycle_stage="lapsed"), months=40)
    run = retention.retention_run_prepare(policy=policy)
    retention.retention_run_approve(run=run, actor=dpo)

    retention.retention_run_execute(run=run)

    kept = Customer.objects.get(pk=lapsed.pk)
    assert (kept.email, kept.first_name, kept.phone, kept.date_of_birth) == ("", "", "", None)
    # Erased once: a later run does not pick the anonymised row again.
    assert retention.retention_run_prepare(policy=policy).candidate_count == 0


def test_the_beat_prepares_one_dry_run_per_policy_until_it_is_decided(policy):
    _age(CustomerFactory(lifecycle_stage="prospect"), months=30)

    first = retention.retention_prepare_due()
    again = retention.retention_prepare_due()

    assert [run.policy for run in first] == [policy]
    assert again == []


def test_a_manager_approves_in_admin_through_the_service(policy, page_client_for):
    boss = UserFactory(username="boss", is_staff=True, roles=[ensure_role("Marketing manager")])
    _age(CustomerFactory(lifecycle_stage="prospect"), months=30)
    run = retention.retention_run_prepare(policy=policy)

    response = page_client_for(boss).post(
        reverse("admin:governance_retentionrun_changelist"),
        {"action": "approve_runs", "_selected_action": [run.pk]},
    )

    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (RunStatus.APPROVED, boss)


def test_admin_refuses_approval_to_a_steward(policy, page_client_for):
    clerk = UserFactory(username="clerk", is_staff=True, roles=[ensure_role("Data steward")])
    run = retention.retention_run_prepare(policy=policy)

    page_client_for(clerk).post(
        reverse("admin:governance_retentionrun_changelist"),
        {"action": "approve_runs", "_selected_action": [run.pk]},
    )

    run.refresh_from_db()
    assert run.status == RunStatus.PREPARED


def test_the_weekly_beat_entry_runs_the_prepare_task(settings, policy):
    from governance.tasks import retention_prepare_task

    _age(CustomerFactory(lifecycle_stage="prospect"), months=30)

    assert settings.CELERY_BEAT_SCHEDULE["retention-prepare"]["task"] == retention_prepare_task.name
    assert len(retention_prepare_task()) == 1
    assert RetentionRun.objects.get().status == RunStatus.PREPARED
