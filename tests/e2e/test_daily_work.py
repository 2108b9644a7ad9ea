"""Daily work in the browser, each page checked with axe-core (WCAG 2.1 A/AA:
no serious or critical violation): a manager approves from the inbox, a
marketing user sorts, saves a view and bulk-updates the list, and the data
protection lead registers a request through the customer picker."""

import pytest
from playwright.sync_api import expect

from customers import services as customer_services
from customers.models import Customer, SavedView
from governance.models import DataSubjectRequest
from insight import services as insight_services
from insight.models import BusinessCaseStatus
from mis.roles import DATA_PROTECTION_LEAD, MARKETING_MANAGER, MARKETING_STAFF
from tests.insight.factories import complete_business_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add(first: str, last: str, **data) -> Customer:
    return customer_services.customer_create(
        data={
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}@example.com".lower(),
            **data,
        },
        source="crm",
    )


def sign_in(page, log_in, look, username: str) -> None:
    page.goto("/accounts/login/")
    look("login")
    log_in(username)
    look("overview")


def test_a_manager_approves_a_business_case_from_the_inbox(page, make_user, log_in, look):
    author = make_user(MARKETING_STAFF, username="mia")
    make_user(MARKETING_MANAGER, username="max")
    case = complete_business_case(author=author, title="One view of the customer")
    insight_services.business_case_submit(case=case, actor=author)

    sign_in(page, log_in, look, "max")
    page.get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
    expect(page.get_by_role("link", name="One view of the customer")).to_be_visible()
    look("inbox")
    page.get_by_label("Comment").fill("Agreed: start with the CRM export.")
    page.get_by_role("button", name="Approve").click()

    expect(page.get_by_text("“One view of the customer” was approved.")).to_be_visible()
    expect(page.get_by_text("Nothing waits for your decision.")).to_be_visible()
    look("approved")
    case.refresh_from_db()
    assert case.status == BusinessCaseStatus.APPROVED
    assert case.decision_comment == "Agreed: start with the CRM export."


def test_a_marketing_user_sorts_saves_a_view_and_updates_the_list_in_bulk(
    page, make_user, log_in, look
):
    mia = make_user(MARKETING_STAFF, username="mia")
    for first, last in [("Zoe", "Young"), ("Ann", "Adams"), ("Ben", "Baker"), ("Cat", "Clark")]:
        add(first, last, lifecycle_stage="prospect", city="Leeds")

    sign_in(page, log_in, look, "mia")
    page.get_by_role("link", name="Customers").click()
    look("list")
    page.get_by_role("link", name="Name", exact=True).click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Name ▲")
    expect(page.locator("tbody tr").first).to_contain_text("Ann Adams")
    look("sorted")

    page.get_by_label("Name of the view").fill("Prospects by name")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("The view “Prospects by name” was saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Prospects by name")).to_have_attribute(
        "aria-current", "page"
    )
    look("view-saved")
    assert SavedView.objects.get(owner=mia).query == "sort=name"

    page.get_by_label("Choose Ann Adams").check()
    page.get_by_label("Choose Ben Baker").check()
    page.get_by_label("Action").select_option("stage")
    page.get_by_label("New lifecycle stage").select_option("lead")
    page.get_by_role("button", name="Apply", exact=True).last.click()
    expect(page.get_by_text("2 customers lifecycle stage set to Lead.")).to_be_visible()
    expect(page.locator("tbody tr").first).to_contain_text("Ann Adams")  # still sorted
    look("bulk-updated")
    stages = dict(Customer.objects.values_list("last_name", "lifecycle_stage"))
    assert stages == {"Adams": "lead", "Baker": "lead", "Clark": "prospect", "Young": "prospect"}


def test_the_data_protection_lead_registers_a_request_through_the_picker(
    page, make_user, log_in, look
):
    make_user(DATA_PROTECTION_LEAD, username="dana")
    ada = add("Ada", "Lovelace", external_id="CRM-1815")
    add("Charles", "Babbage")

    sign_in(page, log_in, look, "dana")
    page.get_by_role("link", name="Governance").click()
    look("governance")
    page.goto("/governance/requests/")
    look("requests")
    page.get_by_label("Customer (name, e-mail or external id)").fill("CRM-18")
    page.get_by_label("Customer (name, e-mail or external id)").fill("CRM-1815")
    page.get_by_role("button", name="Ada Lovelace").click()
    expect(page.get_by_text("Customer: Ada Lovelace")).to_be_visible()
    look("customer-chosen")
    page.get_by_label("Request").select_option("access")
    page.get_by_label("Received via").fill("email")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="Access")).to_be_visible()
    look("registered")
    request = DataSubjectRequest.objects.get()
    assert request.customer == ada
