"""Customer export through the API and the list page's button: the list's
filters, who may export, masking, and the record every export leaves."""

import csv
import io
import re
from html import unescape

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from customers.models import SENSITIVE_FIELDS, CustomerExport
from mis import roles
from mis.roles import ROLE_PERMISSIONS
from tests.conftest import PERSONAS
from tests.factories import CustomerFactory, UserFactory, ensure_role

pytestmark = pytest.mark.django_db

EXPORT = reverse("api:customer-export")
PAGE_EXPORT = reverse("customers:export")
LIST = reverse("customers:list")

EXPORTERS = {"manager", "steward", "dpo"}  # the roles with customers.export_customer


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def rows_of(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def first_names(response) -> list[str]:
    return sorted(row["first_name"] or row["organisation"] for row in rows_of(response))


@pytest.fixture
def population(db):
    CustomerFactory(first_name="Ada", lifecycle_stage="lead", city="Leeds", income_band="under_20k")
    CustomerFactory(first_name="Bob", lifecycle_stage="lead", city="London")
    CustomerFactory(first_name="Cleo", lifecycle_stage="customer", city="Leeds")
    CustomerFactory(first_name="Dan", lifecycle_stage="lead", archived_at=timezone.now())


@pytest.fixture
def masked_exporter(db):
    """An integration that has been given the export permission: it may export
    but not see sensitive data. No role is like that out of the box."""
    user = UserFactory(username="sync.bot", roles=[ensure_role(roles.INTEGRATION)])
    user.user_permissions.add(Permission.objects.get(codename="export_customer"))
    return user


# Who may export ---------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_roles_with_the_export_permission_may_export_through_the_api(
    api_client_for, persona, population, name
):
    response = api_client_for(persona(name)).get(EXPORT)

    assert response.status_code == (200 if name in EXPORTERS else 403)


def test_the_roles_given_the_export_permission_are_the_ones_meant_to():
    for role in roles.ALL_ROLES:
        ensure_role(role)  # as the migrations made them, unless a flush took them
    exporters = {
        role for role, codes in ROLE_PERMISSIONS.items() if "customers.export_customer" in codes
    }
    in_database = set(
        Group.objects.filter(permissions__codename="export_customer").values_list("name", flat=True)
    )

    assert (
        exporters
        == in_database
        == {
            roles.MARKETING_MANAGER,
            roles.DATA_STEWARD,
            roles.DATA_PROTECTION_LEAD,
        }
    )


def test_an_anonymous_caller_is_told_to_authenticate(api_client_for):
    response = api_client_for(None).get(EXPORT)

    assert response.status_code == 401
    assert not CustomerExport.objects.exists()


def test_a_refused_export_is_not_recorded_and_head_is_refused_too(api_client_for, marketing_user):
    client = api_client_for(marketing_user)

    assert client.get(EXPORT).status_code == 403
    assert client.head(EXPORT).status_code == 403
    assert not CustomerExport.objects.exists()


# The file ---------------------------------------------------------------------


def test_the_api_streams_a_csv_attachment_that_no_cache_keeps(api_client_for, manager, population):
    response = api_client_for(manager).get(EXPORT)

    assert response.status_code == 200
    assert response.streaming
    assert re.fullmatch(
        r'attachment; filename="customers-\d{8}-\d{6}\.csv"', response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"]
    assert first_names(response) == ["Ada", "Bob", "Cleo"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"lifecycle_stage": "lead"}, ["Ada", "Bob"]),
        ({"lifecycle_stage": "lead", "city": "leeds"}, ["Ada"]),
        ({"q": "cleo"}, ["Cleo"]),
        ({"income_band": "under_20k"}, ["Ada"]),
        ({"archived": "true"}, ["Dan"]),
        ({"archived": "false"}, ["Ada", "Bob", "Cleo"]),
    ],
)
def test_the_export_takes_the_filters_of_the_list(
    api_client_for, manager, population, query, expected
):
    response = api_client_for(manager).get(EXPORT, {"format": "csv", **query})

    assert first_names(response) == expected


def test_xlsx_is_a_download_openpyxl_reads_back(api_client_for, manager, population):
    response = api_client_for(manager).get(
        EXPORT, {"format": "xlsx", "fields": "first_name,city", "lifecycle_stage": "lead"}
    )

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["first_name", "city"]
    assert sorted(rows[1:]) == [["Ada", "Leeds"], ["Bob", "London"]]


