"""Governance in admin: consent is added through the service and never edited."""

import pytest
from django.urls import reverse

from governance import services
from governance.models import Consent
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(page_client_for):
    return page_client_for(UserFactory(username="root", is_staff=True, is_superuser=True))


def _form(customer, **extra):
    return {
        "customer": customer.pk,
        "purpose": 1,
        "channel": "email",
        "status": "granted",
        "occurred_at_0": "2026-01-05",
        "occurred_at_1": "10:00:00",
        "capture_method": "paper_form",
        "source": "shop counter",
        "wording_version": "v3",
        **extra,
    }


def test_a_consent_added_in_admin_goes_through_the_service(admin_client_):
    from governance.models import Purpose

    ada = CustomerFactory()
    purpose = Purpose.objects.get(code="email_marketing")

    response = admin_client_.post(
        reverse("admin:governance_consent_add"), _form(ada, purpose=purpose.pk)
    )

    assert response.status_code == 302
    event = Consent.objects.get()
    assert event.actor.username == "root"


def test_admin_refuses_a_grant_on_a_channel_the_purpose_does_not_use(admin_client_):
    from governance.models import Purpose

    purpose = Purpose.objects.get(code="email_marketing")

    response = admin_client_.post(
        reverse("admin:governance_consent_add"),
        _form(CustomerFactory(), purpose=purpose.pk, channel="sms"),
    )

    assert response.status_code == 200
    assert "Email marketing does not use sms" in response.content.decode()
    assert Consent.objects.count() == 0


def test_a_recorded_consent_cannot_be_changed_or_deleted_in_admin(admin_client_):
    event = services.consent_grant(
        customer=CustomerFactory(),
        purpose="email_marketing",
        channel="email",
        capture_method="web_form",
        source="form",
        wording_version="v1",
    )

    change = admin_client_.get(reverse("admin:governance_consent_change", args=[event.pk]))
    admin_client_.post(
        reverse("admin:governance_consent_change", args=[event.pk]), {"status": "withdrawn"}
    )
    delete = admin_client_.get(reverse("admin:governance_consent_delete", args=[event.pk]))

    assert change.status_code == 200  # a view, with no save button
    assert b'name="_save"' not in change.content
    assert delete.status_code == 403
    assert Consent.objects.get().status == "granted"


@pytest.mark.parametrize(
    "model",
    [
        "consent",
        "purpose",
        "suppressionentry",
        "auditevent",
        "accesslog",
        "retentionpolicy",
        "retentionrun",
        "tombstone",
        "datasubjectrequest",
    ],
)
def test_every_governance_model_has_an_admin_list(admin_client_, model):
    assert admin_client_.get(reverse(f"admin:governance_{model}_changelist")).status_code == 200
