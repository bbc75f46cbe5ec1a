"""Shared fixtures: the demo city in every test database, and named personas (conventions rule 3)."""
from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import settings as hypothesis_settings

from civicloop.org import keys
from civicloop.org.models import User

pytest_plugins = ["tests.browser"]  # live server + Chromium fixtures for the browser tests


# CI explores the same examples on every run, so a landing never depends on luck; developers'
# runs explore new ones.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each test run gets databases of its own (a suffix with the process id, after xdist's gw0/gw1):
    two runs on one machine — two developers' checkouts, an editor's test runner beside `make test` —
    would otherwise create, flush and drop the same SQLite file or PostgreSQL database under each other."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the demo city (divisions, grids, departments, staff; no history) once per database."""
    from civicloop.demo import city

    with django_db_blocker.unblock():
        city.build_city()


def pytest_collection_modifyitems(items):
    # Browser tests commit for real but keep the city; tests that commit and flush (threads,
    # processes) remove the city with everything else, so they run last of all.
    def order(item) -> int:
        if item.get_closest_marker("transactional"):
            return 2
        return 1 if "live_site" in getattr(item, "fixturenames", ()) else 0

    items.sort(key=order)


@pytest.fixture
def persona(db):
    """persona("operator_caoba") → the demo staff member."""
    return lambda username: User.objects.get(username=username)


class ApiClient:
    """A staff member's view of the API, through a real token."""

    def __init__(self, user: User):
        self.user = user
        _, raw = keys.issue(keys.STAFF, user, label="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params):
        return self.client.get(f"/api{path}", params)

    def post(self, path: str, data: dict | None = None):
        return self.client.post(f"/api{path}", data or {}, content_type="application/json")

    def act(self, reference: str, action: str, **data):
        return self.post(f"/cases/{reference}/{action.replace('_', '-')}", data)


@pytest.fixture
def signed_in(db, persona):
    """signed_in("operator") → a browser-less client with that persona's session (the consoles);
    language="en" as if they had pressed the English button."""
    def make(username: str, language: str | None = None) -> Client:
        client = Client()
        client.force_login(persona(username))
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client
    return make


@pytest.fixture
def api(db):
    """api("dispatcher") → an ApiClient signed in as that persona."""
    return lambda username: ApiClient(User.objects.get(username=username))


# Points inside the demo city (WGS-84): 文澜街道's urban core, and 草坝镇 to the south-west.
WENLAN = (103.385, 23.367)
CAOBA = (103.30, 23.28)


@pytest.fixture
def wenlan_point():
    from civicloop.geo.index import locate

    hit = locate(*WENLAN)
    assert hit is not None and hit.street_code == "532503001", hit
    return WENLAN


@pytest.fixture(autouse=True)
def fresh_caches():
    """A rolled-back test may leave this process's grid index or configuration built from rows
    that no longer exist; the next test starts from the database again."""
    yield
    from civicloop.geo import index
    from civicloop.taxonomy import queries

    index._cache.invalidate()
    queries._cache.invalidate()


@pytest.fixture(autouse=True)
def no_day_serials_left(request):
    """PostgreSQL's day sequences (cases/serials.py) outlive a flush, which empties tables only: after
    a test that commits they are retired as the worker does (count kept in the table, sequence
    dropped), so tests do not depend on which committing test ran before them."""
    yield
    if not (request.node.get_closest_marker("transactional") or "live_site" in request.fixturenames
            or "live_server" in request.fixturenames):
        return
    from django.db import connection

    with request.getfixturevalue("django_db_blocker").unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT cases_retire_serials('9999-12-31')")
