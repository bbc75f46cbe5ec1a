"""The console map's data over HTTP: lights, clusters, scope, 高德 (GCJ-02) coordinates, grids, bad input."""
from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.lib import coords
from tests.conftest import CAOBA, WENLAN

CITY_BBOX = "103.2,23.0,103.9,23.6"  # the whole demo city


def report(point=WENLAN, description="路边垃圾桶满溢", **clock) -> Case:
    case = services.report_case(actor=None, channel="citizen", lon=point[0], lat=point[1], description=description)
    if clock:  # set the stage clock outright: the light depends on nothing else
        Case.objects.filter(pk=case.pk).update(**clock)
        case.refresh_from_db()
    return case


def red(point=WENLAN, **kw) -> Case:
    now = timezone.now()
    return report(point, stage_warn_at=now - timedelta(hours=3), stage_deadline=now - timedelta(hours=1), **kw)


def yellow(point=WENLAN, **kw) -> Case:
    now = timezone.now()
    return report(point, stage_warn_at=now - timedelta(hours=1), stage_deadline=now + timedelta(hours=1), **kw)


def green(point=WENLAN, **kw) -> Case:
    now = timezone.now()
    return report(point, stage_warn_at=now + timedelta(hours=1), stage_deadline=now + timedelta(hours=2), **kw)


def around(point, d=0.003) -> str:
    return f"{point[0] - d},{point[1] - d},{point[0] + d},{point[1] + d}"


def distance_m(a, b) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    dy = (a[1] - b[1]) * 110_574
    return math.hypot(dx, dy)




def cases_json(client, **params):
    response = client.get("/console/map/cases.json", params)
    assert response.status_code == 200, response.content
    return response.json()


def points_by_ref(body) -> dict:
    assert body["mode"] == "points"
    return {f["properties"]["ref"]: f for f in body["features"]}


def test_street_zoom_shows_each_case_in_its_light_colour(signed_in):
    cases = {"red": red(), "yellow": yellow(), "green": green()}
    body = cases_json(signed_in("operator"), bbox=around(WENLAN), zoom=17)
    shown = points_by_ref(body)
    for light, case in cases.items():
        props = shown[case.reference]["properties"]
        assert props["light"] == light
        assert props["text"] == "路边垃圾桶满溢" and props["state_label"] == "待受理"
        assert shown[case.reference]["geometry"]["coordinates"] == [round(case.lon, 6), round(case.lat, 6)]
    assert body["counts"]["red"] >= 1 and body["counts"]["yellow"] >= 1 and body["counts"]["green"] >= 1
    assert body["counts"]["total"] == len(body["features"])


