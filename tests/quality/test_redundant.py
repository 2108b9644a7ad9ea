"""The redundant-record sweep proposes records of no further use, once, with
their reason; withdraws proposals whose reason is gone; deletes nothing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import Customer, ProposalStatus, RedundancyProposal
from customers.quality.redundant import redundancy_sweep
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=4 * 365)


def aged(**fields) -> Customer:
    customer = CustomerFactory(**fields)
    Customer.objects.filter(pk=customer.pk).update(created_at=LONG_AGO)
    return customer


def proposed() -> set[tuple[str, str]]:
    return set(
        RedundancyProposal.objects.filter(status=ProposalStatus.PROPOSED).values_list(
            "customer__external_id", "reason"
        )
    )


def test_each_reason_is_found_and_nothing_is_deleted():
    aged(external_id="IDLE", last_verified_at=None)
    recent_buyer = aged(external_id="BUYER", last_verified_at=None)
    OrderFactory(customer=recent_buyer)
    aged(external_id="FRESH", last_verified_at=timezone.now())
    CustomerFactory(external_id="NEW")  # created recently: not inactive yet
    CustomerFactory(external_id="BOUNCE", contactability="hard_bounce")
    CustomerFactory(external_id="MOVED", contactability="gone_away")
    CustomerFactory(external_id="TEST", is_test=True)

    run = redundancy_sweep(triggered_by="test", months=36)

    assert proposed() == {
        ("IDLE", "inactive"),
        ("BOUNCE", "hard_bounce"),
        ("MOVED", "gone_away"),
        ("TEST", "test"),
    }
    assert run.issues_opened == 4
    assert Customer.objects.count() == 7
    assert not Customer.objects.filter(archived_at__isnull=False).exists()


def test_a_second_sweep_repeats_nothing_and_withdraws_what_changed():
    idle = aged(external_id="IDLE", last_verified_at=None)
    CustomerFactory(external_id="TEST", is_test=True)
    redundancy_sweep(triggered_by="test", months=36)
    Customer.objects.filter(pk=idle.pk).update(last_verified_at=timezone.now())

    again = redundancy_sweep(triggered_by="test", months=36)

    assert (again.issues_opened, again.issues_resolved) == (0, 1)
    assert proposed() == {("TEST", "test")}
    assert RedundancyProposal.objects.get(customer=idle).status == ProposalStatus.WITHDRAWN


def test_the_command_lists_the_proposals_by_reason(capsys):
    CustomerFactory(external_id="TEST", is_test=True)

    call_command("sweep_redundant", "--months", "12")

    out = capsys.readouterr().out
    assert "1 new proposals" in out
    assert "test" in out


def test_a_record_a_steward_kept_is_not_proposed_again_for_the_same_reason(steward):
    from customers.quality.redundant import redundancy_decide

    CustomerFactory(external_id="TEST", is_test=True)
    redundancy_sweep(triggered_by="test", months=36)
    redundancy_decide(proposal=RedundancyProposal.objects.get(), archive=False, actor=steward)

    again = redundancy_sweep(triggered_by="test", months=36)

    assert again.issues_opened == 0
    assert proposed() == set()
