"""Journey through duplicate review: a steward reviews a pair side by side,
keeps one field from each record, merges them, and undoes the merge."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from customers import services
from customers.duplicates import engine
from customers.models import Customer, DuplicateCandidate, MatchDecision, MatchModel
from mis.roles import DATA_STEWARD, MARKETING_STAFF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pair() -> tuple[Customer, Customer]:
    common = {
        "last_name": "Hargreaves",
        "email": "robert.hargreaves@example.com",
        "postcode": "LS1 4AB",
        "date_of_birth": dt.date(1980, 3, 14),
    }
    a = services.customer_create(
        data={"first_name": "Robert", "address_line1": "12 Station Road", **common},
        source="crm",
    )
    b = services.customer_create(
        data={"first_name": "Bob", "address_line1": "22 New Road", **common}, source="web form"
    )
    model = MatchModel.objects.create(version=1, splink_settings=engine.settings_dict())
    DuplicateCandidate.objects.create(
        customer_a=a,
        customer_b=b,
        match_probability=0.9993,
        match_weight=20.4,
        decision=MatchDecision.DUPLICATE,
        match_model=model,
        # Name level 10 is "Nickname of the same first name, same surname".
        evidence={"name": [10, 11.2], "email": [4, 9.5], "address": [0, -2.1]},
    )
    return a, b


def test_a_steward_merges_a_pair_field_by_field_and_undoes_it(page, make_user, log_in, screenshot):
    make_user(DATA_STEWARD, username="sam")
    robert, bob = _pair()

    log_in("sam")
    page.get_by_role("link", name="Duplicates").click()
    expect(page.get_by_role("heading", name="Duplicate review")).to_be_visible()
    screenshot("queue")
    page.get_by_role("link", name="Review").click()
    expect(page.get_by_text("Nickname of the same first name, same surname")).to_be_visible()
    page.locator("input[name=survivor][value=a]").check()
    page.locator("input[name=choice_address_line1][value=b]").check()
    screenshot("review")
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_role("heading", name="Merge these two records?")).to_be_visible()
    screenshot("confirm")
    page.get_by_role("button", name="Merge").click()

    expect(page.get_by_text("was merged into Robert Hargreaves")).to_be_visible()
    robert.refresh_from_db()
    bob.refresh_from_db()
    assert bob.merged_into == robert and robert.address_line1 == "22 New Road"
    page.goto(bob.get_absolute_url())
    expect(page.get_by_role("heading", name="Robert Hargreaves")).to_be_visible()

    page.goto("/duplicates/merges/")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("both records are back as they were")).to_be_visible()
    screenshot("undone")
    bob.refresh_from_db()
    robert.refresh_from_db()
    assert bob.merged_into is None and robert.address_line1 == "12 Station Road"


def test_marketing_staff_review_but_find_no_merge_button(page, make_user, log_in):
    make_user(MARKETING_STAFF, username="mia")
    _pair()

    log_in("mia")
    page.goto("/duplicates/")
    page.get_by_role("link", name="Review").click()

    expect(page.get_by_text("Only a data steward merges records.")).to_be_visible()
    expect(page.get_by_role("button", name="Merge")).to_have_count(0)
