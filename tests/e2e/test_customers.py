"""Journeys through the customer pages: find a customer, add and edit one, page
through the list."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers import services
from customers.models import Customer
from mis.roles import MARKETING_MANAGER, MARKETING_STAFF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MASK = "•••• restricted"


def add_customer(first_name: str, last_name: str, phone: str, **data) -> Customer:
    return services.customer_create(
        data={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{first_name}.{last_name}@example.com".lower(),
            "phone": phone,
            **data,
        },
        source="crm import",
    )


def is_htmx_request(request) -> bool:
    return request.headers.get("hx-request") == "true"


def field_value(page, label: str):
    """The <dd> beside the <dt> with this label on the customer page."""
    return page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$")).locator("+ dd")


def test_staff_member_finds_a_customer_by_surname_and_sees_sensitive_fields_masked(
    page, make_user, log_in, screenshot
):
    staff = make_user(MARKETING_STAFF)
    ada = add_customer(
        "Ada",
        "Lovelace",
        "+447911123456",
        city="London",
        postcode="SW1A 1AA",
        occupation="Mathematician",
        date_of_birth=date(1985, 12, 10),
        income_band="60k_100k",
        interests=["mathematics", "poetry"],
        lifestyle="urban_professional",
        values="innovation",
        lifecycle_stage="customer",
    )
    services.order_create(
        customer=ada,
        data={
            "external_id": "ORD-1001",
            "ordered_at": timezone.now() - timedelta(days=3),
            "channel": "online",
        },
        lines=[
            {"product_category": "Books", "quantity": 2, "amount": Decimal("24.00")},
            {"product_category": "Stationery", "quantity": 1, "amount": Decimal("5.50")},
        ],
        source="web shop",
    )
    services.customer_update(customer=ada, data={"city": "Cambridge"}, source="crm sync")
    add_customer("Charles", "Babbage", "+447911123457", city="London")
    add_customer("Grace", "Hopper", "+447911123458", city="Arlington")

    log_in(staff.username)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("button", name=f"Log out {staff.username}")).to_be_visible()
    expect(page.locator(".figures article")).to_have_text(
        [
            re.compile(r"^3\s+customers and prospects$"),
            re.compile(r"^2\s+prospects$"),
            re.compile(r"^0\s+leads$"),
            re.compile(r"^1\s+customer$"),
            re.compile(r"^0\s+lapsed$"),
            re.compile(r"^1\s+order$"),
        ],
        use_inner_text=True,
    )
    screenshot("overview")

    page.get_by_role("navigation").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    results = page.locator("#results")
    expect(results.locator("tbody tr")).to_have_count(3)
    expect(results).to_contain_text("3 matches")
    screenshot("customer-list")

    # A full page load would lose this marker; an HTMX swap keeps it.
    page.evaluate("window.stillTheSamePage = true")
    with page.expect_response(lambda r: "q=Lovelace" in r.url and is_htmx_request(r.request)):
        page.get_by_role("searchbox", name="Search").press_sequentially("Lovelace")
    expect(results).to_contain_text("1 match")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(results).not_to_contain_text("Babbage")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(re.compile(r"/customers/\?q=Lovelace$"))
    screenshot("search-results")

    results.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Ada Lovelace", level=1)).to_be_visible()
    for component in ("Identity", "Contact", "Geographic", "Demographic", "Psychographic"):
        expect(page.locator("article header", has_text=component)).to_be_visible()
    expect(field_value(page, "Email")).to_contain_text("ada.lovelace@example.com")
    expect(field_value(page, "City")).to_contain_text("Cambridge")
    expect(field_value(page, "Occupation")).to_contain_text("Mathematician")

    orders = page.get_by_role("heading", name="Orders").locator("+ table")
    expect(orders).to_contain_text("ORD-1001")
    expect(orders).to_contain_text("2 × Books (24.00); 1 × Stationery (5.50)")
    expect(orders).to_contain_text("29.50 GBP")

    history = page.locator("ul.history > li")
    expect(history.first).to_contain_text("Changed")
    expect(history.first).to_contain_text("by the system — updated from crm sync")
    expect(history.first).to_contain_text("changed: city")
    expect(history.last).to_contain_text("Created")
    expect(history.last).to_contain_text("by the system — created from crm import")

    for label in ("Date of birth", "Income band", "Interests", "Lifestyle", "Values"):
        expect(field_value(page, label).locator(".masked")).to_have_text(MASK)
    main = page.get_by_role("main")
    for secret in ("1985", "£60k–£100k", "mathematics", "Urban professional", "Innovation"):
        expect(main).not_to_contain_text(secret)
    # Staff may edit but not archive.
    expect(page.get_by_role("button", name="Edit")).to_be_visible()
    expect(page.get_by_role("button", name="Archive")).to_have_count(0)
    screenshot("customer-detail")


def test_manager_adds_a_customer_fixes_field_errors_and_edits_the_city(
    page, make_user, log_in, screenshot
):
    manager = make_user(MARKETING_MANAGER)
    log_in(manager.username)

    page.goto("/customers/")
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_role("heading", name="Add a customer")).to_be_visible()
    page.get_by_role("textbox", name="First name").fill("Mary")
    page.get_by_role("textbox", name="Last name").fill("Somerville")
    page.get_by_role("textbox", name="Email").fill("mary@@example")
    page.get_by_role("textbox", name="Phone").fill("07911 123459")
    page.get_by_role("textbox", name="City").fill("Edinburgh")
    page.get_by_role("textbox", name="Postcode").fill("EH1")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Add a customer")).to_be_visible()
    expect(page.locator("#id_email_errors")).to_have_text(
        "“mary@@example” is not a valid email address."
    )
    expect(page.locator("#id_postcode_errors")).to_have_text(
        "“EH1” is not a valid postcode for GB."
    )
    expect(page.locator(".errorlist")).to_have_count(2)
    # What was typed is kept.
    expect(page.get_by_role("textbox", name="First name")).to_have_value("Mary")
    expect(page.get_by_role("textbox", name="City")).to_have_value("Edinburgh")
    assert not Customer.objects.exists()
    screenshot("field-errors")

    page.get_by_role("textbox", name="Email").fill("  Mary.Somerville@Example.AC.UK ")
    page.get_by_role("textbox", name="Postcode").fill("eh11yz")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Mary Somerville", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Mary Somerville was added.")
    expect(field_value(page, "Email")).to_contain_text("mary.somerville@example.ac.uk")
    expect(field_value(page, "Phone")).to_contain_text("07911 123459")
    expect(field_value(page, "Postcode")).to_contain_text("EH1 1YZ")
    expect(field_value(page, "City")).to_contain_text("Edinburgh")
    expect(field_value(page, "Email")).to_contain_text("(web form)")
    screenshot("added")

    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit Mary Somerville")).to_be_visible()
    expect(page.get_by_role("textbox", name="Email")).to_have_value("mary.somerville@example.ac.uk")
    page.get_by_role("textbox", name="City").fill("Kirkcaldy")
    screenshot("editing")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    expect(field_value(page, "City")).to_contain_text("Kirkcaldy")
    history = page.locator("ul.history > li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Changed")
    expect(history.nth(0)).to_contain_text(f"by {manager.username}")
    expect(history.nth(0)).to_contain_text("updated from web form")
    expect(history.nth(0).locator(".provenance")).to_have_text("changed: city")
    expect(history.nth(1)).to_contain_text("Created")
    expect(history.nth(1)).to_contain_text(f"by {manager.username}")
    screenshot("edited")


def test_customer_list_pages_older_and_newer(page, make_user, log_in, screenshot, settings):
    settings.CUSTOMER_PAGE_SIZE = 5
    staff = make_user(MARKETING_STAFF)
    for number in range(1, 13):  # created oldest first; the list shows newest first
        add_customer("Page", f"Person{number:02d}", f"+4479111234{number:02d}")
    log_in(staff.username)

    page.goto("/customers/")
    results = page.locator("#results")
    names = results.locator("tbody tr td.name")
    older = results.get_by_role("link", name="Older →")
    newer = results.get_by_role("link", name="← Newer")

    def shows_people(*numbers):
        expect(names).to_have_text([f"Page Person{n:02d}" for n in numbers])

    expect(results).to_contain_text("12 matches")
    shows_people(12, 11, 10, 9, 8)
    expect(newer).to_have_count(0)
    screenshot("first-page")

    older.click()
    shows_people(7, 6, 5, 4, 3)
    expect(page).to_have_url(re.compile(r"\?cursor="))
    screenshot("second-page")

    older.click()
    shows_people(2, 1)
    expect(older).to_have_count(0)
    screenshot("last-page")

    newer.click()
    shows_people(7, 6, 5, 4, 3)
    newer.click()
    shows_people(12, 11, 10, 9, 8)
    expect(newer).to_have_count(0)
