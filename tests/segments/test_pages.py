"""The segment pages: list, builder with its live count, save, versions."""

import pytest
from django.urls import reverse

from customers.models import Segment
from customers.segments.services import segment_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LONDON = {"op": "and", "rules": [{"field": "city", "value": ["London"]}]}


def builder_form(**fields) -> dict:
    """The fields the builder posts for a top group with the given rules."""
    data = {"node": ["g:0"], "op-0": "and", "name": "", "description": "", **fields}
    return data


def test_the_navigation_leads_to_the_segment_list(page_client_for, marketing_user):
    segment_create(name="Londoners", rules=LONDON, actor=marketing_user)

    html = page_client_for(marketing_user).get(reverse("home")).content.decode()
    listing = page_client_for(marketing_user).get(reverse("segments:list")).content.decode()

    assert f'href="{reverse("segments:list")}"' in html
    assert "Londoners" in listing


def test_people_without_a_role_cannot_open_segments(page_client_for, outsider):
    assert page_client_for(outsider).get(reverse("segments:list")).status_code == 403
    assert page_client_for(outsider).post(reverse("segments:count"), {}).status_code == 403


def test_the_live_count_follows_the_rules_as_they_are_typed(page_client_for, marketing_user):
    CustomerFactory.create_batch(2, city="London")
    CustomerFactory(city="Leeds")
    client = page_client_for(marketing_user)

    everyone = client.post(reverse("segments:count"), builder_form(), HTTP_HX_REQUEST="true")
    londoners = client.post(
        reverse("segments:count"),
        builder_form(node=["g:0", "r:0-0"], **{"field-0-0": "city", "value-0-0": "london"}),
        HTTP_HX_REQUEST="true",
    )

    assert '<strong data-testid="live-count">3</strong>' in everyone.content.decode()
    assert '<strong data-testid="live-count">2</strong>' in londoners.content.decode()


def test_the_count_says_what_is_wrong_with_the_rules_instead(page_client_for, marketing_user):
    response = page_client_for(marketing_user).post(
        reverse("segments:count"),
        builder_form(node=["g:0", "r:0-0"], **{"field-0-0": "order_count", "min-0-0": "many"}),
    )

    html = response.content.decode()
    assert "Fix the rules to see the count" in html
    assert "Rule 1 (Number of orders): min must be a whole number, not “many”." in html


def test_adding_a_rule_and_a_group_redraws_the_builder_with_them(page_client_for, marketing_user):
    client = page_client_for(marketing_user)

    with_rule = client.post(reverse("segments:builder"), {**builder_form(), "action": "add-rule:0"})
    with_group = client.post(
        reverse("segments:builder"),
        {
            **builder_form(node=["g:0", "r:0-0"], **{"field-0-0": "city", "value-0-0": "Leeds"}),
            "action": "add-group:0",
        },
    )

    assert 'name="node" value="r:0-0"' in with_rule.content.decode()
    html = with_group.content.decode()
    assert 'value="Leeds"' in html
    assert 'name="node" value="g:0-1"' in html
    assert 'name="node" value="r:0-1-0"' in html


def test_removing_a_rule_redraws_the_builder_without_it(page_client_for, marketing_user):
    form = builder_form(
        node=["g:0", "r:0-0", "r:0-1"],
        **{"field-0-0": "city", "value-0-0": "Leeds", "field-0-1": "city", "value-0-1": "York"},
    )

    html = (
        page_client_for(marketing_user)
        .post(reverse("segments:builder"), {**form, "action": "remove:0-0"})
        .content.decode()
    )

    assert 'value="York"' in html
    assert 'value="Leeds"' not in html


def test_sensitive_rule_types_are_not_offered_to_staff_without_the_permission(
    page_client_for, marketing_user, manager
):
    def builder_with_a_rule(user) -> str:
        form = {**builder_form(), "action": "add-rule:0"}
        return page_client_for(user).post(reverse("segments:builder"), form).content.decode()

    staff_page, manager_page = builder_with_a_rule(marketing_user), builder_with_a_rule(manager)

    assert '<option value="city"' in staff_page
    assert '<option value="income_band"' not in staff_page
    assert '<option value="income_band"' in manager_page


def test_saving_from_the_builder_creates_the_segment_and_opens_it(page_client_for, marketing_user):
    form = builder_form(
        node=["g:0", "r:0-0", "r:0-1"],
        name="Big London spenders",
        **{
            "field-0-0": "city",
            "value-0-0": "London, Leeds",
            "field-0-1": "total_spent",
            "min-0-1": "100",
        },
    )

    response = page_client_for(marketing_user).post(reverse("segments:create"), form)

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:edit", args=[segment.public_id])
    assert segment.rules == {
        "op": "and",
        "rules": [
            {"field": "city", "value": ["London", "Leeds"]},
            {"field": "total_spent", "value": {"min": "100"}},
        ],
    }


def test_a_save_with_mistakes_shows_them_and_saves_nothing(page_client_for, marketing_user):
    form = builder_form(node=["g:0", "r:0-0"], **{"field-0-0": "city", "value-0-0": ""})

    response = page_client_for(marketing_user).post(reverse("segments:create"), form)

    html = response.content.decode()
    assert response.status_code == 200
    assert "A segment needs a name." in html
    assert not Segment.objects.exists()


def test_editing_saves_a_new_version_and_the_page_lists_the_versions(
    page_client_for, marketing_user
):
    segment = segment_create(name="Londoners", rules=LONDON, actor=marketing_user)
    form = builder_form(
        node=["g:0", "r:0-0"], name="Leeds people", **{"field-0-0": "city", "value-0-0": "Leeds"}
    )
    client = page_client_for(marketing_user)

    client.post(reverse("segments:edit", args=[segment.public_id]), form)
    html = client.get(reverse("segments:edit", args=[segment.public_id])).content.decode()

    segment.refresh_from_db()
    assert (segment.version, segment.name) == (2, "Leeds people")
    assert "<td>Londoners</td>" in html and "<td>Leeds people</td>" in html


def test_a_data_steward_may_read_a_segment_but_not_change_it(
    page_client_for, marketing_user, steward
):
    segment = segment_create(name="Londoners", rules=LONDON, actor=marketing_user)
    client = page_client_for(steward)

    assert client.get(reverse("segments:edit", args=[segment.public_id])).status_code == 200
    client.post(
        reverse("segments:edit", args=[segment.public_id]),
        builder_form(node=["g:0", "r:0-0"], name="Mine", **{"field-0-0": "city", "value-0-0": "X"}),
    )
    segment.refresh_from_db()
    assert segment.name == "Londoners"