def test_an_unchanged_view_is_answered_304_and_a_change_is_not(signed_in):
    red()
    client = signed_in("operator")
    params = {"bbox": around(WENLAN), "zoom": 17}
    first = client.get("/console/map/cases.json", params)
    assert first.status_code == 200 and first["ETag"]
    again = client.get("/console/map/cases.json", params, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    green()
    changed = client.get("/console/map/cases.json", params, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_the_light_filter_keeps_only_the_lights_asked_for(signed_in):
    late, soon, fine = red(), yellow(), green()
    shown = points_by_ref(cases_json(signed_in("operator"), bbox=around(WENLAN), zoom=17, light="red,yellow"))
    assert late.reference in shown and soon.reference in shown and fine.reference not in shown
    assert {f["properties"]["light"] for f in shown.values()} <= {"red", "yellow"}


def test_closed_cases_stay_off_the_map_unless_asked_for(signed_in):
    case = green()
    Case.objects.filter(pk=case.pk).update(state="closed", kind="closed", stage_deadline=None, stage_warn_at=None)
    client = signed_in("operator")
    assert case.reference not in points_by_ref(cases_json(client, bbox=around(WENLAN), zoom=17))
    closed = points_by_ref(cases_json(client, bbox=around(WENLAN), zoom=17, kind="closed"))
    assert closed[case.reference]["properties"]["light"] == "none"


def test_city_zoom_clusters_add_up_to_every_case_in_view(signed_in):
    made = [red(), yellow(), green(), green(CAOBA), red((103.40, 23.38)), green((103.39, 23.36))]
    client = signed_in("operator")
    body = cases_json(client, bbox=CITY_BBOX, zoom=11)
    assert body["mode"] == "clusters"
    features = body["features"]
    assert all(f["properties"]["cluster"] for f in features)
    assert sum(f["properties"]["total"] for f in features) == body["counts"]["total"] == len(made)
    assert sum(f["properties"]["red"] for f in features) == body["counts"]["red"] == 2
    assert body["counts"]["green"] == 3 and body["counts"]["yellow"] == 1
    # 文澜 and 草坝 are ~12 km apart: never one cluster at city zoom.
    assert len(features) >= 2
    # Zooming in splits clusters, never loses a case.
    closer = cases_json(client, bbox=CITY_BBOX, zoom=13)
    assert sum(f["properties"]["total"] for f in closer["features"]) == len(made)
    assert len(closer["features"]) >= len(features)


def test_a_caoba_operator_sees_no_wenlan_case_however_asked(signed_in):
    wenlan, caoba = red(WENLAN), red(CAOBA)
    client = signed_in("operator_caoba")
    assert points_by_ref(cases_json(client, bbox=around(WENLAN), zoom=17)) == {}
    shown = points_by_ref(cases_json(client, bbox=CITY_BBOX, zoom=17))
    assert caoba.reference in shown and wenlan.reference not in shown
    body = cases_json(client, bbox=CITY_BBOX, zoom=11)
    assert body["counts"]["total"] == 1
    assert cases_json(client, bbox=around(WENLAN), zoom=11)["features"] == []
    # Asking for 文澜's street by name does not widen the scope either.
    assert cases_json(client, zoom=11, street="532503001")["counts"]["total"] == 0


@override_settings(MAP_TILES="amap")
def test_with_amap_tiles_points_come_in_gcj02_and_the_bbox_is_read_as_gcj02(signed_in):
    case = red()
    shifted = coords.wgs84_to_gcj02(case.lon, case.lat)
    # A GCJ-02 box around the shifted point, too small to hold the WGS-84 point (~600 m away here).
    body = cases_json(signed_in("operator"), bbox=around(shifted, 0.001), zoom=17)
    assert body["crs"] == "gcj02"
    got = points_by_ref(body)[case.reference]["geometry"]["coordinates"]
    assert distance_m(got, shifted) < 1
    assert 100 < distance_m(got, (case.lon, case.lat)) < 1000
    clusters = cases_json(signed_in("operator"), bbox=CITY_BBOX, zoom=11)["features"]
    assert any(distance_m(f["geometry"]["coordinates"], shifted) < 1 for f in clusters if f["properties"]["total"] == 1)


@override_settings(MAP_TILES="amap")
def test_with_amap_tiles_grids_and_boundaries_are_shifted_too(signed_in):
    client = signed_in("operator")
    wgs = client.get("/console/map/grids.json", {"bbox": around(WENLAN, 0.0005)})
    assert wgs.status_code == 200
    with override_settings(MAP_TILES="none"):
        plain = client.get("/console/map/grids.json", {"bbox": around(WENLAN, 0.0005)}).json()
    shifted = client.get("/console/map/grids.json",
                         {"bbox": around(coords.wgs84_to_gcj02(*WENLAN), 0.0005)}).json()
    plain_codes = {f["id"]: f for f in plain["features"]}
    common = [f for f in shifted["features"] if f["id"] in plain_codes]
    assert common
    a = shifted["features"][0]["geometry"]["coordinates"][0][0]
    b = plain_codes[shifted["features"][0]["id"]]["geometry"]["coordinates"][0][0]
    assert 100 < distance_m(a, b) < 1000


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "103.5,23.3,103.4,23.4", "103,23,nan,24", "0,0,200,10"])
def test_a_bad_bbox_is_refused_in_chinese_first(signed_in, bbox):
    response = signed_in("operator").get("/console/map/cases.json", {"bbox": bbox, "zoom": 12})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("范围参数 bbox 须为") and " / bbox must be" in body["detail"]


