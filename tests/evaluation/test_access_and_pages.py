"""Who sees which figures (scopes, conventions rule 3), the API, the console page and the public 红黑榜."""
from __future__ import annotations

import pytest

from civicloop.evaluation import rollup
from tests.evaluation.test_hand_made import CAOBA_STREET, WENLAN_STREET, story  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_street_operator_sees_only_their_street(story, api):
    wenlan = api("operator_wenlan")
    own = wenlan.get("/evaluation/metrics", period="2026-11").json()
    assert [r["key"] for r in own["rows"]] == [WENLAN_STREET] and own["rows"][0]["counts"]["reported"] == 9
    communities = wenlan.get("/evaluation/metrics", period="2026-11", by="community").json()["rows"]
    assert communities and all(r["key"].startswith(WENLAN_STREET) for r in communities)
    assert wenlan.get("/evaluation/metrics", period="2026-11", street=CAOBA_STREET).status_code == 403
    assert wenlan.get("/evaluation/metrics", period="2026-11", by="community", street=CAOBA_STREET).status_code == 403
    assert wenlan.get("/evaluation/metrics", period="2026-11", by="department").status_code == 403
    assert wenlan.get("/evaluation/metrics", period="2026-11", by="street").json()["rows"][0]["key"] == WENLAN_STREET
    assert wenlan.get("/evaluation/scores", subject="operator", period="2026-11").status_code == 403
    assert wenlan.get("/evaluation/rankings/2026-11/street").status_code == 403  # not published yet


def test_a_department_worker_sees_only_their_department(story, api):
    hwz = api("handler_hwz")
    rows = hwz.get("/evaluation/metrics", period="2026-11", by="department").json()["rows"]
    assert [r["key"] for r in rows] == ["hwz"]
    assert hwz.get("/evaluation/metrics", period="2026-11", department="cgj").status_code == 403
    assert hwz.get("/evaluation/metrics", period="2026-11", by="street").status_code == 403


def test_the_city_sees_everything_and_bad_input_is_a_422(story, api):
    city = api("operator")
    rows = city.get("/evaluation/metrics", period="2026-11", by="street").json()["rows"]
    assert {r["key"] for r in rows} == {WENLAN_STREET, CAOBA_STREET}
    assert city.get("/evaluation/metrics", period="2026-13").status_code == 422
    assert city.get("/evaluation/metrics", period="2026-11", by="department", street=WENLAN_STREET).status_code == 422
    assert city.get("/evaluation/metrics", period="2026-11", by="nonsense").status_code == 422
    assert api("operator").client.get("/api/evaluation/metrics").status_code == 200
    from django.test import Client
    assert Client().get("/api/evaluation/metrics").status_code == 401


def test_publishing_freezes_the_month_once(story, api, client):
    assert api("operator").post("/evaluation/rankings/2026-11/street/publish", {"list_size": 1}).status_code == 403
    commander = api("commander")
    published = commander.post("/evaluation/rankings/2026-11/street/publish", {"list_size": 1})
    assert published.status_code == 201, published.content
    rows = published.json()["rows"]
    assert commander.post("/evaluation/rankings/2026-11/street/publish", {}).status_code == 409
    # the frozen figures are what everybody reads afterwards, street operators and the public included
    assert api("operator_wenlan").get("/evaluation/rankings/2026-11/street").json()["rows"] == rows
    assert [r["month"] for r in commander.get("/evaluation/rankings").json()] == ["2026-11"]
    page = client.get("/evaluation/2026-11/street/")
    assert page.status_code == 200 and "文澜街道".encode() in page.content
    assert client.get("/evaluation/").status_code == 200
    assert client.get("/evaluation/2026-10/street/").status_code == 404


def test_the_console_page_for_city_and_street_staff(story, signed_in):
    page = signed_in("operator").get("/console/evaluation/", {"period": "2026-11", "by": "street"})
    assert page.status_code == 200
    assert "红黑榜".encode() in page.content or b"Red and black" in page.content
    street = signed_in("operator_wenlan").get("/console/evaluation/", {"period": "2026-11"})
    assert street.status_code == 200 and "草坝镇".encode() not in street.content
    assert signed_in("operator", language="en").get("/console/evaluation/", {"period": "2026-11"}).status_code == 200


def test_refresh_is_idempotent(story):
    before = rollup.refresh()
    again = rollup.refresh()
    assert again.events == 0 and again.last_event_id == before.last_event_id