def test_the_format_can_also_be_the_url_suffix(api_client_for, manager, population):
    response = api_client_for(manager).get(EXPORT.rstrip("/") + ".xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_fields_choose_the_columns_and_their_order(api_client_for, manager, population):
    response = api_client_for(manager).get(EXPORT, {"fields": "city,first_name", "q": "ada"})

    assert body(response).decode() == "city,first_name\r\nLeeds,Ada\r\n"


def test_an_unknown_field_or_format_is_a_400_naming_it(api_client_for, manager):
    client = api_client_for(manager)

    unknown_field = client.get(EXPORT, {"fields": "email,shoe_size"})
    unknown_format = client.get(EXPORT, {"format": "pdf"})

    assert unknown_field.status_code == 400
    [message] = unknown_field.json()["fields"]
    assert message.startswith("Unknown field “shoe_size”. Allowed fields: id, external_id,")
    assert unknown_format.status_code == 400
    assert unknown_format.json() == {"format": ["Unknown format “pdf”. Use one of: csv, xlsx."]}
    assert not CustomerExport.objects.exists()


def test_a_bad_filter_value_is_a_400_with_a_message_for_the_filter(api_client_for, manager):
    response = api_client_for(manager).get(EXPORT, {"lifecycle_stage": "vip"})

    assert response.status_code == 400
    assert list(response.json()) == ["lifecycle_stage"]


# Masking ----------------------------------------------------------------------


def test_without_the_sensitive_permission_the_default_columns_leave_sensitive_ones_out(
    api_client_for, masked_exporter, population
):
    rows = rows_of(api_client_for(masked_exporter).get(EXPORT))

    assert len(rows) == 3
    assert "first_name" in rows[0]
    assert not set(SENSITIVE_FIELDS) & set(rows[0])


@pytest.mark.parametrize("field", SENSITIVE_FIELDS)
def test_without_the_sensitive_permission_asking_for_a_sensitive_column_is_refused(
    api_client_for, masked_exporter, population, field
):
    response = api_client_for(masked_exporter).get(EXPORT, {"fields": f"email,{field}"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": f"You do not have permission to export sensitive data: {field}."
    }
    assert not CustomerExport.objects.exists()


def test_without_the_sensitive_permission_filtering_on_sensitive_data_is_refused(
    api_client_for, masked_exporter, population
):
    response = api_client_for(masked_exporter).get(EXPORT, {"income_band": "under_20k"})

    assert response.status_code == 403
    assert "income_band" in response.json()["detail"]


def test_roles_with_the_sensitive_permission_get_every_column(api_client_for, dpo, population):
    rows = rows_of(api_client_for(dpo).get(EXPORT, {"q": "ada"}))

    assert set(SENSITIVE_FIELDS) <= set(rows[0])
    assert rows[0]["income_band"] == "under_20k"


# The record -------------------------------------------------------------------


def test_an_api_export_is_recorded_and_its_row_count_known_when_the_stream_ends(
    api_client_for, manager, population
):
    response = api_client_for(manager).get(
        EXPORT, {"format": "csv", "fields": "id,email", "lifecycle_stage": "lead", "city": ""}
    )

    record = CustomerExport.objects.get()
    assert (record.status, record.row_count, record.finished_at) == ("running", 0, None)

    assert len(rows_of(response)) == 2

    record.refresh_from_db()
    assert (record.actor, record.actor_name, record.via) == (manager, "max.manager", "api")
    assert (record.fields, record.filters, record.file_format) == (
        ["id", "email"],
        {"lifecycle_stage": "lead"},
        "csv",
    )
    assert (record.status, record.row_count, record.error) == ("finished", 2, "")
    assert record.started_at <= record.finished_at


def test_repeated_filters_are_recorded_as_a_list(api_client_for, steward, population):
    response = api_client_for(steward).get(
        EXPORT, {"lifecycle_stage": ["lead", "customer"], "format": "xlsx"}
    )

    body(response)
    record = CustomerExport.objects.get()
    assert record.filters == {"lifecycle_stage": ["lead", "customer"]}
    assert (record.file_format, record.row_count, record.status) == ("xlsx", 3, "finished")


# The list page's button -------------------------------------------------------


EXPORT_BUTTON = re.compile(
    r'<a role="button" class="secondary outline" href="(/customers/export/[^"]*)">(\w+)</a>'
)


def export_links(response) -> dict[str, str]:
    """The export buttons' targets, by their label."""
    assert response.status_code == 200
    return {
        label: unescape(href) for href, label in EXPORT_BUTTON.findall(response.content.decode())
    }


def test_the_list_offers_to_export_its_current_filters_from_any_page(
    page_client_for, manager, population, settings
):
    settings.CUSTOMER_PAGE_SIZE = 1
    client = page_client_for(manager)
    first = client.get(LIST, {"lifecycle_stage": "lead", "city": "", "archived": "unknown"})
    older = unescape(re.search(r'href="([^"]*cursor=[^"]*)"', first.content.decode()).group(1))

    response = client.get(older)

    # Every match, not the page on show: the cursor is left behind.
    assert export_links(response) == {
        "CSV": f"{PAGE_EXPORT}?lifecycle_stage=lead&format=csv",
        "Excel": f"{PAGE_EXPORT}?lifecycle_stage=lead&format=xlsx",
    }


def test_the_filtered_fragment_carries_the_export_buttons_too(page_client_for, manager, population):
    response = page_client_for(manager).get(LIST, {"q": "ada"}, headers={"HX-Request": "true"})

    assert export_links(response)["CSV"] == f"{PAGE_EXPORT}?q=ada&format=csv"


@pytest.mark.parametrize("name", ["marketing_user", "integration_user"])
def test_the_list_hides_the_button_from_roles_that_may_not_export(
    page_client_for, persona, population, name
):
    client = page_client_for(persona(name))

    assert export_links(client.get(LIST)) == {}
    assert b"Export these matches" not in client.get(LIST).content
    assert client.get(PAGE_EXPORT, {"format": "csv"}).status_code == 403


def test_the_button_exports_the_current_filters_and_is_recorded(
    page_client_for, steward, population
):
    client = page_client_for(steward)
    link = export_links(client.get(LIST, {"lifecycle_stage": "lead"}))["CSV"]

    response = client.get(link)

    assert first_names(response) == ["Ada", "Bob"]
    record = CustomerExport.objects.get()
    assert (record.actor, record.via, record.filters) == (
        steward,
        "page",
        {"lifecycle_stage": "lead"},
    )
    assert (record.status, record.row_count) == ("finished", 2)
    assert "date_of_birth" in record.fields


def test_the_excel_button_downloads_xlsx(page_client_for, dpo, population):
    client = page_client_for(dpo)
    link = export_links(client.get(LIST, {"city": "leeds"}))["Excel"]

    response = client.get(link)

    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    names = sorted(row[header.index("first_name")] for row in rows)
    assert names == ["Ada", "Cleo"]


def test_a_mistake_in_the_export_link_goes_back_to_the_list_with_a_message(
    page_client_for, manager, population
):
    client = page_client_for(manager)

    response = client.get(PAGE_EXPORT, {"fields": "shoe_size", "lifecycle_stage": "lead"})

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?lifecycle_stage=lead"
    page = client.get(response["Location"]).content.decode()
    assert "Unknown field “shoe_size”." in unescape(page)
    assert not CustomerExport.objects.exists()


def test_a_bad_filter_in_the_export_link_goes_back_to_the_list_showing_the_error(
    page_client_for, manager
):
    response = page_client_for(manager).get(PAGE_EXPORT, {"lifecycle_stage": "vip"}, follow=True)

    assert response.redirect_chain == [(f"{LIST}?lifecycle_stage=vip", 302)]
    assert b"Correct the filters before exporting." in response.content
    assert b"lifecycle_stage" in response.content


# The record in admin ----------------------------------------------------------


def test_the_record_of_exports_is_read_only_in_admin_even_for_a_superuser(
    page_client_for, manager, population
):
    body(page_client_for(manager).get(PAGE_EXPORT))
    record = CustomerExport.objects.get()
    admin = page_client_for(UserFactory(username="root", is_superuser=True, is_staff=True))
    change = reverse("admin:customers_customerexport_change", args=[record.pk])

    assert admin.get(reverse("admin:customers_customerexport_changelist")).status_code == 200
    assert admin.get(change).status_code == 200
    assert admin.get(reverse("admin:customers_customerexport_add")).status_code == 403
    assert admin.post(change, {"actor_name": "someone else"}).status_code == 403
    delete = reverse("admin:customers_customerexport_delete", args=[record.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.actor_name == "max.manager"


def test_the_data_protection_lead_reads_the_record_of_exports_in_admin(page_client_for, dpo):
    dpo.is_staff = True
    dpo.save()

    response = page_client_for(dpo).get(reverse("admin:customers_customerexport_changelist"))

    assert response.status_code == 200
