"""The access matrix, generated: every role × every API route × every verb it
serves, each cell checked against the role table (mis.roles.ROLE_PERMISSIONS)
and the permission the view declares; every page that declares a permission
(``permission_required``) × every role; every admin list × every role; and
the routes open to anonymous visitors.

A cell is either allowed (the answer is anything but 403) or refused (exactly
403): detail routes are asked about an id that does not exist, so an allowed
caller gets 404 and nothing is changed, while the permission check, which
comes first, still answers 403 to a refused one."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from mis import roles
from mis.roles import ROLE_PERMISSIONS
from tests.factories import UserFactory, ensure_role

pytestmark = pytest.mark.django_db

# Logged-in personas: one per role, and one in no role.
PERSONAS = {role: role for role in roles.ALL_ROLES} | {"no role": None}

# What anonymous visitors may open (200 without logging in), each on purpose.
ANONYMOUS_OPEN = {
    "accounts/login/",  # log in
    "accounts/password_reset/",  # ask for a reset mail
    "accounts/password_reset/done/",  # "check your email"
    "accounts/reset/<uidb64>/<token>/",  # the mailed link (a wrong one says so)
    "accounts/reset/done/",  # "password set"
    "admin/login/",  # the admin's log-in
    "health/",  # liveness for the load balancer: says only "ok"
}


@dataclass(frozen=True)
class Route:
    route: str  # as Django prints the pattern
    path: str  # with sample values for its parameters
    pattern: URLPattern


def _sample(route: str) -> str:
    """A URL for a route pattern: every parameter gets a value that names
    nothing (a new UUID, 999999, "nothing")."""
    path = re.sub(r"\(\?P<format>[^)]*\)", "csv", route)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", str(uuid.uuid4()), path)
    path = re.sub(r"<uuid:[^>]+>", str(uuid.uuid4()), path)
    path = re.sub(r"<int:[^>]+>", "999999", path)
    path = re.sub(r"<(?:str:|slug:|path:)?[^>]+>", "nothing", path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + path


def _routes(patterns=None, prefix="") -> list[Route]:
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(Route(route, _sample(route), entry))
    return found


def _api_cells() -> list[tuple[str, str, Route]]:
    """(method, action, route) for every verb each API route serves."""
    cells = []
    for route in _routes():
        actions = getattr(route.pattern.callback, "actions", None)
        if not route.path.startswith("/api/v1/") or not actions:
            continue
        for method, action in sorted(actions.items()):
            if method not in ("head", "options"):
                cells.append((method.upper(), action, route))
    return cells


API_CELLS = _api_cells()


def _required(method: str, action: str, route: Route) -> set[str]:
    """The permissions the view declares for this verb: its permission
    classes applied to its model. A permission class the matrix does not
    know fails the test: declare it here."""
    callback = route.pattern.callback
    view = callback.cls(**callback.initkwargs)
    view.action_map, view.action, view.kwargs = callback.actions, action, {}
    view.format_kwarg = None
    view.request = Request(APIRequestFactory().generic(method, route.path))
    required: set[str] = set()
    for permission in view.get_permissions():
        if isinstance(permission, DjangoModelPermissions):
            model = view.get_queryset().model
            required |= set(permission.get_required_permissions(method, model))
        elif not isinstance(permission, IsAuthenticated):
            raise AssertionError(f"{route.path}: unknown permission {permission!r}")
    return required


@pytest.fixture
def persona_clients() -> dict[str, APIClient]:
    clients = {}
    for name, role in PERSONAS.items():
        user = UserFactory(
            username=f"matrix-{name.replace(' ', '-').lower()}",
            is_staff=True,
            roles=[ensure_role(role)] if role else [],
        )
        client = APIClient()
        client.force_login(user)
        clients[name] = client
    return clients


def _granted(persona: str) -> set[str]:
    role = PERSONAS[persona]
    return set(ROLE_PERMISSIONS[role]) if role else set()


def test_the_matrix_covers_every_api_route_and_verb():
    methods = {method for method, _, _ in API_CELLS}

    assert len(API_CELLS) >= 50
    assert methods == {"GET", "POST", "PUT", "PATCH", "DELETE"}


def test_every_api_cell_answers_as_the_role_table_and_the_view_declare(persona_clients):
    mismatches, outcomes = [], {True: 0, False: 0}
    for method, action, route in API_CELLS:
        required = _required(method, action, route)
        for persona, client in persona_clients.items():
            allowed = required <= _granted(persona)
            outcomes[allowed] += 1
            status = client.generic(method, route.path, "{}", "application/json").status_code
            if allowed == (status == 403):
                mismatches.append(f"{persona} {method} {route.path}: {status}, needs {required}")

    print(
        f"API matrix: {len(API_CELLS)} route/verb pairs x {len(PERSONAS)} personas:",
        f"{outcomes[True]} allowed, {outcomes[False]} refused, {len(mismatches)} mismatches",
    )
    assert mismatches == []
    assert outcomes[True] > 0 and outcomes[False] > 0


def _closure(func) -> dict:
    names = func.__code__.co_freevars if hasattr(func, "__code__") else ()
    values = {}
    for name, cell in zip(names, func.__closure__ or (), strict=False):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # not yet bound
            continue
    return values


def _page_declaration(callback) -> tuple[set[str], list[str]]:
    """What a page's decorators declare: the permissions of each
    ``permission_required`` and the methods of ``require_http_methods``."""
    perms: set[str] = set()
    methods = ["GET", "POST"]
    func, seen = callback, set()
    while func is not None and id(func) not in seen:
        seen.add(id(func))
        closure = _closure(func)
        if "request_method_list" in closure:
            methods = list(closure["request_method_list"])
        for value in closure.values():
            if getattr(value, "__name__", "") == "check_perms":
                perms |= set(_closure(value).get("perms", ()))
        func = getattr(func, "__wrapped__", None)
    return perms, methods


PAGE_CELLS = [
    (route, perms, "GET" if "GET" in methods else methods[0])
    for route in _routes()
    if not route.path.startswith(("/api/", "/admin/", "/static/", "/accounts/"))
    for perms, methods in [_page_declaration(route.pattern.callback)]
    if perms
]


def test_every_page_that_declares_a_permission_answers_as_the_role_table_says(persona_clients):
    mismatches = []
    for route, required, method in PAGE_CELLS:
        for persona, client in persona_clients.items():
            allowed = required <= _granted(persona)
            status = client.generic(method, route.path).status_code
            if allowed == (status == 403):
                mismatches.append(f"{persona} {method} {route.path}: {status}, needs {required}")

    print(
        f"Page matrix: {len(PAGE_CELLS)} pages x {len(PERSONAS)} personas,",
        len(mismatches),
        "mismatches",
    )
    print("\n".join(mismatches))
    assert len(PAGE_CELLS) >= 50
    assert mismatches == []


def test_every_admin_list_answers_as_the_role_table_says(persona_clients):
    mismatches = []
    for model in admin.site._registry:
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        for persona, client in persona_clients.items():
            granted = _granted(persona)
            allowed = any(
                f"{opts.app_label}.{action}_{opts.model_name}" in granted
                for action in ("view", "change")
            )
            status = client.get(url).status_code
            if allowed != (status == 200) or (not allowed and status != 403):
                mismatches.append(f"{persona} {url}: {status}")

    assert mismatches == []


def test_only_the_data_protection_lead_reads_the_governance_audit_trail(persona_clients):
    readers = {
        persona
        for persona, client in persona_clients.items()
        if client.get("/admin/governance/auditevent/").status_code == 200
    }

    assert readers == {roles.DATA_PROTECTION_LEAD}


def test_every_api_route_asks_an_anonymous_caller_to_authenticate():
    anonymous = APIClient()
    # Each from its own address: one address would meet the anonymous rate.
    answers = {
        (method, route.path): anonymous.generic(
            method, route.path, REMOTE_ADDR=f"10.9.{n // 200}.{n % 200 + 1}"
        ).status_code
        for n, (method, _, route) in enumerate(API_CELLS)
    }

    assert set(answers.values()) == {401}


def test_only_the_intended_routes_are_open_to_anonymous_visitors():
    anonymous = Client()
    open_routes = set()
    for n, route in enumerate(_routes()):
        if route.path.startswith("/static/"):
            continue
        # Each from its own address, so that no throttle hides an open route.
        response = anonymous.get(route.path, REMOTE_ADDR=f"10.8.{n // 200}.{n % 200 + 1}")
        assert response.status_code != 429, route.route
        if response.status_code == 200:
            open_routes.add(route.route)

    print(f"Anonymous routes open: {len(open_routes)} {sorted(open_routes)}")
    assert open_routes == ANONYMOUS_OPEN
