"""One case-list filter (cases/filters.py): the API's list and the console's read the same names and
refuse the same bad values, the API as a 422 naming each field, the console beside each field."""
from __future__ import annotations

import re

import pytest

from civicloop.cases import services
from civicloop.cases.filters import CaseFilter
from civicloop.console.views.lists import FILTER_KEYS, ListForm
from tests.conftest import WENLAN

BAD = {"state": "bogus", "kind": "half", "light": "purple", "channel": "pigeon", "pending": "maybe",
       "category": "99999", "department": "nobody", "reported_from": "2026-03-10", "reported_to": "2026-03-01"}
REFUSED = {"state", "kind", "light", "channel", "pending", "category", "department", "reported_to"}


def test_the_api_and_the_console_read_the_same_names(persona):
    assert set(CaseFilter.model_fields) == set(FILTER_KEYS)
    assert set(FILTER_KEYS) <= set(ListForm({}, user=persona("operator")).fields)


def test_the_api_names_every_bad_value_at_once(api):
    response = api("operator").client.get("/api/cases", BAD)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] in REFUSED
    assert {e["field"] for e in body["errors"]} == REFUSED
    assert "未知状态（bogus）" in {e["message"] for e in body["errors"]}  # one language, the reader's


def test_the_console_puts_the_same_refusals_beside_their_fields(signed_in):
    query = "&".join(f"{k}={v}" for k, v in BAD.items())
    response = signed_in("operator", language="en").get(f"/console/cases/?{query}")
    assert response.status_code == 422
    html = response.content.decode()
    errors = set(re.findall(r'id="id_(\w+)-error"', html))
    assert REFUSED <= errors
    assert re.search(r'id="id_state-error"[^>]*>unknown state bogus<', html)


@pytest.mark.parametrize("bad", ["reported_from=notadate", "supervised=perhaps", "limit=x"])
def test_a_value_of_the_wrong_type_is_a_422_in_the_api_not_a_crash(api, bad):
    response = api("operator").client.get(f"/api/cases?{bad}")
    assert response.status_code == 422
    assert response.json()["field"] == bad.split("=")[0]


def test_a_grid_filter_narrows_both_lists_alike(api, signed_in, persona):
    case = services.report_case(actor=persona("operator"), channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                                description="网格筛选", category="06010")
    listed = api("operator").get("/cases", grid=case.grid_id, limit=200).json()["items"]
    assert case.reference in {row["reference"] for row in listed}
    assert {row["grid"] for row in listed} == {case.grid_id}
    page = signed_in("operator").get(f"/console/cases/?grid={case.grid_id}&q=网格筛选")
    assert page.status_code == 200 and case.reference in page.content.decode()
