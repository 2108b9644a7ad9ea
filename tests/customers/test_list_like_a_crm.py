"""The customer list as a CRM's: columns sorted in keyset pages, a column
chooser, saved views per person, bulk actions as one service call with
history, and static lists."""

import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from customers.bulk_actions import customers_bulk_update
from customers.models import Customer, SavedView, StaticList
from tests.customers.test_pages import shown_names
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
SURNAMES = ["Young", "adams", "Baker", "Clark", "Baker", "Evans", "Davies"]


@pytest.fixture
def people():
    return [
        CustomerFactory(first_name=f"P{i}", last_name=name, city=f"Town {i}")
        for i, name in enumerate(SURNAMES)
    ]


def walk(client, url: str) -> list[str]:
    """Every name on every page, following Next."""
    names = []
    while url:
        response = client.get(url)
        names += shown_names(response)
        found = re.search(r'<a href="([^"]+)"[^>]*>Next →</a>', response.content.decode())
        url = html.unescape(found.group(1)) if found else None
    return names


def test_sorting_by_name_walks_keyset_pages_in_order_with_ties_broken(
    page_client_for, marketing_user, people, settings
):
    settings.CUSTOMER_PAGE_SIZE = 2
    client = page_client_for(marketing_user)
    expected = sorted(people, key=lambda c: (c.last_name.upper(), c.first_name.upper(), c.pk))

    ascending = walk(client, f"{LIST}?sort=name")
    descending = walk(client, f"{LIST}?sort=-name")

    assert ascending == [c.display_name for c in expected]
    assert descending == [c.display_name for c in reversed(expected)]


def test_a_sorted_header_says_its_direction_and_links_to_the_other(
    page_client_for, marketing_user, people
):
    page = page_client_for(marketing_user).get(LIST, {"sort": "city"}).content.decode()

    assert 'aria-sort="ascending"' in page
    assert 'href="/customers/?sort=-city"' in page
    assert 'href="/customers/?sort=name"' in page


def test_a_tampered_page_link_is_refused(page_client_for, marketing_user, people):
    response = page_client_for(marketing_user).get(LIST, {"sort": "name", "after": "forged"})

    assert response.status_code == 404


def test_the_column_chooser_shows_only_the_chosen_columns(page_client_for, marketing_user, people):
    page = page_client_for(marketing_user).get(LIST, {"cols": ["city", "quality"]})

    headers = re.findall(r'<th scope="col"[^>]*>(?:<a [^>]+>)?([^<]+)', page.content.decode())
    assert [h.strip() for h in headers if h.strip() != "Choose"][:3] == ["Name", "City", "Quality"]
    assert "Town 0" in page.content.decode()
    assert ">Email<" not in page.content.decode().split("<thead>")[1].split("</thead>")[0]


def test_a_saved_view_belongs_to_its_owner_and_replays_its_query(
    page_client_for, marketing_user, manager, people
):
    client = page_client_for(marketing_user)

    client.post(reverse("customers:view-save"), {"name": "By city", "query": "sort=city&cols=city"})
    mine = client.get(LIST).content.decode()
    theirs = page_client_for(manager).get(LIST).content.decode()
    view = SavedView.objects.get()
    stolen = page_client_for(manager).post(reverse("customers:view-delete", args=[view.pk]))

    assert 'href="/customers/?sort=city&amp;cols=city">By city</a>' in mine
    assert "By city" not in theirs
    assert stolen.status_code == 404
    client.post(reverse("customers:view-delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_a_bulk_stage_change_is_one_call_with_a_history_row_each(
    page_client_for, marketing_user, people
):
    chosen = people[:3]

    response = page_client_for(marketing_user).post(
        reverse("customers:bulk"),
        {"ids": [str(c.public_id) for c in chosen], "action": "stage", "stage": "lead"},
        follow=True,
    )

    assert "3 customers lifecycle stage set to Lead." in response.content.decode()
    for customer in chosen:
        customer.refresh_from_db()
        latest = customer.history.order_by("-history_id").first()
        assert customer.lifecycle_stage == "lead"
        assert latest.history_user == marketing_user
        assert latest.history_change_reason == "bulk action: lifecycle stage set to Lead"
        assert customer.field_sources["lifecycle_stage"]["source"] == "bulk action"


def test_bulk_verify_and_add_to_a_static_list(page_client_for, marketing_user, people):
    client = page_client_for(marketing_user)
    ids = [str(c.public_id) for c in people[:2]]

    client.post(reverse("customers:bulk"), {"ids": ids, "action": "verify"})
    client.post(reverse("customers:bulk"), {"ids": ids, "action": "add_to_list", "value": "VIP"})
    again = client.post(
        reverse("customers:bulk"),
        {"ids": ids, "action": "add_to_list", "value": "VIP"},
        follow=True,
    )
    vip = StaticList.objects.get(name="VIP")
    listed = client.get(LIST, {"static_list": str(vip.public_id)})

    assert all(c.last_verified_at for c in Customer.objects.filter(public_id__in=ids))
    assert vip.members.count() == 2
    assert "0 customers added to the list “VIP”." in again.content.decode()
    assert sorted(shown_names(listed)) == sorted(c.display_name for c in people[:2])


def test_interests_are_sensitive_so_only_a_manager_adds_them(marketing_user, manager, people):
    ids = [people[0].public_id]

    with pytest.raises(PermissionDenied):
        customers_bulk_update(
            public_ids=ids, action="interests", value="golf", actor=marketing_user
        )
    done = customers_bulk_update(
        public_ids=ids, action="interests", value="Golf, sailing", actor=manager
    )

    assert done == {"changed": 1, "done": "interests added: golf, sailing"}
    assert sorted(people[0].interests.values_list("name", flat=True)) == ["golf", "sailing"]


def test_a_bulk_action_with_an_archived_record_writes_nothing(marketing_user, people):
    archived = CustomerFactory(archived_at="2026-01-01T00:00:00Z", last_name="Gone")
    ids = [people[0].public_id, archived.public_id]
    stage, versions = people[0].lifecycle_stage, people[0].history.count()
    assert stage != "lead"

    with pytest.raises(ValidationError) as refused:
        customers_bulk_update(public_ids=ids, action="stage", value="lead", actor=marketing_user)

    assert "Archived or merged records cannot be changed" in str(refused.value)
    people[0].refresh_from_db()
    assert (people[0].lifecycle_stage, people[0].history.count()) == (stage, versions)


def test_a_bulk_action_without_a_value_says_which(page_client_for, marketing_user, people):
    response = page_client_for(marketing_user).post(
        reverse("customers:bulk"),
        {"ids": [str(people[0].public_id)], "action": "stage"},
        follow=True,
    )

    assert "Nothing was changed: Choose a lifecycle stage." in response.content.decode()


def test_the_integration_role_may_not_fill_static_lists(page_client_for, integration_user, people):
    page = page_client_for(integration_user).get(LIST).content.decode()
    refused = page_client_for(integration_user).post(
        reverse("customers:bulk"),
        {"ids": [str(people[0].public_id)], "action": "add_to_list", "value": "x"},
        follow=True,
    )

    assert 'value="add_to_list"' not in page
    assert refused.status_code == 403
