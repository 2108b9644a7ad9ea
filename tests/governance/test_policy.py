"""Contact eligibility through the customer database's one interface
(customers.policy), backed by governance.policy, and the suppression list."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers import policy
from customers.models import Customer
from governance import hashing, services
from governance.models import SuppressionEntry
from mis import metrics
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

GRANT = {"capture_method": "web_form", "source": "sign-up", "wording_version": "v1"}


def _grant(customer, purpose="email_marketing", channel="email", **extra):
    return services.consent_grant(
        customer=customer, purpose=purpose, channel=channel, **{**GRANT, **extra}
    )


def _eligible_ids(purpose="email_marketing", channel="email", at=None):
    result = policy.eligible(Customer.objects.all(), purpose=purpose, channel=channel, at=at)
    return set(result.eligible.values_list("pk", flat=True)), result


def test_the_customer_database_asks_governance_by_default(settings):
    assert settings.CUSTOMER_POLICY_BACKEND == "governance.policy"
    assert ("email", "Email") in policy.channels()
    assert ("email_marketing", "Email marketing") in policy.purposes()


def test_withdrawal_removes_a_person_from_the_next_eligible_list():
    ada, bob = CustomerFactory(), CustomerFactory()
    _grant(ada)
    _grant(bob)
    before, _ = _eligible_ids()

    services.consent_withdraw(customer=ada, purpose="email_marketing", channel="email")

    after, result = _eligible_ids()
    assert before == {ada.pk, bob.pk}
    assert after == {bob.pk}
    assert result.excluded == {"withdrawn": 1}
    assert result.checked


def test_it_counts_the_people_left_out_by_reason():
    granted = CustomerFactory()
    _grant(granted)
    never_asked = CustomerFactory()
    refused = CustomerFactory()
    services.consent_refuse(customer=refused, purpose="email_marketing", channel="email", **GRANT)
    expired = CustomerFactory()
    _grant(
        expired,
        occurred_at=timezone.now() - dt.timedelta(days=400),
        expires_at=timezone.now() - dt.timedelta(days=35),
    )
    no_email = CustomerFactory(email="")
    _grant(no_email)
    suppressed = CustomerFactory()
    _grant(suppressed)
    services.suppression_add(email=suppressed.email, reason="request")

    eligible, result = _eligible_ids()

    assert eligible == {granted.pk}
    assert result.excluded == {
        "no_consent": 1,
        "refused": 1,
        "expired": 1,
        "no_contact_point": 1,
        "suppressed": 1,
    }
    assert never_asked.pk not in eligible
    assert result.excluded_total == 5


def test_consent_is_per_channel_an_email_grant_is_not_an_sms_one():
    ada = CustomerFactory()
    _grant(ada, purpose="profiling", channel="email")

    assert _eligible_ids("profiling", "email")[0] == {ada.pk}
    assert _eligible_ids("profiling", "sms")[0] == set()


def test_a_purpose_on_legitimate_interests_needs_no_consent_but_honours_an_objection():
    ada, bob = CustomerFactory(), CustomerFactory()

    assert _eligible_ids("post_marketing", "post")[0] == {ada.pk, bob.pk}

    services.objection_register(customer=bob)

    eligible, result = _eligible_ids("post_marketing", "post")
    assert eligible == {ada.pk}
    assert result.excluded == {"suppressed": 1}


def test_eligibility_is_judged_at_the_moment_asked():
    ada = CustomerFactory()
    _grant(ada, occurred_at=timezone.now() - dt.timedelta(days=10))
    services.consent_withdraw(
        customer=ada,
        purpose="email_marketing",
        channel="email",
        occurred_at=timezone.now() - dt.timedelta(days=2),
    )

    assert _eligible_ids(at=timezone.now() - dt.timedelta(days=5))[0] == {ada.pk}
    assert _eligible_ids()[0] == set()


def test_eligibility_takes_the_same_queries_for_3_or_40_customers():
    for person in CustomerFactory.create_batch(3):
        _grant(person)
    with CaptureQueriesContext(connection) as few:
        _, result = _eligible_ids()
    for person in CustomerFactory.create_batch(37):
        _grant(person)

    with CaptureQueriesContext(connection) as many:
        eligible, _ = _eligible_ids()

    def reads(captured) -> list[str]:
        # Settings for the statement's transaction and savepoints are not reads.
        return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("SELECT")]

    assert len(eligible) == 40
    assert len(reads(few.captured_queries)) == len(reads(many.captured_queries)) == 3
    # purpose; every reason and the eligible count in one statement; the ids


def test_an_unknown_purpose_or_channel_is_an_error_not_an_empty_list():
    with pytest.raises(ValidationError, match="not a purpose"):
        _eligible_ids("telepathy", "email")
    with pytest.raises(ValidationError, match="not a channel"):
        _eligible_ids("profiling", "fax")


def test_the_suppression_list_answers_for_contact_points_in_any_spelling():
    services.suppression_add(email="Ada@Example.com", phone="07911 123456", reason="erasure")

    found = policy.suppressed(
        emails=["ada@example.com ", "bob@example.com"], phones=["+447911123456", "+447911000000"]
    )

    assert found == {("email", "ada@example.com "), ("phone", "+447911123456")}


def test_the_suppression_list_holds_keyed_hashes_not_the_values(settings):
    services.suppression_add(email="ada@example.com", reason="erasure")
    stored = SuppressionEntry.objects.get().value_hash

    assert "ada" not in stored
    assert stored == hashing.hmac_hex("ada@example.com", settings.SUPPRESSION_KEY)
    assert stored != hashing.hmac_hex("ada@example.com", "another key")


def test_adding_the_same_person_twice_keeps_one_entry_per_contact_point():
    assert (
        services.suppression_add(email="ada@example.com", phone="+447911123456", reason="request")
        == 2
    )
    assert services.suppression_add(email="ADA@example.com", reason="objection") == 0
    assert SuppressionEntry.objects.count() == 2


def test_the_database_computes_the_same_hash_as_python():
    ada = CustomerFactory(email="ada@example.com")

    in_db = Customer.objects.annotate(h=hashing.KeyedHash("email")).get(pk=ada.pk).h

    assert in_db == hashing.email_hash("ada@example.com")


def test_consent_coverage_is_the_share_of_live_customers_with_a_current_grant():
    ada, bob, _cy, _di = CustomerFactory.create_batch(4)
    assert metrics.measure("consent_coverage", params={"purpose": "email_marketing"}).value is None

    _grant(ada)
    _grant(bob)
    services.consent_withdraw(customer=bob, purpose="email_marketing", channel="email")

    measured = metrics.measure("consent_coverage", params={"purpose": "email_marketing"})
    assert measured.value == 25
    with pytest.raises(ValidationError, match="not a purpose of Consent coverage"):
        metrics.measure("consent_coverage", params={"purpose": "telepathy"})


def test_the_eligible_count_counted_with_the_reasons_is_the_eligible_list_length():
    granted, _, _ = CustomerFactory.create_batch(3)
    _grant(granted)

    ids, result = _eligible_ids()

    assert result.eligible_count == len(ids) == 1
    assert result.excluded == {"no_consent": 2}
