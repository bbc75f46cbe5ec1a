"""Open311 POST with an address_string and no lat/long: placed at the gazetteer's answer when it is sure,
refused with the spec's 400 otherwise (docs/open311.md)."""
from __future__ import annotations

import math

import pytest

from civicloop.cases.models import Case
from tests.gazetteer.test_geocoding import gazetteer, north, x, y  # noqa: F401  (the fixture)
from tests.open311.conftest import post_request
from tests.open311.test_georeport import spec_error


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * 111_320.0 * math.cos(math.radians(lat1))
    return math.hypot(dx, (lat2 - lat1) * 111_320.0)


def test_a_door_plate_alone_places_the_case_at_the_plate(client, key, gazetteer):  # noqa: F811
    response = post_request(client, key, lat=None, long=None, address_string="学府路12号")
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()[0]["service_request_id"])
    plate = (x(15) + 0.0002, north(y(10), 120))  # 学府路12号 in the fixture
    assert metres(case.lon, case.lat, *plate) < 5
    assert case.address == "学府路12号"


def test_the_placed_request_reads_back_with_its_point(client, key, gazetteer):  # noqa: F811
    response = post_request(client, key, lat=None, long=None, address_string="学府路 7 号")
    reference = response.json()[0]["service_request_id"]
    shown = client.get(f"/open311/v2/requests/{reference}.json").json()[0]
    assert metres(shown["long"], shown["lat"], x(15) - 0.0002, north(y(10), 70)) < 5
    assert shown["address"] == "学府路 7 号"


@pytest.mark.parametrize("address", [
    "火星基地幸福路999号",  # nothing in the gazetteer
    "学府路",  # a road alone: its middle is no place to send a worker
    "学府路20号",  # a number the gazetteer lacks: only a guess between 18 and 22
])
def test_an_address_not_placed_with_confidence_is_refused(client, key, gazetteer, address):  # noqa: F811
    words = spec_error(post_request(client, key, lat=None, long=None, address_string=address), 400)
    assert "address_string" in words and "lat and long" in words
    assert Case.objects.count() == 0


def test_a_too_long_address_is_refused_not_cut(client, key, gazetteer):  # noqa: F811
    words = spec_error(post_request(client, key, lat=None, long=None, address_string="学府路12号" * 50), 400)
    assert "200" in words
    assert Case.objects.count() == 0


def test_lat_and_long_still_win_over_the_address(client, key, gazetteer):  # noqa: F811
    response = post_request(client, key, address_string="学府路12号")
    case = Case.objects.get(reference=response.json()[0]["service_request_id"])
    assert (round(case.lon, 3), round(case.lat, 3)) == (103.385, 23.367)  # WENLAN, as sent
