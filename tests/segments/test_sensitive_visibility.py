"""A segment whose rules use a sensitive field is visible only to those who
may use that field: its rules, members, snapshots and exports, on pages, API,
admin and the command line."""

import pytest
from django.core.management import CommandError, call_command

from customers.models import Segment
from customers.segments.rules import rules_sensitive_fields
from customers.segments.selectors import segment_versions_visible_to
from customers.segments.services import segment_create, segment_update, snapshot_take
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

RICH = {"op": "and", "rules": [{"field": "income_band", "value": ["over_100k"]}]}
LONDON = {"op": "and", "rules": [{"field": "city", "value": ["London"]}]}


@pytest.fixture
def segments(manager, settings):
    settings.CUSTOMER_POLICY_BACKEND = ""  # no consent check: snapshots keep everyone
    CustomerFactory.create_batch(2, city="London", income_band="over_100k")
    rich = segment_create(name="High earners", rules=RICH, actor=manager)
    london = segment_create(name="Londoners", rules=LONDON, actor=manager)
    rich_snapshot = snapshot_take(segment=rich, purpose="x", channel="y", actor=manager)
    london_snapshot = snapshot_take(segment=london, purpose="x", channel="y", actor=manager)
    return rich, london, rich_snapshot, london_snapshot


def test_the_sensitive_fields_of_nested_rules_are_found():
    rules = {
        "op": "and",
        "rules": [
            {"field": "city", "value": ["Leeds"]},
            {"op": "or", "rules": [{"field": "age", "min": 30}, {"field": "lifestyle"}]},
        ],
    }

    assert rules_sensitive_fields(rules) == {"age", "lifestyle"}
    assert rules_sensitive_fields(LONDON) == set()
    assert rules_sensitive_fields({"rules": "not a list"}) == set()


def test_the_flag_follows_the_rules_when_a_segment_is_edited(segments, manager):
    rich, london, *_ = segments
    assert (rich.uses_sensitive_data, london.uses_sensitive_data) == (True, False)

    segment_update(segment=london, name="Londoners", rules=RICH, actor=manager)

    assert Segment.objects.get(pk=london.pk).uses_sensitive_data


def test_marketing_staff_do_not_see_a_sensitive_segment_on_pages(
    page_client_for, marketing_user, segments
):
    rich, london, rich_snapshot, london_snapshot = segments
    client = page_client_for(marketing_user)

    listing = client.get("/segments/").content.decode()

    assert "Londoners" in listing and "High earners" not in listing
    assert client.get(f"/segments/{rich.public_id}/").status_code == 404
    assert client.get(f"/segments/{london.public_id}/").status_code == 200
    assert client.post(f"/segments/{rich.public_id}/snapshots/").status_code == 404


def test_marketing_staff_do_not_see_a_sensitive_segment_through_the_api(
    api_client_for, marketing_user, segments
):
    rich, london, rich_snapshot, london_snapshot = segments
    client = api_client_for(marketing_user)

    names = [s["name"] for s in client.get("/api/v1/segments/").json()["results"]]
    snapshots = [s["id"] for s in client.get("/api/v1/snapshots/").json()["results"]]

    assert names == ["Londoners"]
    assert str(rich_snapshot.public_id) not in snapshots
    assert str(london_snapshot.public_id) in snapshots
    assert client.get(f"/api/v1/segments/{rich.public_id}/").status_code == 404
    assert client.get(f"/api/v1/segments/{rich.public_id}/members/").status_code == 404
    assert client.get(f"/api/v1/snapshots/{rich_snapshot.public_id}/").status_code == 404


def test_those_who_may_use_sensitive_fields_see_every_segment(
    api_client_for, page_client_for, manager, segments
):
    rich, *_ = segments

    names = [s["name"] for s in api_client_for(manager).get("/api/v1/segments/").json()["results"]]

    assert sorted(names) == ["High earners", "Londoners"]
    members = api_client_for(manager).get(f"/api/v1/segments/{rich.public_id}/members/")
    assert members.status_code == 200 and len(members.json()["results"]) == 2
    assert page_client_for(manager).get(f"/segments/{rich.public_id}/").status_code == 200


def test_the_command_line_refuses_a_sensitive_segment(tmp_path, segments):
    with pytest.raises(CommandError, match="sensitive fields \\(income_band\\)"):
        call_command("export_customers", str(tmp_path / "out.csv"), segment="High earners")
    assert not (tmp_path / "out.csv").exists()

    call_command("export_customers", str(tmp_path / "london.csv"), segment="londoners")
    assert (tmp_path / "london.csv").exists()


def test_an_earlier_version_on_a_sensitive_field_stays_hidden_after_the_segment_drops_it(
    page_client_for, marketing_user, manager, segments
):
    rich, *_ = segments
    segment_update(segment=rich, name="Londoners too", rules=LONDON, actor=manager)
    rich.refresh_from_db()
    assert not rich.uses_sensitive_data  # now visible to marketing staff

    page = page_client_for(marketing_user).get(f"/segments/{rich.public_id}/").content.decode()

    assert "Londoners too" in page and "High earners" not in page
    assert "ncome band" not in page and "over_100k" not in page
    assert (
        "High earners"
        in page_client_for(manager).get(f"/segments/{rich.public_id}/").content.decode()
    )


def test_admin_hides_a_sensitive_version_from_staff_who_may_not_use_it(
    page_client_for, marketing_user, admin_client, manager, segments
):
    rich, *_ = segments
    segment_update(segment=rich, name="Londoners too", rules=LONDON, actor=manager)
    marketing_user.is_staff = True
    marketing_user.save(update_fields=["is_staff"])
    url = f"/admin/customers/segment/{rich.pk}/change/"

    staff_page = page_client_for(marketing_user).get(url)

    assert staff_page.status_code == 200
    assert "Londoners too" in staff_page.content.decode()
    assert "High earners" not in staff_page.content.decode()
    assert "High earners" in admin_client.get(url).content.decode()
    assert [v.name for v in segment_versions_visible_to(marketing_user).filter(segment=rich)] == [
        "Londoners too"
    ]
