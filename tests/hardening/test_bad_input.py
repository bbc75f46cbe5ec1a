"""What an outside probe broke, on SQLite and PostgreSQL alike: a NUL or other control character in a
path, a query parameter or a field, and bodies that cannot be read, are bad input — a clear 4xx in the
caller's own error format, before any query, and nothing written. Never a 5xx, never Retry-After."""
from __future__ import annotations


import pytest
from django.test import Client

from civicloop.cases.models import Attachment, Case, CaseEvent
from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from civicloop.open311 import services as open311_services
from civicloop.org import keys
from civicloop.core.models import Throttle
from civicloop.org.models import User
from tests.conftest import WENLAN
from tests.hardening.endpoints import parameters, path_values, png_bytes, site_endpoints, walk

BASE = "/open311/v2"


@pytest.fixture
def staff(db):
    _, raw = keys.issue(keys.STAFF, User.objects.get(username="operator"), label="probe")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False)


@pytest.fixture
def citizen(db):
    client = Client(raise_request_exception=False)
    person = Citizen.objects.create(phone="13900139000")
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    client.get("/m/")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


@pytest.fixture
def open311_key(db):
    _key, raw = open311_services.issue_key(name="probe", rate_per_minute=1000)
    return raw


def writes() -> tuple[int, ...]:
    return (Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count(),
            Throttle.objects.count())


def api_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == code, body
    assert body["message"], body
    if field is not None:
        assert body["field"] == field, body
    return body


