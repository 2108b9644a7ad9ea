"""The role groups: the names code uses are the ones the data migration creates."""

from mis import roles
from tests.factories import ROLE_PERMISSIONS


def test_the_data_migration_creates_exactly_the_roles_code_names():
    assert set(ROLE_PERMISSIONS) == set(roles.ALL_ROLES)


def test_only_the_roles_meant_to_see_sensitive_data_have_the_permission():
    sensitive = {
        role for role, codes in ROLE_PERMISSIONS.items() if "customers.view_sensitive_data" in codes
    }

    assert sensitive == {
        roles.MARKETING_MANAGER,
        roles.DATA_STEWARD,
        roles.DATA_PROTECTION_LEAD,
    }
