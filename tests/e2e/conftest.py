"""Fixtures for the browser journeys: one headless Chromium per test session, a
fresh browser context (cookies, storage) per test, people in the MIS roles, and
screenshots of each journey's key steps in ``artifacts/screenshots/``.

The journeys run against pytest-django's ``live_server``, which makes every test
that uses it a ``transactional_db`` test.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import sync_playwright

from mis.roles import ROLE_PERMISSIONS
from tests.factories import ensure_role

# Playwright's sync API drives an asyncio event loop in the test thread, so
# Django sees "a running event loop" and refuses ORM calls made by the test
# (SynchronousOnlyOperation). The tests' ORM calls are ordinary blocking calls
# made between browser steps, never from inside a coroutine, so this is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
# Debian's Chromium; browser downloads are not part of the set-up.
CHROMIUM = os.environ.get("MIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery-staple"


def ensure_roles() -> None:
    for name in ROLE_PERMISSIONS:
        ensure_role(name)


@pytest.fixture(scope="session")
def _roles_restored_after_session(django_db_setup, django_db_blocker):
    """Put the groups back once the journeys are done: with --reuse-db the next
    session keeps this database (the migrations do not run again), and other
    tests expect the groups the data migration made."""
    yield
    with django_db_blocker.unblock():
        ensure_roles()


@pytest.fixture
def roles(transactional_db, _roles_restored_after_session):
    ensure_roles()


@pytest.fixture
def make_user(roles, settings):
    """make_user("Marketing staff", username=...) -> a user in that role."""
    # A fast hasher: the default one costs a quarter of a second per login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def make(role: str, *, username: str | None = None) -> User:
        username = username or re.sub(r"\W+", "-", role.lower())
        user = User.objects.create_user(username=username, password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Note a failed test body on the test, so that ``page`` can save what the
    browser showed at that moment."""
    report = yield
    if report.when == "call" and report.failed:
        item.journey_failed = True
    return report


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"No Chromium at {CHROMIUM}: install it (apt-get install chromium) or set MIS_CHROMIUM."
        )
        # CI sets MIS_REQUIRE_BROWSER so that a missing browser fails the run
        # instead of quietly skipping the journeys.
        if os.environ.get("MIS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context and page pointed at the live server. Script
    errors in the page, and failed requests for anything but the favicon (the
    app has none), fail the test."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    failure_shot = SCREENSHOT_DIR / f"FAILED-{request.node.name}.png"
    failure_shot.unlink(missing_ok=True)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    yield page
    if getattr(request.node, "journey_failed", False):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=failure_shot, full_page=True)
    context.close()
    assert not problems, f"the browser met errors: {problems}"


@pytest.fixture
def screenshot(page, request):
    """screenshot("step-name") saves the whole page as
    artifacts/screenshots/<test name>/<NN>-<step-name>.png."""
    folder = SCREENSHOT_DIR / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken = 0

    def take(step: str) -> Path:
        nonlocal taken
        taken += 1
        path = folder / f"{taken:02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page):
    """Log in through the login form (the current page, or /accounts/login/)."""

    def submit(username: str, password: str = PASSWORD) -> None:
        if "/accounts/login/" not in page.url:
            page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        # Wait for the page the form leads to, so that the next step cannot
        # interrupt the login request (and its session cookie).
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()

    return submit


# Accessibility ------------------------------------------------------------------

# axe-core, vendored (tests/e2e/vendor/, MPL-2.0): the journeys run it on
# every page they visit, offline.
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# WCAG 2.1 A and AA rules; a serious or critical violation fails the journey.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in AXE_FAILING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(
            f"{violation['impact']} {violation['id']}: {violation['help']} "
            f"({len(violation['nodes'])} elements, e.g. {targets})"
        )
    return "\n".join(lines)


@pytest.fixture
def look(page, screenshot, request):
    """look("step"): screenshot the page and check it with axe-core. Every
    page the journey reached must have been looked at before the test ends."""
    reached: set[str] = set()
    checked: set[str] = set()

    def path_of(url: str) -> str:
        return re.sub(r"^https?://[^/]+", "", url).split("?")[0].split("#")[0]

    page.on(
        "framenavigated",
        lambda frame: reached.add(path_of(frame.url)) if frame == page.main_frame else None,
    )

    def take(step: str) -> None:
        page.wait_for_load_state("networkidle")
        screenshot(step)
        found = axe_violations(page)
        assert not found, f"axe-core on {page.url} ({step}):\n{describe(found)}"
        checked.add(path_of(page.url))

    yield take
    if getattr(request.node, "journey_failed", False):
        return  # the failure itself says more
    unchecked = reached - checked - {"", "about:blank"}
    assert not unchecked, f"pages reached but never checked with axe-core: {sorted(unchecked)}"
