"""Journey: someone who is not logged in tries to open the customer list."""

import re

import pytest
from playwright.sync_api import expect

from mis.roles import MARKETING_STAFF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_anonymous_visitor_is_sent_to_login_and_a_wrong_password_is_refused(
    page, make_user, log_in, screenshot
):
    staff = make_user(MARKETING_STAFF)

    page.goto("/customers/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/customers/$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("link", name="Customers")).to_have_count(0)
    screenshot("login-page")

    log_in(staff.username, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text(
        "Your username and password did not match. Please try again."
    )
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot("wrong-password")

    log_in(staff.username)
    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    screenshot("back-where-they-were-going")
