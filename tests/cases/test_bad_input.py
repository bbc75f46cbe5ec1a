"""Bad input gets a clear 4xx naming the field (Chinese first), and nothing is half-written."""
from __future__ import annotations

import pytest

from civicloop.cases.models import Case, CaseEvent, CaseSequence
from tests.conftest import WENLAN

pytestmark = pytest.mark.django_db

GOOD = {"lon": WENLAN[0], "lat": WENLAN[1], "description": "暴露垃圾", "category": "06010"}


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), sum(CaseSequence.objects.values_list("last", flat=True))


@pytest.mark.parametrize("change, field, words", [
    ({"lon": None}, "lon", "缺少坐标"),
    ({"lat": None}, "lat", "缺少坐标"),
    ({"lon": "东经103度"}, "lon", "格式不正确"),
    ({"lat": "abc"}, "lat", "格式不正确"),
    ({"lon": -73.98, "lat": 40.75}, "location", "中国境内"),  # New York
    ({"lon": 116.40, "lat": 39.90}, "location", "网格范围"),  # Beijing: China, but not our city
    ({"lon": 114.5, "lat": 15.0}, "location", "网格范围"),  # the South China Sea
    ({"category": "99999"}, "category", "未知"),
    ({"crs": "epsg:3857"}, "crs", "坐标系"),
    ({"description": "啊" * 4001}, "description", "4000"),
    ({"description": "   "}, "description", "不能为空"),
    ({"channel": "pigeon"}, "channel", "渠道"),
])
def test_a_bad_report_is_refused_with_the_field_named(api, change, field, words):
    before = counts()
    response = api("operator").post("/cases", {**GOOD, **change})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert words in body["errors"][0]["message"]
    assert counts() == before


def test_a_description_of_exactly_4000_characters_is_accepted(api):
    assert api("operator").post("/cases", {**GOOD, "description": "啊" * 4000}).status_code == 201


def test_a_point_in_gcj02_is_stored_in_wgs84(api):
    from civicloop.lib.coords import distance_m, wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(*WENLAN)
    body = api("operator").post("/cases", {**GOOD, "lon": lon, "lat": lat, "crs": "GCJ02"}).json()
    assert distance_m(body["lon"], body["lat"], *WENLAN) < 0.5


def test_an_unknown_case_is_404(api):
    response = api("operator").get("/cases/532503-20261122-999999")
    assert response.status_code == 404 and "不存在" in response.json()["detail"]
    assert api("operator").act("532503-20261122-999999", "file").status_code == 404


def test_malformed_json_and_bad_list_filters_are_422(api):
    client = api("operator")
    assert client.get("/cases", light="purple").json()["errors"][0]["field"] == "light"
    assert client.get("/cases", state="nonsense").json()["errors"][0]["field"] == "state"
    assert client.get("/cases", cursor="%%%").json()["errors"][0]["field"] == "cursor"
    assert client.get("/cases", limit=5000).json()["errors"][0]["field"] == "limit"
    assert client.get("/cases", reported_from="2026-13-45").status_code == 422
    response = client.client.post("/api/cases", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)


def test_bad_action_input_names_the_field(api):
    ref = api("operator").post("/cases", GOOD).json()["reference"]
    client = api("operator")
    assert client.act(ref, "file", category="00000").json()["errors"][0]["field"] == "category"
    assert client.act(ref, "file", priority=9).json()["errors"][0]["field"] == "priority"
    assert client.act(ref, "not_file").json()["errors"][0]["field"] == "reason"
    assert client.act(ref, "file", version="abc").status_code == 422
    assert Case.objects.get(reference=ref).version == 1
