"""The role groups: one table in code (mis.roles) is the source of every
permission, and the migrated database holds exactly that table."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from mis import roles
from mis.roles import ROLE_PERMISSIONS


def _granted(role: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role).permissions.select_related("content_type")
    }


def test_the_table_names_exactly_the_roles_code_uses():
    assert set(ROLE_PERMISSIONS) == set(roles.ALL_ROLES)


@pytest.mark.django_db
def test_the_migrated_groups_equal_the_role_table():
    for role, codes in ROLE_PERMISSIONS.items():
        assert _granted(role) == set(codes), role


@pytest.mark.django_db
def test_sync_takes_back_a_permission_granted_by_hand_and_restores_a_removed_one():
    group = Group.objects.get(name=roles.MARKETING_STAFF)
    group.permissions.add(Permission.objects.get(codename="view_sensitive_data"))
    group.permissions.remove(Permission.objects.get(codename="add_customer"))

    call_command("sync_roles", stdout=io.StringIO())

    assert _granted(roles.MARKETING_STAFF) == set(ROLE_PERMISSIONS[roles.MARKETING_STAFF])


@pytest.mark.django_db
def test_sync_leaves_groups_that_are_not_roles_alone():
    auditors = Group.objects.create(name="External auditors")
    auditors.permissions.add(Permission.objects.get(codename="view_customer"))

    roles.roles_sync()

    assert list(auditors.permissions.values_list("codename", flat=True)) == ["view_customer"]


def test_a_table_entry_that_names_no_permission_is_refused(db, monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, roles.INTEGRATION, ["customers.fly_customer"])

    with pytest.raises(LookupError, match="customers.fly_customer"):
        roles.roles_sync()


def test_only_the_roles_meant_to_see_sensitive_data_have_the_permission():
    sensitive = {
        role for role, codes in ROLE_PERMISSIONS.items() if "customers.view_sensitive_data" in codes
    }

    assert sensitive == {
        roles.MARKETING_MANAGER,
        roles.DATA_STEWARD,
        roles.DATA_PROTECTION_LEAD,
    }
