"""The consent API: purposes to read, consent events to list and append."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import Consent
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

CONSENTS = reverse("governance-api:consent-list")
PURPOSES = reverse("governance-api:purpose-list")


def _grant(customer, **extra):
    return {
        "customer": str(customer.public_id),
        "purpose": "email_marketing",
        "channel": "email",
        "status": "granted",
        "capture_method": "web_form",
        "source": "newsletter sign-up",
        "wording_version": "v3",
        **extra,
    }


def test_an_integration_appends_a_grant_and_reads_it_back(token_client):
    ada = CustomerFactory()

    created = token_client.post(CONSENTS, _grant(ada), format="json")
    listed = token_client.get(CONSENTS, {"customer": str(ada.public_id)})

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["customer"] == str(ada.public_id)
    assert body["status"] == "granted"
    assert body["actor"] == "crm.integration"
    assert "pk" not in body and body["id"] != Consent.objects.get().pk
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]


def test_a_withdrawal_is_a_new_event(api_client_for, marketing_user):
    ada = CustomerFactory()
    client = api_client_for(marketing_user)
    client.post(CONSENTS, _grant(ada), format="json")

    response = client.post(
        CONSENTS,
        {
            "customer": str(ada.public_id),
            "purpose": "email_marketing",
            "channel": "email",
            "status": "withdrawn",
            "capture_method": "unsubscribe_link",
            "source": "newsletter footer",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert list(Consent.objects.order_by("pk").values_list("status", flat=True)) == [
        "granted",
        "withdrawn",
    ]


def test_a_bad_event_gets_a_400_with_a_reason_per_field(api_client_for, marketing_user):
    ada = CustomerFactory()

    response = api_client_for(marketing_user).post(
        CONSENTS,
        _grant(ada, channel="sms", wording_version="", purpose="telepathy", colour="blue"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"colour": ["Unknown field."]}

    response = api_client_for(marketing_user).post(
        CONSENTS, _grant(ada, channel="sms", wording_version="", purpose="telepathy"), format="json"
    )
    errors = response.json()
    assert response.status_code == 400
    assert set(errors) == {"purpose", "wording_version"}
    assert Consent.objects.count() == 0


def test_an_unknown_customer_is_a_400_on_the_customer_field(api_client_for, marketing_user):
    response = api_client_for(marketing_user).post(
        CONSENTS,
        _grant(CustomerFactory.build(public_id="00000000-0000-0000-0000-000000000000")),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"customer"}


def test_events_can_be_neither_changed_nor_deleted(api_client_for, dpo):
    client = api_client_for(dpo)
    event = client.post(CONSENTS, _grant(CustomerFactory()), format="json").json()
    detail = reverse("governance-api:consent-detail", args=[event["id"]])

    superuser = api_client_for(UserFactory(username="root", is_superuser=True))

    assert client.get(detail).status_code == 200
    for caller in (client, superuser):
        assert caller.patch(detail, {"status": "withdrawn"}, format="json").status_code in (
            403,
            405,
        )
        assert caller.delete(detail).status_code in (403, 405)
    assert superuser.delete(detail).status_code == 405
    assert Consent.objects.get().status == "granted"


def test_an_objection_through_the_api_withdraws_all_marketing(api_client_for, manager):
    ada = CustomerFactory()

    response = api_client_for(manager).post(
        reverse("governance-api:consent-objection"),
        {"customer": str(ada.public_id), "capture_method": "email_reply", "source": "letter"},
        format="json",
    )

    assert response.status_code == 201
    assert {row["status"] for row in response.json()} == {"withdrawn"}
    assert len(response.json()) >= 6


@pytest.mark.parametrize(
    ("name", "read", "write"),
    [
        ("marketing_user", 200, 201),
        ("manager", 200, 201),
        ("steward", 200, 201),
        ("dpo", 200, 201),
        ("integration_user", 200, 201),
        ("outsider", 403, 403),
    ],
)
def test_who_may_read_and_record_consent(api_client_for, persona, name, read, write):
    client = api_client_for(persona(name))

    assert client.get(CONSENTS).status_code == read
    assert client.get(PURPOSES).status_code == read
    assert client.post(CONSENTS, _grant(CustomerFactory()), format="json").status_code == write


def test_anonymous_callers_get_401(api_client_for):
    assert api_client_for(None).get(CONSENTS).status_code == 401


def test_purposes_are_listed_with_their_legal_basis(api_client_for, steward):
    purposes = {p["code"]: p for p in api_client_for(steward).get(PURPOSES).json()}

    assert purposes["email_marketing"]["legal_basis"] == "consent"
    assert purposes["email_marketing"]["channels"] == ["email"]
    assert purposes["post_marketing"]["legal_basis"] == "legitimate_interests"
    assert api_client_for(steward).post(PURPOSES, {"code": "x"}).status_code == 405


def test_the_list_takes_the_same_queries_for_2_or_20_events(
    api_client_for, dpo, django_assert_max_num_queries
):
    client = api_client_for(dpo)
    for customer in CustomerFactory.create_batch(2):
        client.post(CONSENTS, _grant(customer), format="json")
    with CaptureQueriesContext(connection) as few:
        client.get(CONSENTS)
    # Counted now: the next requests reset the connection's query log.
    few_count = len(few.captured_queries)
    for customer in CustomerFactory.create_batch(18):
        client.post(CONSENTS, _grant(customer), format="json")
    with django_assert_max_num_queries(few_count):
        assert len(client.get(CONSENTS).json()["results"]) == 20
