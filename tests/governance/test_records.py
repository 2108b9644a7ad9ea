"""The processing register, procedures with acknowledgements, and the audit view."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from customers import services as customer_services
from customers.models import SENSITIVE_FIELDS
from governance import register, selectors
from governance.models import Procedure
from governance.services import procedures
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


# Processing register ---------------------------------------------------------------


def test_the_register_lists_every_purpose_with_its_basis_recipients_and_retention(
    page_client_for, marketing_user
):
    client = page_client_for(marketing_user)

    page = client.get(reverse("governance:register")).content.decode()
    download = client.get(reverse("governance:register-csv"))

    assert "Email marketing" in page and "Legitimate interests" in page
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert tuple(rows[0]) == register.REGISTER_COLUMNS
    by_code = {row["code"]: row for row in rows}
    assert by_code["post_marketing"]["legal_basis"] == "Legitimate interests"
    assert by_code["email_marketing"]["recipients"].startswith("Marketing team")
    assert by_code["email_marketing"]["retention"]


def test_every_customer_field_is_tagged_with_the_sensitivity_masking_uses():
    tags = {row["field"]: row for row in register.field_tags()}

    assert {name for name, row in tags.items() if row["sensitive"]} == set(SENSITIVE_FIELDS)
    assert tags["email"]["category"] == "contact"
    assert tags["date_of_birth"]["category"] == "demographic"


def test_a_user_without_a_role_cannot_read_the_register(page_client_for, outsider):
    assert page_client_for(outsider).get(reverse("governance:register")).status_code == 403


# Procedures -----------------------------------------------------------------------


@pytest.fixture
def storage():
    return Procedure.objects.get_or_create(
        code="storage", defaults={"title": "Storing customer information", "topic": "storage"}
    )[0]


def test_publishing_makes_a_new_version_that_everyone_must_read_again(
    storage, dpo, marketing_user, manager
):
    first = procedures.procedure_publish(procedure=storage, body="Keep it in MIS.", actor=dpo)
    procedures.procedure_acknowledge(version=first, user=marketing_user)
    assert _missing(storage) == {"dana.dpo", "max.manager"}

    second = procedures.procedure_publish(
        procedure=storage, body="Keep it in MIS only.", change_summary="only", actor=dpo
    )

    assert second.number == 2
    assert _missing(storage) == {"dana.dpo", "max.manager", "mia.marketing"}
    with pytest.raises(ValidationError, match="newer version"):
        procedures.procedure_acknowledge(version=first, user=manager)


def _missing(procedure) -> set[str]:
    row = next(r for r in selectors.procedure_outstanding() if r["version"].procedure == procedure)
    return {user.username for user in row["missing"]}


def test_acknowledging_twice_is_harmless(storage, dpo):
    version = procedures.procedure_publish(procedure=storage, body="text", actor=dpo)

    procedures.procedure_acknowledge(version=version, user=dpo)
    procedures.procedure_acknowledge(version=version, user=dpo)

    assert version.acknowledgements.count() == 1


def test_a_new_version_says_what_changed_and_only_the_lead_publishes(storage, dpo, manager):
    procedures.procedure_publish(procedure=storage, body="text", actor=dpo)

    with pytest.raises(ValidationError) as caught:
        procedures.procedure_publish(procedure=storage, body="new text", actor=dpo)
    assert "change_summary" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        procedures.procedure_publish(procedure=storage, body="x", change_summary="y", actor=manager)


def test_a_user_reads_and_acknowledges_on_the_page(page_client_for, storage, dpo, steward):
    version = procedures.procedure_publish(procedure=storage, body="Keep it in MIS.", actor=dpo)
    client = page_client_for(steward)

    before = client.get(reverse("governance:procedures")).content.decode()
    client.post(reverse("governance:procedure-acknowledge", args=[version.pk]))
    after = client.get(reverse("governance:procedures")).content.decode()

    assert "I have read it" in before
    assert "I have read it" not in after
    assert version.acknowledgements.get().user == steward


def test_the_lead_publishes_on_the_page_and_sees_who_has_not_read(
    page_client_for, storage, dpo, marketing_user
):
    client = page_client_for(dpo)

    response = client.post(
        reverse("governance:procedure", args=["storage"]), {"body": "Lock the screen."}
    )
    outstanding = client.get(reverse("governance:procedures-outstanding")).content.decode()

    assert response.status_code == 302
    assert "mia.marketing" in outstanding
    assert (
        page_client_for(marketing_user)
        .get(reverse("governance:procedures-outstanding"))
        .status_code
        == 403
    )


def test_marketing_staff_cannot_publish_from_the_page(page_client_for, storage, marketing_user):
    response = page_client_for(marketing_user).post(
        reverse("governance:procedure", args=["storage"]), {"body": "Anything goes."}
    )

    assert response.status_code == 403
    assert not storage.versions.exists()


# Audit view -----------------------------------------------------------------------


def test_the_audit_view_shows_who_changed_which_fields_filtered_by_customer(
    page_client_for, dpo, steward
):
    ada = customer_services.customer_create(
        data={"first_name": "Ada", "email": "ada@example.com"}, source="web form", actor=steward
    )
    customer_services.customer_update(
        customer=ada, data={"city": "Leeds"}, source="web form", actor=steward
    )
    other = CustomerFactory()
    other.first_name = "Bob"
    other.save()

    response = page_client_for(dpo).get(
        reverse("governance:audit"), {"customer": str(ada.public_id)}
    )

    entries = response.context["entries"]
    assert [e["record"].get_history_type_display() for e in entries] == ["Changed", "Created"]
    assert entries[0]["changes"] == ["city"]
    assert entries[0]["record"].history_user == steward
    assert all(e["record"].id == ada.pk for e in entries)


def test_the_audit_view_filters_by_user_and_pages_by_history(page_client_for, dpo, steward):
    for n in range(3):
        customer_services.customer_create(
            data={"first_name": f"P{n}"}, source="web form", actor=steward
        )
    customer_services.customer_create(data={"first_name": "Q"}, source="web form", actor=dpo)
    client = page_client_for(dpo)

    by_steward = client.get(reverse("governance:audit"), {"user": "sam.steward"}).context
    assert len(by_steward["entries"]) == 3
    assert by_steward["next_query"] is None


def test_the_audit_view_refuses_a_bad_filter_with_the_reason(page_client_for, dpo):
    response = page_client_for(dpo).get(reverse("governance:audit"), {"since": "yesterday"})

    assert response.status_code == 400
    assert "since" in response.context["form"].errors


@pytest.mark.parametrize("name", ["marketing_user", "steward", "integration_user", "outsider"])
def test_only_those_who_audit_see_the_audit_view(page_client_for, persona, name):
    assert page_client_for(persona(name)).get(reverse("governance:audit")).status_code == 403


def test_the_audit_view_takes_the_same_queries_for_5_or_40_changes(
    page_client_for, dpo, steward, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = page_client_for(dpo)
    for n in range(5):
        customer_services.customer_create(data={"first_name": f"A{n}"}, source="f", actor=steward)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("governance:audit"))
    few_count = len(few.captured_queries)
    for n in range(35):
        customer_services.customer_create(data={"first_name": f"B{n}"}, source="f", actor=steward)

    with django_assert_max_num_queries(few_count):
        assert len(client.get(reverse("governance:audit")).context["entries"]) == 40
