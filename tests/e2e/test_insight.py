"""Journeys through the Insight section: marketing writes a strategy in the
browser, a manager approves it from its page, and anyone gives feedback
from the footer."""

import re

import pytest
from playwright.sync_api import expect

from customers import services as customer_services
from insight.models import Feedback, InsightStrategy, StrategyStatus
from mis.roles import MARKETING_MANAGER, MARKETING_STAFF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def field(page, name: str):
    """A form control by its name: the record forms' labels carry help text."""
    return page.locator(f"[name={name}]")


def test_marketing_writes_a_strategy_and_a_manager_approves_it(page, make_user, log_in, screenshot):
    make_user(MARKETING_STAFF, username="mia")
    make_user(MARKETING_MANAGER, username="max")
    for n in range(3):
        customer_services.customer_create(
            data={"first_name": f"Cus{n}", "last_name": "Tomer", "email": f"c{n}@example.com"},
            source="crm",
        )

    log_in("mia")
    page.goto("/insight/")
    page.get_by_role("button", name="New strategy").click()
    field(page, "title").fill("Know our repeat buyers")
    field(page, "summary").fill("Why do first-time buyers not come back?")
    field(page, "marketing_strategy").fill("Grow repeat purchases by 20% in 2027.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Know our repeat buyers")).to_be_visible()
    screenshot("new-strategy")

    page.get_by_role("link", name="Add a requirement").click()
    field(page, "statement").fill("Who can we email?")
    field(page, "need").select_option("must_have")
    field(page, "moscow").select_option("must")
    field(page, "marketing_objective").fill("Repeat purchases")
    page.locator("input[name=fields][value=email]").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The information requirement is saved.")).to_be_visible()

    page.get_by_role("link", name="Add a success criterion").click()
    field(page, "description").fill("Most records can be emailed")
    field(page, "metric").select_option("field_completeness")
    field(page, "params").fill('{"field": "email"}')
    field(page, "target").fill("90")
    field(page, "deadline").fill("2027-06-30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="100.0%")).to_be_visible()

    page.goto("/insight/records/stakeholder/new/")
    field(page, "name").fill("Dee Director")
    field(page, "role").select_option("decision_maker")
    page.get_by_role("button", name="Save").click()
    strategy = InsightStrategy.objects.get()
    page.goto(f"/insight/strategies/{strategy.public_id}/")
    page.get_by_role("button", name="Take to consultation").click()
    expect(page.get_by_text("The strategy is now “In consultation”.")).to_be_visible()
    page.get_by_role("link", name="Record a consultation").click()
    field(page, "stakeholder").select_option(label="Dee Director (Decision maker)")
    field(page, "held_on").fill("2026-05-04")
    field(page, "topic").fill("Approval")
    field(page, "feedback_summary").fill("Agrees the criteria.")
    field(page, "committed").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#approval-missing")).to_have_count(0)
    screenshot("ready-for-approval")

    page.get_by_role("button", name="Log out").click()
    log_in("max")
    page.goto(f"/insight/strategies/{strategy.public_id}/")
    page.get_by_label("Reason or comment").fill("Agreed at the board")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The strategy is now “Approved”.")).to_be_visible()
    screenshot("approved")
    assert InsightStrategy.objects.get().status == StrategyStatus.APPROVED


def test_anyone_gives_feedback_from_the_footer_and_returns(page, make_user, log_in):
    make_user(MARKETING_STAFF, username="mia")
    log_in("mia")
    page.goto("/customers/")

    page.get_by_role("link", name="Give feedback on MIS").click()
    page.get_by_label("4").check()
    page.get_by_label("Comment (optional)").fill("Search is quick")
    page.get_by_role("button", name="Send feedback").click()

    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_text("Thank you: your feedback is recorded.")).to_be_visible()
    assert Feedback.objects.get().rating == 4
