"""Saving segments: checked rules, unique names, a version per change."""

import pytest
from django.core.exceptions import ValidationError

from customers.models import Segment, SegmentVersion
from customers.segments.services import segment_create, segment_update

pytestmark = pytest.mark.django_db

LONDON = {"op": "and", "rules": [{"field": "city", "value": ["London"]}]}
DUBLIN = {"op": "and", "rules": [{"field": "city", "value": ["Dublin"]}]}


def test_a_new_segment_is_saved_as_version_1_with_its_owner(marketing_user):
    segment = segment_create(name="  Londoners ", rules=LONDON, actor=marketing_user)

    assert (segment.name, segment.version, segment.owner) == ("Londoners", 1, marketing_user)
    [version] = segment.versions.all()
    assert (version.number, version.rules, version.saved_by) == (1, LONDON, marketing_user)


def test_each_change_is_a_new_version_and_the_old_ones_are_kept(marketing_user, manager):
    segment = segment_create(name="Londoners", rules=LONDON, actor=marketing_user)

    segment = segment_update(segment=segment, name="Dubliners", rules=DUBLIN, actor=manager)

    assert (segment.name, segment.rules, segment.version) == ("Dubliners", DUBLIN, 2)
    assert list(segment.versions.values_list("number", "name", "saved_by")) == [
        (2, "Dubliners", manager.pk),
        (1, "Londoners", marketing_user.pk),
    ]


def test_saving_what_is_already_there_makes_no_new_version(marketing_user):
    segment = segment_create(name="Londoners", rules=LONDON, actor=marketing_user)

    segment_update(segment=segment, name="Londoners", rules=LONDON, actor=marketing_user)

    assert SegmentVersion.objects.count() == 1


def test_a_name_is_unique_whatever_its_case(marketing_user):
    segment_create(name="Londoners", rules=LONDON, actor=marketing_user)

    with pytest.raises(ValidationError) as caught:
        segment_create(name="LONDONERS", rules=DUBLIN, actor=marketing_user)

    assert caught.value.message_dict == {"name": ["There is already a segment called “LONDONERS”."]}
    assert Segment.objects.count() == 1


def test_a_segment_needs_a_name_and_at_least_one_rule(marketing_user):
    with pytest.raises(ValidationError) as caught:
        segment_create(name=" ", rules=LONDON, actor=marketing_user)
    assert caught.value.message_dict == {"name": ["A segment needs a name."]}

    with pytest.raises(ValidationError, match="add at least one rule"):
        segment_create(name="Everyone", rules={"op": "and", "rules": []}, actor=marketing_user)
    assert not Segment.objects.exists()


def test_a_user_without_the_sensitive_permission_cannot_save_a_sensitive_rule(marketing_user):
    rules = {"op": "and", "rules": [{"field": "income_band", "value": ["over_100k"]}]}

    with pytest.raises(ValidationError, match="permission to use sensitive data"):
        segment_create(name="Rich", rules=rules, actor=marketing_user)
    assert not Segment.objects.exists()


def test_a_failed_update_leaves_the_segment_as_it_was(marketing_user):
    segment = segment_create(name="Londoners", rules=LONDON, actor=marketing_user)

    with pytest.raises(ValidationError):
        segment_update(
            segment=segment,
            name="Londoners",
            rules={"op": "and", "rules": [{"field": "city", "value": []}]},
            actor=marketing_user,
        )

    segment.refresh_from_db()
    assert (segment.version, segment.rules) == (1, LONDON)
