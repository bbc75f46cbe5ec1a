"""Open311 fixtures: a key, JSON-Schema validation against the published schemas, a point in the city."""
from __future__ import annotations

import json

import pytest

from civicloop.open311 import queries
from tests.shared_data import SHARED

WENLAN = (103.385, 23.367)  # inside 文澜街道
CAOBA = (103.30, 23.28)
# The schemas of open311/schema-validation, kept beside the repository in shared/ (not vendored:
# their licence is not stated there). Tests that need them skip when they are absent.
SCHEMA_DIR = SHARED / "reference" / "open311_schema"
BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _fresh_pages(settings):
    """Tests roll back, so ids repeat between tests; no page may outlive its test."""
    settings.OPEN311_LIST_CACHE_SECONDS = 0
    queries.pages.clear()
    yield
    queries.pages.clear()


@pytest.fixture
def key(db):
    from civicloop.open311 import services

    _key, raw = services.issue_key(name="test partner", rate_per_minute=1000)
    return raw


@pytest.fixture(scope="session")
def schemas():
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"Open311 JSON Schemas not found at {SCHEMA_DIR}")
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource

    docs = {p.name: json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json") if p.name != "swagger.json"}
    registry = Registry().with_resources((name, Resource.from_contents(doc, default_specification=_spec()))
                                         for name, doc in docs.items())

    def validate(name: str, instance) -> None:
        Draft202012Validator(docs[name], registry=registry, format_checker=FormatChecker()).validate(instance)

    return validate


def _spec():
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


def post_request(client, raw_key: str | None, **fields):
    data = {"service_code": "06010", "lat": str(WENLAN[1]), "long": str(WENLAN[0]), "description": "路边暴露垃圾",
            **fields}
    if raw_key is not None:
        data["api_key"] = raw_key
    return client.post(f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None})
