"""Data-subject requests: deadlines, identity first, and fulfilment by kind."""

import datetime as dt
import io
import json
import os
import uuid
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from customers import policy
from customers.models import Customer, QualityIssue
from governance import selectors, services
from governance.models import ConsentStatus, RequestStatus
from governance.services import requests as dsr
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _verified(customer, kind, dpo, **extra):
    request = dsr.dsr_register(customer=customer, kind=kind, received_via="email", **extra)
    return dsr.dsr_identity_check(request=request, verified=True, method="passport seen", actor=dpo)


def test_a_request_is_due_30_days_after_receipt_and_flagged_when_late():
    received = timezone.now() - dt.timedelta(days=31)
    late = dsr.dsr_register(
        customer=CustomerFactory(), kind="access", received_via="letter", received_at=received
    )
    on_time = dsr.dsr_register(customer=CustomerFactory(), kind="erasure", received_via="email")

    assert late.due_at == received + dt.timedelta(days=30)
    assert late.is_overdue and not on_time.is_overdue
    assert list(selectors.dsr_overdue()) == [late]


def test_an_extension_needs_a_reason_happens_once_and_moves_the_deadline(dpo):
    late = dsr.dsr_register(
        customer=CustomerFactory(),
        kind="access",
        received_via="letter",
        received_at=timezone.now() - dt.timedelta(days=31),
    )
    with pytest.raises(ValidationError) as caught:
        dsr.dsr_extend(request=late, days=90, reason=" ", actor=dpo)
    assert set(caught.value.message_dict) == {"days", "extension_reason"}

    dsr.dsr_extend(request=late, days=30, reason="complex: records in three systems", actor=dpo)

    assert not late.is_overdue
    assert list(selectors.dsr_overdue()) == []
    with pytest.raises(ValidationError, match="extended already"):
        dsr.dsr_extend(request=late, days=10, reason="again", actor=dpo)


def test_nothing_is_fulfilled_before_identity_is_verified(dpo):
    request = dsr.dsr_register(customer=CustomerFactory(), kind="erasure", received_via="email")

    with pytest.raises(ValidationError, match="identity"):
        dsr.dsr_fulfil(request=request, actor=dpo)

    assert Customer.objects.count() == 1


def test_a_failed_identity_check_refuses_the_request(dpo):
    request = dsr.dsr_register(customer=CustomerFactory(), kind="access", received_via="phone")

    request = dsr.dsr_identity_check(request=request, verified=False, method="no ID", actor=dpo)

    assert request.status == RequestStatus.REFUSED
    with pytest.raises(ValidationError, match="refused"):
        dsr.dsr_fulfil(request=request, actor=dpo)


@pytest.mark.parametrize("name", ["marketing_user", "manager", "steward", "outsider"])
def test_only_the_data_protection_lead_handles_requests(persona, name):
    request = dsr.dsr_register(customer=CustomerFactory(), kind="access", received_via="email")

    with pytest.raises(PermissionDenied):
        dsr.dsr_identity_check(request=request, verified=True, method="x", actor=persona(name))


def test_the_access_package_holds_every_personal_field_and_everything_else(dpo):
    ada = CustomerFactory(interests=["chess"], attributes={})
    OrderFactory(customer=ada)
    services.consent_grant(
        customer=ada,
        purpose="email_marketing",
        channel="email",
        capture_method="web_form",
        source="form",
        wording_version="v2",
    )
    QualityIssue.objects.create(
        customer=ada, field="phone", code="odd", message="odd", raw_value="x", detected_by="t"
    )
    services.access_log_record(user=dpo, action="view", via="page", customer_ids=[ada.pk])
    ada.history.create(id=ada.pk, history_date=timezone.now(), history_type="~", **_historical(ada))

    request = dsr.dsr_fulfil(request=_verified(ada, "portability", dpo), actor=dpo)

    archive = zipfile.ZipFile(io.BytesIO(request.package.read()))
    assert set(archive.namelist()) == {
        "data.json",
        "customer.csv",
        "orders.csv",
        "order_lines.csv",
        "consents.csv",
        "quality_issues.csv",
        "history.csv",
        "access_log.csv",
    }
    data = json.loads(archive.read("data.json"))
    record = data["customer"][0]
    ada.refresh_from_db()
    for field in Customer._meta.concrete_fields:
        if field.attname == "search_text":
            continue
        assert record[field.attname] == _as_json(getattr(ada, field.attname)), field.attname
    assert record["interests"] == ["chess"]
    assert record["email"] == ada.email and record["date_of_birth"] == str(ada.date_of_birth)
    assert len(data["orders"]) == 1 and len(data["order_lines"]) == 2
    assert data["consents"][0]["wording_version"] == "v2"
    assert data["quality_issues"][0]["code"] == "odd"
    assert data["history"] and data["access_log"]
    assert ada.email in archive.read("customer.csv").decode()
    assert request.status == RequestStatus.FULFILLED


