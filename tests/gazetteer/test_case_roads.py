"""Cases know their road: the nearest gazetteer road within CASE_ROAD_METRES when reported (through the
extensions.road_at hook, so cases do not import the gazetteer), the road filter on GET /api/cases and the
console's list, `civicloop cases-roads` for older cases; with no gazetteer, no road and nothing else changes."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from shapely.geometry import Point

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.gazetteer import geocoding
from civicloop.gazetteer.models import Road

M = geocoding.M_PER_DEG_LAT


@pytest.fixture(autouse=True)
def fresh_road_index():
    geocoding._road_cache.invalidate()
    geocoding._segment_cache.invalidate()
    yield
    geocoding._road_cache.invalidate()  # a rolled-back seed must not leave its roads to the next test
    geocoding._segment_cache.invalidate()


@pytest.fixture
def demo_gazetteer(db):
    from civicloop.gazetteer import demo

    demo.seed(io.StringIO())
    geocoding._road_cache.invalidate()
    geocoding._segment_cache.invalidate()
    return {road.name: road for road in Road.objects.all()}


def beside(road: Road, metres: float = 15.0) -> tuple[float, float]:
    """A point this far from the road's line, square to it, where no other road comes within 100 m."""
    line = road.shape()
    others = [r.shape() for r in Road.objects.exclude(pk=road.pk)]
    for f in (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8):
        a, b = line.interpolate(f - 0.01, normalized=True), line.interpolate(f + 0.01, normalized=True)
        east, north = geocoding.metres(a.x, a.y, b.x, a.y) * (1 if b.x >= a.x else -1), (b.y - a.y) * M
        length = (east ** 2 + north ** 2) ** 0.5
        at = line.interpolate(f, normalized=True)
        point = geocoding.move(at.x, at.y, -north / length * metres, east / length * metres)
        if all(other.distance(Point(point)) * M > 100 for other in others):
            return point
    raise AssertionError(f"no quiet stretch on {road.name}")


def report(point, description="路边垃圾堆积", **extra) -> Case:
    return services.report_case(actor=None, channel="citizen", lon=point[0], lat=point[1], description=description,
                                **extra)


def two_roads(roads: dict[str, Road]) -> tuple[Road, Road]:
    return roads["天马路"], roads["银河路"]


def test_a_case_reported_beside_a_road_gets_its_code(demo_gazetteer):
    tianma, _other = two_roads(demo_gazetteer)
    case = report(beside(tianma))
    assert tianma.code and case.road_code == tianma.code
    assert Case.objects.get(pk=case.pk).road_code == tianma.code


def test_a_case_far_from_every_road_has_none(demo_gazetteer, settings):
    settings.CASE_ROAD_METRES = 5
    tianma, _other = two_roads(demo_gazetteer)
    assert report(beside(tianma, 15)).road_code is None


def test_the_api_lists_cases_by_road(demo_gazetteer, api):
    tianma, yinhe = two_roads(demo_gazetteer)
    on_tianma, on_yinhe = report(beside(tianma)), report(beside(yinhe))
    assert on_yinhe.road_code == yinhe.code
    client = api("operator")
    response = client.get("/cases", road=tianma.code)
    assert response.status_code == 200, response.content
    found = [item["reference"] for item in response.json()["items"]]
    assert on_tianma.reference in found and on_yinhe.reference not in found
    assert all(item["road"] == tianma.code for item in response.json()["items"])
    detail = client.get(f"/cases/{on_tianma.reference}").json()
    assert detail["road"] == tianma.code and detail["road_name"] == "天马路"


def test_the_console_list_filters_by_road(demo_gazetteer, signed_in):
    tianma, yinhe = two_roads(demo_gazetteer)
    on_tianma, on_yinhe = report(beside(tianma)), report(beside(yinhe))
    response = signed_in("operator").get(f"/console/cases/?road={yinhe.code}")
    assert response.status_code == 200
    rows = [c.reference for c in response.context["page"].rows]
    assert on_yinhe.reference in rows and on_tianma.reference not in rows
    assert f'value="{yinhe.code}"' in response.content.decode()  # the filter stays shown


def test_the_backfill_command_fills_older_cases(demo_gazetteer):
    tianma, yinhe = two_roads(demo_gazetteer)
    old = [report(beside(tianma)), report(beside(yinhe))]
    Case.objects.filter(pk__in=[c.pk for c in old]).update(road_code=None)  # reported before the gazetteer
    out = io.StringIO()
    call_command("cases_roads", batch=1, stdout=out)
    assert dict(Case.objects.filter(pk__in=[c.pk for c in old]).values_list("pk", "road_code")) == {
        old[0].pk: tianma.code, old[1].pk: yinhe.code}
    assert "2/2 cases" in out.getvalue() and "2 changed" in out.getvalue()
    again = io.StringIO()
    call_command("cases_roads", stdout=again, quiet_progress=True)
    assert "0 changed" in again.getvalue()


def test_without_a_gazetteer_a_case_gets_no_road_and_nothing_fails(db, api, wenlan_point):
    assert not Road.objects.exists()
    case = report(wenlan_point)
    assert case.road_code is None
    client = api("operator")
    assert client.get(f"/cases/{case.reference}").json()["road_name"] is None
    response = client.get("/cases", road="DL0001")
    assert response.status_code == 200 and response.json()["items"] == []
    out = io.StringIO()
    call_command("cases_roads", stdout=out)
    assert Case.objects.get(pk=case.pk).road_code is None
