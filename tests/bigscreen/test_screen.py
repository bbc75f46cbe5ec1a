"""The command-centre screen's figures: today's counts from the event log, live lights, the map's
points, the month's ranking, and a scoped viewer seeing only their own area."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.evaluation import rollup
from tests.conftest import WENLAN

CAOBA = (103.3205, 23.2905)  # inside 草坝镇 (532503102)


def reported(point, description: str, category: str = "06010") -> Case:
    return services.report_case(actor=None, channel="citizen", lon=point[0], lat=point[1], description=description,
                                category=category)


@pytest.fixture
def city_day(persona):
    """Three reports in 文澜 (one filed and dispatched, one overdue) and one in 草坝."""
    leader, dispatcher = persona("leader"), persona("dispatcher")
    a = reported(WENLAN, "垃圾桶满溢")
    services.file_case(a, leader)
    services.dispatch_case(Case.objects.get(pk=a.pk), dispatcher)
    b = reported((WENLAN[0] + 0.001, WENLAN[1]), "井盖缺失", "01002")
    now = timezone.now()
    Case.objects.filter(pk=b.pk).update(stage_warn_at=now - timedelta(hours=2), stage_deadline=now - timedelta(hours=1))
    c = reported((WENLAN[0], WENLAN[1] + 0.001), "占道经营", "09006")
    d = reported(CAOBA, "暴露垃圾")
    rollup.refresh()
    return {"dispatched": a, "overdue": b, "fresh": c, "caoba": d}


def data(client) -> dict:
    response = client.get("/screen/data.json")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_leader_sees_todays_counts_lights_points_and_trend(signed_in, city_day):
    body = data(signed_in("leader"))
    kpi = body["kpi"]
    assert (kpi["reported"], kpi["filed"], kpi["dispatched"], kpi["overdue"]) == (4, 1, 1, 1)
    assert body["lights"]["red"] == 1 and sum(body["lights"].values()) == 4
    refs = {p[3]: p[2] for p in body["points"]}
    assert refs[city_day["overdue"].reference] == "red" and city_day["caoba"].reference in refs
    assert body["points"][0][3] == city_day["overdue"].reference  # the most overdue first
    assert body["trend"]["reported"][-1] == 4 and len(body["trend"]["days"]) == 30
    assert sum(h[2] for h in body["heat"]) == 4
    assert {c["name"] for c in body["channels"]} == {"群众随手拍"}
    assert sum(c["value"] for c in body["categories"]) == 4
    assert body["hotspots"][0]["value"] >= 1 and body["scope"] == "蒙自市"


def test_a_street_operator_sees_only_their_street(signed_in, city_day):
    body = data(signed_in("operator_caoba"))
    assert body["kpi"]["reported"] == 1 and body["kpi"]["overdue"] == 0
    assert [p[3] for p in body["points"]] == [city_day["caoba"].reference]
    assert sum(h[2] for h in body["heat"]) == 1 and body["ranking"] == [] and body["scope"] == "草坝镇"


def test_the_screen_needs_a_signed_in_staff_member(client, db):
    assert client.get("/screen/data.json").status_code in (302, 401)
    assert client.get("/screen/")["Location"].startswith("/console/login/")


def test_an_unchanged_answer_costs_a_304(signed_in, city_day):
    client = signed_in("leader")
    first = client.get("/screen/data.json")
    again = client.get("/screen/data.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_map_outline_is_the_citys_streets(signed_in, db):
    body = signed_in("leader").get("/screen/map.json").json()
    names = {f["properties"]["name"] for f in body["features"]}
    assert "文澜街道" in names and "草坝镇" in names
    assert {f["properties"]["code"][:9] for f in signed_in("operator_caoba").get("/screen/map.json").json()["features"]} \
        == {"532503102"}
