"""Browser tests (a pytest plugin, loaded by tests/conftest.py): a real server thread on the test database and Debian's Chromium via Playwright.

The server shares the session's test database (the demo city is in it). These tests commit for
real but never flush, so each one makes its own cases and looks for them by number; they run
after the ordinary tests and before the transactional ones (see tests/conftest.py).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "civicloop-demo"


def _database_for_browser_tests():
    """pytest-django creates test databases only for tests that ask for `db` (which would wrap
    each test in a transaction the server thread cannot see). Browser tests need the database
    but commit for real, so they are counted as users of the default database here.
    (pytest-django 4.14's private helper; the version is pinned in pyproject.toml.)"""
    import pytest_django.fixtures as fixtures

    original = fixtures._get_databases_for_test

    def databases_for(test):
        if "live_site" in getattr(test, "fixturenames", ()):
            return ("default",), False
        return original(test)

    fixtures._get_databases_for_test = databases_for


_database_for_browser_tests()


def pytest_collection_modifyitems(items):
    for item in items:
        if "live_site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker):
    """The app served over HTTP by a thread, with its static files, for the whole session."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    from django.db import connections

    # Request threads close their connections after each request, so the test database can be
    # dropped at the end (PostgreSQL refuses while a persistent connection is open).
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    with django_db_blocker.unblock():
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def site(live_site, django_db_blocker, request):
    """The live site with the database open to the test too (committed writes, no flush)."""
    if "db" in request.fixturenames:
        pytest.fail("a browser test must not use `db` (or `persona`): its open transaction locks the server out")
    with django_db_blocker.unblock():
        yield live_site


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run scripts/ensure-system-packages.sh (make install does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Shots:
    """Screenshots kept as test artifacts: test-artifacts/screenshots/<test>/<nn>-<step>.png."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page, step: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_in_call = report.failed


@pytest.fixture
def staff(site, browser, request):
    """staff("dispatcher") → a page signed in through the login form; phone=True for field roles."""
    contexts, errors = [], []

    def sign_in(username: str, *, phone: bool = False, language: str = "zh-CN"):
        context = browser.new_context(viewport=PHONE if phone else DESKTOP, locale=language,
                                      is_mobile=phone, has_touch=phone)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        page.goto(f"{site}/console/login/")
        page.get_by_label(re.compile("用户名|Username")).fill(username)
        page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
        page.wait_for_url(re.compile(r"/console/(q/[\w-]+/|cases/)?(\?.*)?$"))
        return page

    yield sign_in
    if getattr(request.node, "failed_in_call", False):
        shots = Shots(request.node.name)
        for context in contexts:
            for page in context.pages:
                shots(page, "failure")
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
