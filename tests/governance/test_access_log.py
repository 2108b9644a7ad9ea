"""Access monitoring: every read of personal data is logged once per read,
and the log cannot be changed."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance import selectors, services
from governance.models import AccessLog
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _inserts_into_the_log(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith('INSERT INTO "governance_accesslog"'))


def test_a_customer_page_view_is_logged_with_who_what_and_from_where(
    page_client_for, marketing_user
):
    ada = CustomerFactory()

    response = page_client_for(marketing_user).get(
        ada.get_absolute_url(), REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.user, entry.username, entry.action, entry.via) == (
        marketing_user,
        "mia.marketing",
        "view",
        "page",
    )
    assert entry.customer_ids == [ada.pk]
    assert entry.record_count == 1
    assert entry.ip_address == "203.0.113.7"
    assert entry.auth == "session"


def test_an_api_list_is_one_log_row_for_the_whole_page(api_client_for, steward):
    CustomerFactory.create_batch(30)

    with CaptureQueriesContext(connection) as queries:
        response = api_client_for(steward).get(reverse("api:customer-list"), {"page_size": 25})

    assert response.status_code == 200
    assert _inserts_into_the_log(queries.captured_queries) == 1
    entry = AccessLog.objects.get()
    returned = {row["id"] for row in response.json()["results"]}
    assert entry.action == "list" and entry.via == "api"
    assert entry.record_count == 25 == len(returned)
    assert len(entry.customer_ids) == 25


def test_an_api_read_by_token_is_logged_with_the_token_hint(token_client, integration_user):
    ada = CustomerFactory()

    response = token_client.get(reverse("api:customer-detail", args=[ada.public_id]))

    assert response.status_code == 200
    entry = AccessLog.objects.get()
    assert entry.auth == "token"
    assert entry.token_hint == integration_user.auth_token.key[:6]
    assert (entry.action, entry.customer_ids) == ("api_read", [ada.pk])


def test_an_export_is_logged_with_how_many_records_went_out(api_client_for, dpo):
    CustomerFactory.create_batch(3)

    response = api_client_for(dpo).get(reverse("api:customer-export"), {"format": "csv"})
    b"".join(response.streaming_content)

    entry = AccessLog.objects.get(action="export")
    assert (entry.username, entry.via, entry.record_count) == ("dana.dpo", "api", 3)
    assert "csv" in entry.detail


def test_a_command_line_export_is_logged_without_a_user(tmp_path):
    CustomerFactory.create_batch(2)

    call_command("export_customers", str(tmp_path / "out.csv"))

    entry = AccessLog.objects.get()
    assert (entry.username, entry.via, entry.record_count, entry.auth) == ("", "command", 2, "none")


def test_reading_the_consent_page_is_logged_too(page_client_for, dpo):
    ada = CustomerFactory()

    page_client_for(dpo).get(reverse("governance:customer-consents", args=[ada.public_id]))

    assert AccessLog.objects.get().detail == "consent page"


def test_the_log_cannot_be_changed_or_deleted_even_by_a_query():
    entry = services.access_log_record(user=None, action="view", via="command", customer_ids=[1])

    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(detail="nothing to see")
    if connection.vendor == "postgresql":  # SQLite guards UPDATE only (see migration 0009)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AccessLog.objects.filter(pk=entry.pk).delete()
    assert AccessLog.objects.get().detail == ""


def test_admin_offers_neither_change_nor_delete(page_client_for):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    entry = services.access_log_record(user=root, action="view", via="page", customer_ids=[1])
    client = page_client_for(root)

    change = client.get(reverse("admin:governance_accesslog_change", args=[entry.pk]))
    delete = client.get(reverse("admin:governance_accesslog_delete", args=[entry.pk]))

    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert delete.status_code == 403


def test_a_list_bigger_than_the_id_limit_keeps_the_count_only(settings):
    settings.ACCESS_LOG_MAX_IDS = 5

    entry = services.access_log_record(
        user=None, action="list", via="task", customer_ids=range(1, 11)
    )

    assert (entry.customer_ids, entry.record_count) == ([], 10)


def test_the_reads_about_one_customer_are_found_by_id():
    services.access_log_record(user=None, action="list", via="task", customer_ids=[7, 71, 17])
    services.access_log_record(user=None, action="view", via="task", customer_ids=[7])
    services.access_log_record(user=None, action="view", via="task", customer_ids=[77])

    assert selectors.access_log_about(7).count() == 2
    assert selectors.access_log_about(71).count() == 1


# The usage page and report -----------------------------------------------------


def test_the_usage_page_flags_bulk_reads_and_counts_per_user(page_client_for, dpo, settings):
    settings.ACCESS_BULK_THRESHOLD = 10
    mia = UserFactory(username="mia")
    services.access_log_record(user=mia, action="view", via="page", customer_ids=[1])
    services.access_log_record(user=mia, action="export", via="page", count=5000)
    services.access_log_record(user=dpo, action="list", via="api", customer_ids=[1, 2])

    response = page_client_for(dpo).get(reverse("governance:access-usage"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "5,000" in page  # the export is flagged
    usage = {row["username"]: row for row in response.context["usage"]}
    assert (usage["mia"]["views"], usage["mia"]["exports"], usage["mia"]["bulk"]) == (1, 1, 1)
    assert (usage["dana.dpo"]["lists"], usage["dana.dpo"]["records"]) == (1, 2)
    assert response.context["active"][0]["users"] == 2
    assert [entry.record_count for entry in response.context["bulk"]] == [5000]


def test_the_usage_page_refuses_a_nonsense_period(page_client_for, dpo):
    response = page_client_for(dpo).get(reverse("governance:access-usage"), {"days": "-3"})

    assert response.status_code == 400
    assert b"greater than or equal to 1" in response.content


def test_the_monthly_report_has_a_row_per_user_for_that_month_only(page_client_for, manager):
    mia = UserFactory(username="mia")
    services.access_log_record(user=mia, action="view", via="page", customer_ids=[1])
    services.access_log_record(user=mia, action="export", via="page", count=40)
    month = timezone.localdate().strftime("%Y-%m")
    last_year = (timezone.localdate() - dt.timedelta(days=400)).strftime("%Y-%m")
    client = page_client_for(manager)

    response = client.get(reverse("governance:access-report"), {"month": month})
    empty = client.get(reverse("governance:access-report"), {"month": last_year})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == f'attachment; filename="access-{month}.csv"'
    assert rows == [
        ["user", "views", "lists", "exports", "records", "bulk_reads"],
        ["mia", "1", "0", "1", "41", "0"],
    ]
    assert len(list(csv.reader(io.StringIO(empty.content.decode())))) == 1


def test_the_monthly_report_says_what_is_wrong_with_the_month(page_client_for, manager):
    response = page_client_for(manager).get(
        reverse("governance:access-report"), {"month": "11/2026"}
    )

    assert response.status_code == 400
    assert b"YYYY-MM" in response.content


@pytest.mark.parametrize("name", ["marketing_user", "steward", "integration_user", "outsider"])
def test_only_those_who_answer_for_the_data_see_the_usage(page_client_for, persona, name):
    client = page_client_for(persona(name))

    assert client.get(reverse("governance:access-usage")).status_code == 403
    assert client.get(reverse("governance:access-report")).status_code == 403


def test_an_api_read_logs_the_filters_used_but_not_their_values(api_client_for, manager):
    CustomerFactory(last_name="Lovelace", email="ada@example.com")

    api_client_for(manager).get("/api/v1/customers/", {"q": "Lovelace", "country": "GB"})

    entry = AccessLog.objects.get()
    assert entry.detail == "/api/v1/customers/ filters: country, q"
    assert "Lovelace" not in entry.detail
