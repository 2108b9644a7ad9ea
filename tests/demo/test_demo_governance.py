"""What the demo seeds beyond customers and orders, so that every page shows
something true: consents with their proof, a history of sign-ups, a retention
policy, published procedures and data-subject requests."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min
from django.db.models.functions import TruncMonth
from django.utils import timezone

from customers.models import Customer, LifecycleStage
from demo import writer
from governance.models import (
    Consent,
    ConsentStatus,
    DataSubjectRequest,
    IdentityStatus,
    ProcedureVersion,
    RetentionPolicy,
)
from governance.selectors import consent_current

N = 400
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db, tmp_path, settings, role_groups, purposes_and_procedures):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS
    out = io.StringIO()
    call_command("seed_demo", customers=N, seed=5, truth=tmp_path / "t.csv", stdout=out)
    return out.getvalue()


def test_consents_carry_their_proof(seeded):
    demo = Consent.objects.filter(customer__source=writer.DEMO_SOURCE)
    grants = demo.filter(status=ConsentStatus.GRANTED)
    assert grants.count() > N // 4
    assert not grants.filter(wording_version="", wording_text="").exists()
    assert not demo.filter(evidence="").exists()
    assert set(demo.values_list("status", flat=True)) == {"granted", "refused", "withdrawn"}
    # A withdrawal comes after the grant it undoes, by the unsubscribe link.
    withdrawn = demo.filter(status=ConsentStatus.WITHDRAWN)
    for event in withdrawn[:20]:
        grant = demo.get(
            customer=event.customer_id,
            purpose=event.purpose_id,
            channel=event.channel,
            status=ConsentStatus.GRANTED,
        )
        assert grant.occurred_at <= event.occurred_at
        assert event.capture_method == "unsubscribe_link"
    # Email consent only where there is an address to write to.
    assert not demo.filter(channel="email", customer__email="").exists()


def test_current_consent_reads_the_seeded_ledger(seeded):
    current = consent_current().filter(customer__source=writer.DEMO_SOURCE)
    granted = current.filter(status=ConsentStatus.GRANTED, channel="email")
    withdrawn = current.filter(status=ConsentStatus.WITHDRAWN, channel="email")
    assert granted.exists() and withdrawn.exists()
    # The latest event wins: nobody who withdrew still counts as granted.
    assert not granted.filter(customer__in=withdrawn.values("customer")).exists()


def test_customers_came_in_over_the_past_years(seeded):
    demo = Customer.objects.filter(source=writer.DEMO_SOURCE)
    span = demo.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"] <= timezone.now()
    assert span["last"] - span["first"] > timedelta(days=2 * 365)
    months = demo.annotate(m=TruncMonth("created_at")).values("m").annotate(n=Count("id"))
    assert len(months) >= 24
    # A buyer signed up no later than their first order.
    buyers = demo.filter(
        lifecycle_stage__in=[LifecycleStage.CUSTOMER, LifecycleStage.LAPSED]
    ).annotate(first=Min("orders__ordered_at"))
    assert buyers.exists()
    assert all(c.created_at <= c.first for c in buyers)


def test_retention_procedures_and_requests(seeded):
    policy = RetentionPolicy.objects.get()
    assert policy.lifecycle_stage == LifecycleStage.LAPSED and policy.inactivity_months == 72
    assert ProcedureVersion.objects.filter(number=1).count() == 3
    requests = DataSubjectRequest.objects.filter(customer__source=writer.DEMO_SOURCE)
    assert requests.count() == 4
    assert requests.filter(identity_status=IdentityStatus.VERIFIED).count() == 3
    assert "Governance examples added: 1 retention policies, 3 procedures, 4 requests" in seeded


def test_seeding_again_adds_no_second_set(seeded, tmp_path):
    out = io.StringIO()
    call_command("seed_demo", customers=N, seed=5, reset=True, truth=tmp_path / "t.csv", stdout=out)
    assert RetentionPolicy.objects.count() == 1
    assert ProcedureVersion.objects.count() == 3
    assert DataSubjectRequest.objects.count() == 4  # the reset removed the old set's
    assert Consent.objects.exclude(customer__source=writer.DEMO_SOURCE).count() == 0
