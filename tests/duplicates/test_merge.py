import datetime as dt
import importlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from customers.duplicates.services.merge import (
    MergeError,
    candidate_merge,
    customers_merge,
    merge_defaults,
    merge_undo,
)
from customers.models import (
    CandidateStatus,
    Customer,
    DuplicateCandidate,
    MatchDecision,
    MergeStatus,
    Order,
    QualityIssue,
)
from governance import selectors as consent_selectors
from governance import services as consent_services
from governance.models import Consent
from governance.models.consent import ConsentStatus
from tests.duplicates.conftest import person
from tests.factories import OrderFactory

GRANT = {
    "capture_method": "web_form",
    "source": "signup form",
    "wording_version": "v1",
    "wording_text": "Send me offers by email.",
}


@pytest.fixture(autouse=True)
def purposes(db):
    from django.apps import apps

    importlib.import_module("governance.migrations.0002_purposes").seed(apps, None)


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def twins(match_model):
    """Two records of one person: the older verified long ago with an old
    address, the newer verified last week, missing the date of birth."""
    older = person(
        external_id="A-1",
        address_line1="1 Old Street",
        last_verified_at=_ago(900),
        occupation="Teacher",
    )
    newer = person(
        external_id="A-2",
        first_name="Bob",
        address_line1="22 New Road",
        date_of_birth=None,
        last_verified_at=_ago(7),
        occupation="",
    )
    low, high = sorted((older.pk, newer.pk))
    candidate = DuplicateCandidate.objects.create(
        customer_a_id=low,
        customer_b_id=high,
        match_probability=0.999,
        match_weight=20,
        decision=MatchDecision.DUPLICATE,
        match_model=match_model,
    )
    return older, newer, candidate


def test_survivorship_prefers_the_most_recently_verified_and_fills_its_gaps(twins, settings):
    older, newer, _ = twins
    settings.DUPLICATE_SURVIVORSHIP = "most_recently_verified"

    defaults = merge_defaults(older, newer)

    assert defaults["survivor"] == "b"
    assert defaults["choices"]["address_line1"] == "b"
    assert defaults["choices"]["date_of_birth"] == "a"  # the newer record has none
    assert defaults["choices"]["occupation"] == "a"


def test_survivorship_by_source_priority(twins, settings):
    older, newer, _ = twins
    Customer.objects.filter(pk=older.pk).update(source="crm")
    older.refresh_from_db()
    settings.DUPLICATE_SURVIVORSHIP = "source_priority"
    settings.DUPLICATE_SOURCE_PRIORITY = ["crm", "factory"]

    assert merge_defaults(older, newer)["survivor"] == "a"


def test_a_merge_moves_orders_issues_and_consents_and_its_undo_restores_both(twins, steward):
    older, newer, candidate = twins
    order = OrderFactory(customer=older)
    issue = QualityIssue.objects.create(
        customer=older, field="phone", code="invalid", message="x", detected_by="test"
    )
    consent_services.consent_grant(
        customer=older, purpose="email_marketing", channel="email", occurred_at=_ago(30), **GRANT
    )
    consent_services.consent_withdraw(
        customer=newer, purpose="email_marketing", channel="email", occurred_at=_ago(60)
    )
    before = {
        c.pk: {f: getattr(c, f) for f in ("first_name", "address_line1", "date_of_birth")}
        for c in (older, newer)
    }

    merge = candidate_merge(
        candidate=candidate,
        survivor="b" if newer.pk > older.pk else "a",
        choices={"first_name": "a" if older.pk < newer.pk else "b"},
        actor=steward,
    )

    newer.refresh_from_db()
    older.refresh_from_db()
    assert merge.survivor == newer and older.merged_into == newer
    assert newer.first_name == "Robert"  # chosen from the older record
    assert newer.address_line1 == "22 New Road"  # default: the survivor's
    assert newer.date_of_birth == dt.date(1980, 3, 14)  # filled from the older record
    assert Order.objects.get(pk=order.pk).customer == newer
    assert QualityIssue.objects.get(pk=issue.pk).customer == newer
    assert not Consent.objects.filter(customer=older).exists()
    # The withdrawal on one record beats the (later) grant on the other.
    current = consent_selectors.consent_current(Consent.objects.filter(customer=newer)).get()
    assert current.status == ConsentStatus.WITHDRAWN
    assert not Customer.objects.active().filter(pk=older.pk).exists()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED
    assert merge.merged_by == steward and merge.choices["first_name"] == "merged"

    merge_undo(merge=merge, actor=steward)

    for customer in (older, newer):
        customer.refresh_from_db()
        assert {f: getattr(customer, f) for f in before[customer.pk]} == before[customer.pk]
    assert older.merged_into is None
    assert Order.objects.get(pk=order.pk).customer == older
    assert QualityIssue.objects.get(pk=issue.pk).customer == older
    granted = Consent.objects.get(customer=older, status=ConsentStatus.GRANTED)
    assert granted.source == "signup form"
    merge.refresh_from_db()
    assert merge.status == MergeStatus.UNDONE and merge.undone_by == steward
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING
    reasons = list(newer.history.values_list("history_change_reason", flat=True)[:2])
    assert reasons[0].startswith("merge with") and reasons[0].endswith("undone")