def georeport_error(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert "Retry-After" not in response
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"], body
    return body[0]["description"]


# ---------------------------------------------------------------------------- the probe's entry points


@pytest.mark.parametrize("path", ["/f/ab%00cd", "/s/ab%00cd", "/m/reports/532503-20260101-000001%00/"])
def test_a_nul_in_a_scan_link_or_case_link_is_a_friendly_404(db, path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_nul_in_the_username_is_refused_before_sign_in_is_tried(db):
    before = writes()
    response = Client().post("/api/auth/token", {"username": "oper\x00ator", "password": "x"},
                             content_type="application/json")
    api_error(response, 422, "bad_characters", "username")
    assert writes() == before  # not even a failed sign-in was counted


def test_a_nul_in_a_staff_list_filter_is_refused(staff):
    api_error(staff.get("/api/cases", {"q": "垃圾\x00"}), 422, "bad_characters", "q")
    api_error(staff.get("/api/cases", {"street": "532503001\x00"}), 422, "bad_characters", "street")


def test_a_nul_in_a_description_saves_nothing(staff):
    before = writes()
    response = staff.post("/api/cases", {"lon": WENLAN[0], "lat": WENLAN[1], "description": "路边\x00垃圾"},
                          content_type="application/json")
    api_error(response, 422, "bad_characters", "description")
    assert writes() == before


def test_a_lone_surrogate_in_json_is_refused_like_a_nul(staff):
    body = '{"lon": 103.385, "lat": 23.367, "description": "\\ud800 路边垃圾"}'  # valid JSON, not encodable text
    api_error(staff.post("/api/cases", body, content_type="application/json"), 422, "bad_characters", "description")


def test_a_nul_in_a_nested_json_field_names_the_field(staff):
    body = {"lon": WENLAN[0], "lat": WENLAN[1], "description": "ok", "extra": {"items": ["fine", "bad\x00"]}}
    api_error(staff.post("/api/cases", body, content_type="application/json"), 422, "bad_characters",
              "extra.items.1")


def test_newlines_and_tabs_in_a_description_are_ordinary_text(staff):
    response = staff.post("/api/cases", {"lon": WENLAN[0], "lat": WENLAN[1],
                                         "description": "路边垃圾\n第二行\t有异味"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Case.objects.get(reference=response.json()["reference"]).description == "路边垃圾\n第二行\t有异味"


def test_open311_answers_a_nul_with_a_georeport_400_and_no_retry_after(open311_key):
    before = writes()
    response = Client().post(f"{BASE}/requests.json", {"api_key": open311_key, "service_code": "06010",
                                                       "lat": str(WENLAN[1]), "long": str(WENLAN[0]),
                                                       "description": "路边\x00暴露垃圾"})
    assert "description" in georeport_error(response, 400)
    assert writes() == before
    georeport_error(Client().get(f"{BASE}/requests.json", {"status": "open\x00"}), 400)


# ---------------------------------------------------------------------------- bodies that cannot be read


def test_an_unreadable_json_body_gets_the_api_error_shape(staff):
    body = api_error(staff.post("/api/cases", "{not json", content_type="application/json"), 400, "malformed_json")
    assert "field" in body and "detail" in body


def test_a_json_body_too_deep_to_walk_is_refused(staff):
    body = "[" * 5000 + "]" * 5000
    api_error(staff.post("/api/cases", body, content_type="application/json"), 400, "malformed_json")


def test_a_body_in_a_content_type_the_api_does_not_read_is_a_400_not_a_500(staff):
    response = staff.post("/api/cases", "<case><lon>103</lon></case>", content_type="text/xml")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["code"] and response.json()["message"]


@pytest.mark.parametrize("who, path", [
    ("anonymous", "/api/citizen/reports"),
    ("citizen", "/api/citizen/reports/{reference}/follow"),
    ("staff", "/api/cases/{reference}/attachments"),
])
def test_multipart_without_a_boundary_is_a_400_on_every_upload_endpoint(wenlan_case, staff, citizen, who, path):
    case, _photo = wenlan_case
    client = {"anonymous": Client(raise_request_exception=False), "citizen": citizen, "staff": staff}[who]
    before = writes()
    response = client.generic("POST", path.format(reference=case.reference), b"--x\r\n\r\nhello\r\n",
                              content_type="multipart/form-data")
    api_error(response, 400, "malformed_body")
    assert writes() == before


def test_a_truncated_multipart_upload_is_a_400(wenlan_case, staff):
    case, _photo = wenlan_case
    body = (b"--BOUND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n" + png_bytes()[:40])  # no closing boundary
    before = writes()
    response = staff.generic("POST", f"/api/cases/{case.reference}/attachments", body,
                             content_type="multipart/form-data; boundary=BOUND")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["code"]
    assert writes() == before


def test_open311_answers_an_oversize_body_in_georeport_format(open311_key, settings):
    big = "垃圾" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3)
    response = Client().post(f"{BASE}/requests.json", {"api_key": open311_key, "service_code": "06010",
                                                       "lat": str(WENLAN[1]), "long": str(WENLAN[0]),
                                                       "description": big})
    georeport_error(response, 413)


@pytest.mark.parametrize("path", [f"{BASE}/requests%0A.json", f"{BASE}/requests/abc%0A.json",
                                  f"{BASE}/services%00.json", f"{BASE}/nothing%0A"])
def test_open311_answers_odd_paths_in_georeport_format(db, path):
    response = Client().get(path)
    assert response.status_code == 404
    if path.endswith(".json"):
        georeport_error(response, 404)
    else:  # XML, the spec's default
        assert response["Content-Type"].startswith("text/xml") and b"<errors>" in response.content


def test_an_unknown_api_path_answers_json_not_a_page(db):
    response = Client().get("/api/no-such-thing")
    api_error(response, 404, "not_found")


# ---------------------------------------------------------------------------- every URL the site has


def _nul_paths(case, photo) -> list[tuple[str, str]]:
    """(name, path) for every URL pattern, with a NUL inside each path parameter in turn (or, for a
    pattern without parameters, at the end of its path)."""
    values = path_values(case, photo)
    paths = []
    for endpoint in site_endpoints(case, photo):
        if not endpoint.params:
            paths.append((endpoint.name, endpoint.path.rstrip("/") + "%00"))
        for param in endpoint.params:
            value = values.get(param, "1")
            if value in endpoint.path:
                paths.append((endpoint.name, endpoint.path.replace(value, value[:1] + "%00" + value[1:], 1)))
    return paths


def test_a_nul_in_any_path_parameter_is_a_404_everywhere(wenlan_case, staff):
    case, photo = wenlan_case
    before, failures = writes(), []
    paths = _nul_paths(case, photo)
    assert len(paths) > 150  # the walk found the site
    for name, path in paths:
        for client in (Client(raise_request_exception=False), staff):
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                if response.status_code != 404:
                    failures.append(f"{method.upper()} {path} ({name}): {response.status_code}")
    assert not failures, "\n".join(failures)
    assert writes() == before


def test_a_nul_in_any_query_parameter_is_refused_everywhere(wenlan_case, staff):
    case, photo = wenlan_case
    before, failures = writes(), []
    for endpoint in site_endpoints(case, photo):
        for client in (Client(raise_request_exception=False), staff):
            for query in ({"q": "a\x00b"}, {"page\x00": "1"}):
                response = client.get(endpoint.path, query)
                if response.status_code not in (400, 422):
                    failures.append(f"GET {endpoint.path}?{list(query)[0]!r} ({endpoint.name}): {response.status_code}")
    assert not failures, "\n".join(failures)
    assert writes() == before


def test_a_broken_multipart_body_is_a_400_on_every_endpoint(wenlan_case, staff):
    case, photo = wenlan_case
    before, failures = writes(), []
    for endpoint in site_endpoints(case, photo):
        response = staff.generic("POST", endpoint.path, b"--x\r\nbroken", content_type="multipart/form-data")
        if response.status_code != 400:
            failures.append(f"POST {endpoint.path} ({endpoint.name}): {response.status_code}")
    assert not failures, "\n".join(failures)
    assert writes() == before


def test_the_walk_reaches_patterns_with_parameters():
    """A guard on the walks above: they must see parameterised routes, not only fixed paths."""
    assert sum(1 for _name, _route, pattern in walk() if parameters(pattern)) > 40
