"""Open311 clients from PyPI read from a live civicloop server (the `site` fixture: a real HTTP server
thread on the test database), and a bounded schemathesis run against /open311/v2/.

These tests commit for real and never flush: each makes its own requests and looks for them by id.

What each client asks for (read from their source):
* georeport 0.3.1: GET services, services/{code}, requests (service_request_id, service_code,
  start_date, end_date, status), requests/{id}; JSON or XML (parsed with xmltodict).
* boston311 0.1.1: GET services.json, requests.json (service_code, start_date/end_date in UTC 'Z',
  status), requests/{id}.json, parsed into pydantic models that need `group`, `address`, `lat`,
  `long` and every optional key present (null allowed), `media_url` an absolute URL.
* chicagorequests 0.0.5: GET requests.json with extensions=true, start_date/end_date from
  datetime.isoformat() (microseconds and an offset), updated_after/updated_before, page and
  page_size=200, paging until a short page; any answer that is not JSON counts as a failure.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from civicloop.open311 import queries, services
from tests.open311.conftest import SCHEMA_DIR, WENLAN


@pytest.fixture
def live(site, settings):
    settings.OPEN311_LIST_CACHE_SECONDS = 0
    queries.pages.clear()
    _key, raw = services.issue_key(name="live client test", rate_per_minute=100_000)
    return {"root": f"{site}/open311/v2", "key": raw}


def _post(live, **fields) -> str:
    data = {"api_key": live["key"], "service_code": "06010", "lat": WENLAN[1], "long": WENLAN[0],
            "description": "客户端测试：路边暴露垃圾", **fields}
    response = requests.post(f"{live['root']}/requests.json", data=data, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()[0]["service_request_id"]


def test_georeport_reads_services_and_requests_in_json_and_xml(live):
    from georeport import GeoReport

    reference = _post(live)
    for fmt in ("json", "xml"):
        client = GeoReport(live["root"], output_format=fmt)
        services_ = client.get_service_list()
        assert any(s["service_code"] == "06010" and s["service_name"] == "暴露垃圾" for s in services_)
        definition = client.get_service_definition("06010")
        assert definition["service_code"] == "06010"
        one = client.get_service_request(reference)
        assert one["service_request_id"] == reference and one["status"] == "open"
        listed = client.get_service_requests(service_request_id=reference)
        listed = [listed] if isinstance(listed, dict) else listed  # xmltodict: one element is no list
        assert [r["service_request_id"] for r in listed] == [reference]
        today = client.get_service_requests(service_code="06010", status="open",
                                            start_date=(datetime.now(timezone.utc) - timedelta(days=1)).strftime(
                                                "%Y-%m-%dT%H:%M:%SZ"))
        today = [today] if isinstance(today, dict) else today
        assert reference in [r["service_request_id"] for r in today]


def test_boston311_parses_our_answers_into_its_models(live, monkeypatch):
    import boston311.api
    from boston311.datamodels import Status

    monkeypatch.setattr(boston311.api, "BOSTON_API_ENDPOINT", live["root"] + "/")
    reference = _post(live, address_string="天马路 3 号", media_url="https://photos.example.org/p/1.jpg")
    catalogue = boston311.get_services()
    assert catalogue.get_service_name("06010") == "暴露垃圾"
    one = boston311.get_service_request(reference)
    assert one.service_request_id == reference and one.status == Status.OPEN and one.address == "天马路 3 号"
    assert str(one.media_url) == "https://photos.example.org/p/1.jpg" and abs(one.lat - WENLAN[1]) < 1e-6
    recent = boston311.get_service_requests(service_code="06010", status=Status.OPEN,
                                            start_date=datetime.now(timezone.utc) - timedelta(days=2))
    assert reference in [r.service_request_id for r in recent.service_requests]


def test_chicagorequests_downloads_a_day_with_its_paging_and_extensions(live, monkeypatch):
    import chicagorequests

    monkeypatch.setattr(chicagorequests.Downloader, "BASE_URL", f"{live['root']}/requests.json")
    references = {_post(live) for _ in range(3)}
    now = datetime.now(timezone.utc)
    downloader = chicagorequests.Downloader(request_type=["06010"])
    got = downloader((now - timedelta(hours=1), now + timedelta(hours=1)))
    assert references <= {r["service_request_id"] for r in got}
    assert all("notes" in r and "extended_attributes" in r for r in got)

    since = now - timedelta(minutes=30)
    updated = chicagorequests.Downloader(updated_start_date=since.isoformat(), updated_end_date=(
        now + timedelta(hours=1)).isoformat())
    assert references <= {r["service_request_id"] for r in updated((now - timedelta(hours=1), now + timedelta(hours=1)))}


def test_chicagorequests_command_line_prints_our_requests(live, monkeypatch):
    import chicagorequests
    from click.testing import CliRunner

    monkeypatch.setattr(chicagorequests.Downloader, "BASE_URL", f"{live['root']}/requests.json")
    reference = _post(live)
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    result = CliRunner().invoke(chicagorequests.main, ["--start-date", yesterday])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert reference in {r["service_request_id"] for r in lines}


# ---------------------------------------------------------------------------- schemathesis


def _patched_swagger() -> dict:
    """The spec's own Swagger (in shared/), made to describe what the spec's prose says: the
    single request lives at /requests/{id} (the Swagger says /request/), response_format is
    json or xml, and jurisdiction_id is conditional (not required)."""
    raw = json.loads((SCHEMA_DIR / "swagger.json").read_text())
    raw["basePath"] = "/open311/v2"
    raw["parameters"]["jurisdiction_id"]["required"] = False
    raw["parameters"]["response_format"] = {"name": "response_format", "in": "path", "required": True,
                                            "type": "string", "enum": ["json", "xml"]}
    raw["paths"] = {path.replace("/request/", "/requests/"): item for path, item in raw["paths"].items()}
    return raw


def test_schemathesis_finds_no_server_error(live):
    if not (SCHEMA_DIR / "swagger.json").is_file():
        pytest.skip("the spec's Swagger file is not beside the repository")
    import schemathesis
    from hypothesis import HealthCheck, given, settings as hsettings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_dict(_patched_swagger())
    session = requests.Session()
    seen: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @hsettings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            if case.method.upper() == "POST":
                case.query = {**(case.query or {}), "api_key": live["key"]}
            response = case.call(base_url=live["root"], session=session, timeout=30)
            seen.setdefault(f"{case.method} {operation.path}", set()).add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code < 500, response.text

        run()
    print("schemathesis status codes per operation:", {op: sorted(codes) for op, codes in seen.items()})
    assert len(seen) == 6 and all(codes for codes in seen.values())