def test_marketing_staff_may_not_merge(twins, marketing_user):
    older, newer, candidate = twins

    with pytest.raises(PermissionDenied):
        candidate_merge(candidate=candidate, survivor="a", choices={}, actor=marketing_user)

    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_a_merged_record_cannot_be_merged_again(twins, steward):
    older, newer, _ = twins
    customers_merge(survivor=newer, merged=older, actor=steward)
    third = person(external_id="A-3", email="robert@example.org")

    with pytest.raises(MergeError, match="already merged"):
        customers_merge(survivor=third, merged=older, actor=steward)


def test_an_unknown_choice_is_refused_and_nothing_is_written(twins, steward):
    older, newer, _ = twins

    with pytest.raises(ValidationError) as error:
        customers_merge(
            survivor=newer, merged=older, choices={"public_id": "merged"}, actor=steward
        )

    assert "public_id" in error.value.message_dict
    older.refresh_from_db()
    assert older.merged_into is None


def test_an_undone_merge_cannot_be_undone_twice(twins, steward):
    older, newer, _ = twins
    merge = customers_merge(survivor=newer, merged=older, actor=steward)
    merge_undo(merge=merge, actor=steward)

    with pytest.raises(MergeError, match="already undone"):
        merge_undo(merge=merge, actor=steward)


def test_auto_merge_merges_duplicate_pairs_when_switched_on(match_model, settings):
    from customers.duplicates.services.sweep import duplicate_sweep_run

    settings.DUPLICATE_AUTO_MERGE = True
    a = person(external_id="A-1")
    b = person(external_id="A-2", first_name="Bob")

    run = duplicate_sweep_run()

    assert run.auto_merged == 1
    assert Customer.objects.filter(pk__in=[a.pk, b.pk], merged_into__isnull=False).count() == 1


def test_a_record_with_a_flagged_bad_value_can_still_be_merged(twins, steward):
    older, newer, _ = twins
    # Imports keep a bad value raw (and flag it); the merge does not choose it.
    Customer.objects.filter(pk=older.pk).update(postcode="NOT A POSTCODE")
    older.refresh_from_db()

    merge = customers_merge(
        survivor=older, merged=newer, choices={"address_line1": "merged"}, actor=steward
    )

    older.refresh_from_db()
    assert merge.survivor == older and older.address_line1 == "22 New Road"


def test_choosing_a_bad_value_is_refused_with_its_field(twins, steward):
    older, newer, _ = twins
    Customer.objects.filter(pk=newer.pk).update(postcode="NOT A POSTCODE")
    newer.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        customers_merge(survivor=older, merged=newer, choices={"postcode": "merged"}, actor=steward)

    assert "postcode" in error.value.message_dict
    older.refresh_from_db()
    assert older.postcode == "LS1 4AB"
