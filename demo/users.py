"""The demo log-ins: one per role plus a superuser, sharing a published
password, so never on a live site by accident."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from demo.writer import DemoDataError
from mis import roles

DEMO_PASSWORD = "mis-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    is_staff: bool
    is_superuser: bool
    token: str = ""


# (username, role group or None for the superuser, is_staff)
DEMO_USERS: tuple[tuple[str, str | None, bool], ...] = (
    ("marketing", roles.MARKETING_STAFF, False),
    # Managers approve changes in Django admin, so they and the governance
    # roles are staff.
    ("manager", roles.MARKETING_MANAGER, True),
    ("steward", roles.DATA_STEWARD, True),
    ("dpo", roles.DATA_PROTECTION_LEAD, True),
    ("integration", roles.INTEGRATION, False),
    ("admin", None, True),
)


def check_demo_users_allowed(*, force: bool = False) -> None:
    """Demo log-ins share a published password: never on a live site by accident."""
    if not settings.DEBUG and not force:
        raise DemoDataError(
            "Refusing to create demo users (password "
            f"'{DEMO_PASSWORD}') while DEBUG is off. Use --no-users, or --force if this "
            "really is a demo site."
        )


@transaction.atomic
def create_demo_users(*, force: bool = False) -> list[DemoLogin]:
    """One log-in per role plus a superuser, all with ``DEMO_PASSWORD``. Safe to
    run again: existing users get their password, flags and group back."""
    check_demo_users_allowed(force=force)
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ALL_ROLES)}
    missing = sorted(set(roles.ALL_ROLES) - set(groups))
    if missing:
        raise DemoDataError(
            f"The role groups {', '.join(missing)} do not exist; run `manage.py migrate` first."
        )
    user_model = get_user_model()
    logins = []
    for username, role, is_staff in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.email = f"{username}@example.com"
        user.is_active = True
        user.is_staff = is_staff
        user.is_superuser = role is None
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([groups[role]] if role else [])
        token = ""
        if role == roles.INTEGRATION:
            token = Token.objects.get_or_create(user=user)[0].key
        logins.append(
            DemoLogin(
                username=username,
                role=role or "Superuser",
                is_staff=is_staff,
                is_superuser=role is None,
                token=token,
            )
        )
    return logins
