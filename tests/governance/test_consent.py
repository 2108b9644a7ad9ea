"""The consent ledger: append-only events, the current state derived from them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance import selectors, services
from governance.models import Consent, ConsentStatus, SuppressionEntry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

GRANT = {"capture_method": "web_form", "source": "newsletter sign-up", "wording_version": "v3"}


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_the_current_state_is_the_latest_event_of_each_purpose_and_channel():
    ada = CustomerFactory()
    services.consent_grant(
        customer=ada, purpose="email_marketing", channel="email", occurred_at=_ago(10), **GRANT
    )
    services.consent_withdraw(
        customer=ada, purpose="email_marketing", channel="email", occurred_at=_ago(5)
    )
    services.consent_grant(
        customer=ada, purpose="sms_marketing", channel="sms", occurred_at=_ago(3), **GRANT
    )

    current = {
        (c.purpose.code, c.channel): c.status
        for c in selectors.consent_current().select_related("purpose")
    }

    assert current == {
        ("email_marketing", "email"): ConsentStatus.WITHDRAWN,
        ("sms_marketing", "sms"): ConsentStatus.GRANTED,
    }
    assert Consent.objects.count() == 3


def test_an_event_recorded_late_does_not_override_a_newer_one():
    ada = CustomerFactory()
    services.consent_withdraw(
        customer=ada, purpose="email_marketing", channel="email", occurred_at=_ago(1)
    )
    # A paper form from last month, typed in today.
    services.consent_grant(
        customer=ada, purpose="email_marketing", channel="email", occurred_at=_ago(30), **GRANT
    )

    assert selectors.consent_current().get().status == ConsentStatus.WITHDRAWN


def test_the_current_state_can_be_filtered_after_the_latest_event_is_chosen():
    ada, bob = CustomerFactory(), CustomerFactory()
    for person in (ada, bob):
        services.consent_grant(
            customer=person,
            purpose="email_marketing",
            channel="email",
            occurred_at=_ago(9),
            **GRANT,
        )
    services.consent_withdraw(
        customer=bob, purpose="email_marketing", channel="email", occurred_at=_ago(2)
    )

    granted = selectors.consent_current().filter(status=ConsentStatus.GRANTED)

    assert list(granted.values_list("customer", flat=True)) == [ada.pk]


def test_a_recorded_event_cannot_be_changed_or_deleted():
    event = services.consent_grant(
        customer=CustomerFactory(), purpose="email_marketing", channel="email", **GRANT
    )

    event.status = ConsentStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="append-only"):
        event.save()
    with pytest.raises(ValidationError, match="append-only"):
        Consent.objects.filter(pk=event.pk).update(status=ConsentStatus.WITHDRAWN)
    with pytest.raises(ValidationError, match="never deleted"):
        event.delete()
    assert Consent.objects.get().status == ConsentStatus.GRANTED


def test_a_grant_is_refused_with_a_reason_for_every_field_that_is_wrong():
    with pytest.raises(ValidationError) as caught:
        services.consent_grant(
            customer=CustomerFactory(),
            purpose="email_marketing",
            channel="sms",
            capture_method="carrier pigeon",
            source=" ",
            occurred_at=timezone.now() + dt.timedelta(days=1),
        )

    errors = caught.value.message_dict
    assert set(errors) == {"channel", "capture_method", "source", "occurred_at", "wording_version"}
    assert "Email marketing does not use sms" in errors["channel"][0]
    assert Consent.objects.count() == 0


def test_an_unknown_purpose_is_named_with_the_known_ones():
    with pytest.raises(ValidationError) as caught:
        services.consent_grant(
            customer=CustomerFactory(), purpose="telepathy", channel="email", **GRANT
        )

    assert "“telepathy” is not a purpose" in caught.value.message_dict["purpose"][0]
    assert "email_marketing" in caught.value.message_dict["purpose"][0]


def test_an_expiry_must_come_after_the_grant():
    with pytest.raises(ValidationError) as caught:
        services.consent_grant(
            customer=CustomerFactory(),
            purpose="email_marketing",
            channel="email",
            occurred_at=_ago(1),
            expires_at=_ago(2),
            **GRANT,
        )

    assert "expires_at" in caught.value.message_dict


def test_an_objection_withdraws_every_marketing_purpose_on_every_channel_and_suppresses():
    ada = CustomerFactory(email="ada@example.com", phone="+447911123456")
    services.consent_grant(
        customer=ada, purpose="email_marketing", channel="email", occurred_at=_ago(3), **GRANT
    )

    events = services.objection_register(customer=ada, capture_method="email_reply")

    current = selectors.consent_current(Consent.objects.filter(customer=ada))
    assert current.filter(status=ConsentStatus.GRANTED).count() == 0
    covered = {(e.purpose.code, e.channel) for e in events}
    assert ("email_marketing", "email") in covered
    assert ("sms_marketing", "sms") in covered
    assert ("post_marketing", "post") in covered
    assert ("profiling", "online") in covered  # a purpose on any channel: every channel
    assert SuppressionEntry.objects.filter(reason="objection").count() == 2
    assert not SuppressionEntry.objects.filter(value_hash__contains="ada").exists()


def test_the_state_of_a_customer_lists_every_purpose_and_channel_with_its_latest_event(
    django_assert_num_queries,
):
    ada = CustomerFactory()
    services.consent_grant(customer=ada, purpose="sms_marketing", channel="sms", **GRANT)

    with django_assert_num_queries(2):
        rows = selectors.consent_state(ada)

    by_key = {(row["purpose"].code, row["channel"]): row["event"] for row in rows}
    assert by_key[("sms_marketing", "sms")].status == ConsentStatus.GRANTED
    assert by_key[("email_marketing", "email")] is None
    assert ("email_marketing", "sms") not in by_key
