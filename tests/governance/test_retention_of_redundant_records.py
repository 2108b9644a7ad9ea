"""A data steward's "redundant" decision hands the record to retention: a
policy of redundant records selects it, and after an approved run it is
erased with a tombstone. Archiving neither hides a record from retention nor
resets its retention clock."""

import datetime as dt

import pytest
from django.utils import timezone

from customers import services as customer_services
from customers.models import Customer, ProposalStatus, RedundancyProposal
from customers.quality.redundant import redundancy_decide, redundancy_sweep
from governance.models import RetentionPolicy, Tombstone
from governance.services import retention
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _age(customer, *, months: int) -> Customer:
    """Make a record (and every version of it) look untouched for ``months``."""
    then = timezone.now() - dt.timedelta(days=31 * months)
    Customer.objects.filter(pk=customer.pk).update(created_at=then, updated_at=then)
    Customer.history.model.objects.filter(id=customer.pk).update(created_at=then, updated_at=then)
    return customer


def test_a_redundant_decision_ends_after_approval_in_an_erased_record_with_a_tombstone(
    steward, manager
):
    test_record = CustomerFactory(is_test=True, email="qa+1@example.com")
    kept = CustomerFactory(is_test=True)
    redundancy_sweep(triggered_by="test")
    redundancy_decide(
        proposal=RedundancyProposal.objects.get(customer=test_record), archive=True, actor=steward
    )
    redundancy_decide(
        proposal=RedundancyProposal.objects.get(customer=kept), archive=False, actor=steward
    )
    policy = RetentionPolicy.objects.create(
        name="Redundant records, a month after the decision",
        selects="redundant",
        inactivity_months=1,
        consent_condition="any",
        action="delete",
    )

    too_soon = retention.retention_run_prepare(policy=policy)
    run = retention.retention_run_prepare(
        policy=policy, as_of=timezone.now() + dt.timedelta(days=40)
    )
    assert too_soon.candidate_count == 0
    assert run.candidate_count == 1  # the kept record is not selected
    assert Customer.objects.filter(pk=test_record.pk, email="qa+1@example.com").exists()

    retention.retention_run_approve(run=run, actor=manager)
    run = retention.retention_run_execute(run=run)

    assert run.erased_count == 1
    assert not Customer.objects.filter(email="qa+1@example.com").exists()
    assert Customer.objects.filter(pk=kept.pk).exists()
    tombstone = Tombstone.objects.get()
    assert (tombstone.retention_run, tombstone.reason) == (run, "retention")
    assert RedundancyProposal.objects.filter(status=ProposalStatus.REJECTED).count() == 1


def test_archiving_neither_hides_a_record_from_retention_nor_resets_its_clock(steward):
    policy = RetentionPolicy.objects.create(
        name="Silent for 2 years",
        inactivity_months=24,
        consent_condition="any",
        action="anonymise",
    )
    silent = _age(CustomerFactory(), months=30)
    customer_services.customer_archive(customer=silent, actor=steward, reason="no use")

    run = retention.retention_run_prepare(policy=policy)

    assert run.candidate_count == 1


def test_a_change_after_archiving_still_counts_as_activity(steward):
    policy = RetentionPolicy.objects.create(
        name="Silent for 2 years",
        inactivity_months=24,
        consent_condition="any",
        action="anonymise",
    )
    record = _age(CustomerFactory(), months=30)
    customer_services.customer_archive(customer=record, actor=steward)
    Customer.objects.filter(pk=record.pk).update(
        updated_at=timezone.now() + dt.timedelta(minutes=5)
    )

    assert retention.retention_run_prepare(policy=policy).candidate_count == 0