def _as_json(value):
    if isinstance(value, dt.date | uuid.UUID | Decimal):
        return DjangoJSONEncoder().default(value)
    if isinstance(value, str | int | bool | dict | list) or value is None:
        return value
    return str(value)  # a Country


def _historical(customer):
    """The customer's values, as a history row holds them (history leaves
    out some fields, such as the derived quality score)."""
    kept = {field.attname for field in Customer.history.model._meta.concrete_fields}
    return {
        field.attname: getattr(customer, field.attname)
        for field in Customer._meta.concrete_fields
        if field.attname in kept and field.attname != "id"
    }


def test_an_erasure_request_erases_and_certifies(dpo):
    zeb = CustomerFactory(email="zeb@example.org")
    request = _verified(zeb, "erasure", dpo)

    request = dsr.dsr_fulfil(request=request, actor=dpo)

    assert not Customer.objects.filter(pk=zeb.pk).exists()
    assert request.customer is None and request.tombstone is not None
    assert request.certificate["tombstone"] == str(request.tombstone.reference)
    assert "zeb" not in json.dumps(request.certificate)
    assert policy.suppressed(emails=["zeb@example.org"]) == {("email", "zeb@example.org")}


def test_an_objection_request_withdraws_marketing_and_suppresses(dpo):
    ada = CustomerFactory()

    dsr.dsr_fulfil(request=_verified(ada, "objection", dpo), actor=dpo)

    statuses = set(
        selectors.consent_current().filter(customer=ada).values_list("status", flat=True)
    )
    assert statuses == {ConsentStatus.WITHDRAWN}
    assert policy.suppressed(emails=[ada.email])


def test_a_restriction_archives_the_record(dpo):
    ada = CustomerFactory()

    dsr.dsr_fulfil(request=_verified(ada, "restriction", dpo), actor=dpo)

    assert Customer.objects.get(pk=ada.pk).is_archived


def test_a_rectification_says_what_was_corrected(dpo):
    request = _verified(CustomerFactory(), "rectification", dpo)

    with pytest.raises(ValidationError) as caught:
        dsr.dsr_fulfil(request=request, actor=dpo)
    assert "outcome" in caught.value.message_dict

    done = dsr.dsr_fulfil(request=request, actor=dpo, outcome="Postcode corrected to SW1A 1AA.")
    assert done.status == RequestStatus.FULFILLED


# Pages ----------------------------------------------------------------------------


def test_the_lead_registers_checks_and_fulfils_a_request_on_the_pages(page_client_for, dpo):
    ada = CustomerFactory()
    client = page_client_for(dpo)

    registered = client.post(
        reverse("governance:requests"),
        {"customer": str(ada.public_id), "kind": "access", "received_via": "email"},
    )
    request = ada.data_subject_requests.get()
    identity = client.post(
        reverse("governance:request-identity", args=[request.public_id]),
        {"verified": "yes", "method": "video call"},
    )
    fulfilled = client.post(reverse("governance:request-fulfil", args=[request.public_id]), {})
    package = client.get(reverse("governance:request-package", args=[request.public_id]))

    assert registered.status_code == identity.status_code == fulfilled.status_code == 302
    assert package.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(package.streaming_content))).namelist()


def test_the_register_page_flags_overdue_requests(page_client_for, dpo):
    dsr.dsr_register(
        customer=CustomerFactory(),
        kind="erasure",
        received_via="letter",
        received_at=timezone.now() - dt.timedelta(days=40),
    )

    page = page_client_for(dpo).get(reverse("governance:requests")).content.decode()

    assert "1 overdue" in page


def test_a_mistake_on_a_page_is_reported_on_its_field(page_client_for, dpo):
    client = page_client_for(dpo)

    response = client.post(
        reverse("governance:requests"),
        {"customer": "00000000-0000-0000-0000-000000000009", "kind": "x", "received_via": ""},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"customer", "kind", "received_via"}


def test_a_steward_registers_but_cannot_fulfil(page_client_for, steward, dpo):
    request = _verified(CustomerFactory(), "erasure", dpo)
    client = page_client_for(steward)

    assert client.get(reverse("governance:requests")).status_code == 200
    refused = client.post(reverse("governance:request-fulfil", args=[request.public_id]), {})

    assert refused.status_code == 403
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("name", ["marketing_user", "integration_user", "outsider"])
def test_others_see_no_requests(page_client_for, persona, name):
    assert page_client_for(persona(name)).get(reverse("governance:requests")).status_code == 403


def test_erasure_deletes_the_packages_of_earlier_access_requests(
    dpo, settings, django_capture_on_commit_callbacks
):
    ada = CustomerFactory()
    access = dsr.dsr_fulfil(request=_verified(ada, "access", dpo), actor=dpo)
    path = access.package.path

    with django_capture_on_commit_callbacks(execute=True):
        dsr.dsr_fulfil(request=_verified(ada, "erasure", dpo), actor=dpo)

    access.refresh_from_db()
    assert not access.package
    assert not os.path.exists(path)