@pytest.mark.parametrize("field, params", [
    ("zoom", {"zoom": "99"}), ("zoom", {"zoom": "x"}), ("light", {"light": "blue"}), ("kind", {"kind": "lost"}),
    ("light", {"kind": "closed", "light": "red"}), ("category", {"category": "99999"}), ("street", {"street": "1"}),
    ("days", {"days": "0"}),
])
def test_other_bad_parameters_are_refused_too(signed_in, field, params):
    response = signed_in("operator").get("/console/map/cases.json", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["errors"][0]["field"] == field
    detail = body["detail"]
    assert re.search(r"[\u4e00-\u9fff]", detail)
    if field in ("zoom", "kind"):  # through gettext: the request's language only
        assert " / " not in detail and "must be" not in detail
    else:
        chinese, english = detail.split(" / ", 1)
        assert re.search(r"[\u4e00-\u9fff]", chinese) and english.isascii()


def test_grids_come_as_polygons_in_the_bbox_and_mark_the_users_own(signed_in):
    body = signed_in("operator_wenlan").get("/console/map/grids.json", {"bbox": around(WENLAN, 0.002)}).json()
    assert body["features"] and not body["too_many"]
    for f in body["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        xs = [x for x, _ in f["geometry"]["coordinates"][0]]
        ys = [y for _, y in f["geometry"]["coordinates"][0]]
        assert min(xs) <= WENLAN[0] + 0.002 and max(xs) >= WENLAN[0] - 0.002
        assert min(ys) <= WENLAN[1] + 0.002 and max(ys) >= WENLAN[1] - 0.002
    assert any(f["properties"]["mine"] for f in body["features"])
    caoba = signed_in("operator_caoba").get("/console/map/grids.json", {"bbox": around(WENLAN, 0.002)}).json()
    assert caoba["features"] and not any(f["properties"]["mine"] for f in caoba["features"])


def test_grids_need_a_bbox_and_a_city_wide_one_asks_to_zoom_in(signed_in):
    client = signed_in("operator")
    assert client.get("/console/map/grids.json").status_code == 422
    body = client.get("/console/map/grids.json", {"bbox": CITY_BBOX}).json()
    assert body["too_many"] and body["features"] == []


def test_divisions_give_the_street_boundaries(signed_in):
    body = signed_in("operator_caoba").get("/console/map/divisions.json").json()
    names = {f["properties"]["name"] for f in body["features"]}
    assert "文澜街道" in names and "草坝镇" in names
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in body["features"])
    communities = signed_in("operator").get("/console/map/divisions.json", {"level": "community"}).json()
    assert len(communities["features"]) > len(body["features"])
    assert signed_in("operator").get("/console/map/divisions.json", {"level": "planet"}).status_code == 422


@pytest.mark.parametrize("path", ["/console/map/", "/console/map/cases.json", "/console/map/grids.json",
                                  "/console/map/divisions.json"])
def test_anonymous_visitors_are_sent_to_sign_in(db, client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")


def test_the_map_page_opens_on_the_users_own_area(signed_in):
    response = signed_in("operator_caoba").get("/console/map/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-Hans">' in page
    assert 'id="map"' in page and 'id="map-settings"' in page and "vendor/leaflet/leaflet.js" in page
    settings = response.context["map_settings"]
    (south, west), (north, east) = settings["bounds"]
    assert west <= CAOBA[0] <= east and south <= CAOBA[1] <= north
    (city_s, city_w), (city_n, city_e) = signed_in("operator").get("/console/map/").context["map_settings"]["bounds"]
    assert (east - west) * (north - south) < (city_e - city_w) * (city_n - city_s) / 2
    assert settings["tiles"]["url"] == "" and 'class="map no-tiles"' in page
    assert settings["refreshMs"] <= 5000
    assert "map-street" not in page  # a street operator has no other street to pick
    assert "map-street" in signed_in("operator").get("/console/map/").content.decode()
