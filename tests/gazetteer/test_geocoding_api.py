"""GET /api/geo/geocode and /api/geo/reverse: who may call them, what they answer, how they refuse."""
from __future__ import annotations

import pytest
from django.test import Client, override_settings

from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from civicloop.core.models import Throttle
from civicloop.org import keys
from civicloop.org.models import User
from tests.gazetteer.test_geocoding import gazetteer, plate, x, y  # noqa: F401  (the fixture)


@pytest.fixture
def staff(db):
    _, raw = keys.issue(keys.STAFF, User.objects.get(username="operator"), label="geocoder")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def citizen(db):
    client = Client()
    session = client.session
    session[SESSION_KEY] = Citizen.objects.create(phone="13900139001").pk
    session.save()
    return client


def error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] and body["message"]
    if field:
        assert body["field"] == field, body
    return body


def test_staff_geocode_a_door_plate(staff, gazetteer):
    response = staff.get("/api/geo/geocode", {"q": "学府路12号"})
    assert response.status_code == 200
    best = response.json()["candidates"][0]
    assert (best["kind"], best["label"], best["matched"]["code"]) == ("door", "学府路12号", "XF012")
    assert best["grid"] and best["street"] and 0 < best["confidence"] <= 1


def test_a_citizen_session_geocodes_and_reverses(citizen, gazetteer):
    assert citizen.get("/api/geo/geocode", {"q": "人民医院"}).json()["candidates"][0]["label"] == "人民医院"
    p = plate("12号")
    words = citizen.get("/api/geo/reverse", {"lon": p.lon + 0.0001, "lat": p.lat}).json()
    assert words["door"]["name"] == "学府路12号" and words["road"]["name"] == "学府路"
    assert words["line"].endswith("学府路12号附近（约10米）")


def test_reverse_takes_other_coordinate_systems(staff, gazetteer):
    from civicloop.lib import coords

    p = plate("12号")
    lon, lat = coords.from_wgs84(p.lon, p.lat, coords.CRS.GCJ02)
    words = staff.get("/api/geo/reverse", {"lon": lon, "lat": lat, "crs": "gcj02"}).json()
    assert words["door"]["name"] == "学府路12号" and words["door"]["distance_m"] < 3


def test_nothing_found_is_an_empty_list(staff, gazetteer):
    response = staff.get("/api/geo/geocode", {"q": "完全不存在的地方"})
    assert response.status_code == 200 and response.json()["candidates"] == []


def test_limit_caps_the_candidates(staff, gazetteer):
    assert len(staff.get("/api/geo/geocode", {"q": "学府路", "limit": 1}).json()["candidates"]) == 1
    error(staff.get("/api/geo/geocode", {"q": "学府路", "limit": 0}), 422, "limit")
    error(staff.get("/api/geo/geocode", {"q": "学府路", "limit": "many"}), 422, "limit")


@pytest.mark.parametrize("q", ["", "   ", "\u3000"])
def test_an_empty_query_is_refused_naming_q(staff, q):
    error(staff.get("/api/geo/geocode", {"q": q}), 422, "q")


def test_a_missing_query_is_refused_naming_q(staff):
    error(staff.get("/api/geo/geocode"), 422, "q")


def test_a_query_of_2000_characters_is_refused_not_cut(staff):
    body = error(staff.get("/api/geo/geocode", {"q": "学" * 2000}), 422, "q")
    assert "200" in body["message"]


def test_a_point_outside_the_city_is_refused_naming_location(staff):
    error(staff.get("/api/geo/reverse", {"lon": 116.4, "lat": 39.9}), 422, "location")
    error(staff.get("/api/geo/reverse", {"lon": "east", "lat": 23.3}), 422, "lon")
    error(staff.get("/api/geo/reverse", {"lat": 23.3}), 422, "lon")
    error(staff.get("/api/geo/reverse", {"lon": 103.38, "lat": 23.36, "crs": "mars"}), 422, "crs")


def test_a_bad_token_is_refused_not_treated_as_anonymous(db):
    error(Client(HTTP_AUTHORIZATION="Bearer nonsense").get("/api/geo/geocode", {"q": "学府路"}), 401)


@override_settings(GEOCODER_ANONYMOUS_PER_MINUTE=3)
def test_anonymous_callers_are_rate_limited_per_address(gazetteer, staff, citizen):
    anonymous = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert anonymous.get("/api/geo/geocode", {"q": "学府路12号"}).status_code == 200
    body = error(anonymous.get("/api/geo/reverse", {"lon": x(15), "lat": y(10)}), 429)
    assert body["code"] == "rate_limited" and 0 < body["retry_after"] <= 60
    # Another address, staff and citizens are not held back by it.
    assert Client(REMOTE_ADDR="198.51.100.8").get("/api/geo/geocode", {"q": "学府路"}).status_code == 200
    for _ in range(5):
        assert staff.get("/api/geo/geocode", {"q": "学府路"}).status_code == 200
        assert citizen.get("/api/geo/geocode", {"q": "学府路"}).status_code == 200
    assert Throttle.objects.filter(key="geocoder-ip:198.51.100.7").count() == 3


def test_both_endpoints_are_in_the_openapi_description(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {"get"} <= set(paths["/api/geo/geocode"]) and "get" in paths["/api/geo/reverse"]
    params = {p["name"] for p in paths["/api/geo/geocode"]["get"]["parameters"]}
    assert {"q", "limit"} <= params


def test_a_staff_browser_session_geocodes(signed_in, gazetteer):
    response = signed_in("operator").get("/api/geo/geocode", {"q": "学府路与红河大道交叉口"})
    assert response.status_code == 200
    assert response.json()["candidates"][0]["kind"] == "intersection"


def test_refusals_speak_the_callers_language(signed_in):
    chinese = error(signed_in("operator").get("/api/geo/geocode", {"q": " "}), 422, "q")
    english = error(signed_in("operator", language="en").get("/api/geo/geocode", {"q": " "}), 422, "q")
    assert "地址" in chinese["message"]
    assert "address" in english["message"] and "地址" not in english["message"]


@pytest.mark.parametrize("q", ['"', "%", "_", "\\", "*", "学府路\"12号", "NEAR(学府 路)", "学府路 OR 天马路", "'; DROP TABLE x; --",
                               "学府路99999999999999999999号", "锦绣花园99999999999999栋", "东侧50米", "对面", "口", "路口"])
def test_odd_queries_are_answered_not_crashed(staff, gazetteer, q):
    response = staff.get("/api/geo/geocode", {"q": q})
    assert response.status_code == 200, response.content[:300]
    assert isinstance(response.json()["candidates"], list)
