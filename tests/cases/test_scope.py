"""A 草坝镇 operator neither sees nor acts on a 文澜街道 case: in lists, search, detail and actions."""
from __future__ import annotations

import pytest

from civicloop.cases.models import Case
from tests.conftest import CAOBA, WENLAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def wenlan_case(api):
    response = api("operator_wenlan").post("/cases", {"lon": WENLAN[0], "lat": WENLAN[1], "category": "06010",
                                                      "description": "文澜街道天马路暴露垃圾"})
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def test_an_out_of_scope_operator_cannot_see_the_case_in_lists_or_search(api, wenlan_case):
    caoba = api("operator_caoba")
    assert wenlan_case not in [c["reference"] for c in caoba.get("/cases").json()["items"]]
    assert caoba.get("/cases", q=wenlan_case).json()["items"] == []
    assert caoba.get("/cases", street="532503001").json()["items"] == []
    wenlan = api("operator_wenlan")
    assert [c["reference"] for c in wenlan.get("/cases", q=wenlan_case).json()["items"]] == [wenlan_case]


def test_an_out_of_scope_operator_gets_404_on_detail_and_on_every_action(api, wenlan_case):
    caoba = api("operator_caoba")
    assert caoba.get(f"/cases/{wenlan_case}").status_code == 404
    for action in ("file", "not_file", "request_void", "merge", "request_verification"):
        response = caoba.act(wenlan_case, action, reason="x", into=wenlan_case)
        assert response.status_code == 404, (action, response.content)
    case = Case.objects.get(reference=wenlan_case)
    assert case.state == "reported" and case.version == 1 and case.events.count() == 1


def test_an_operator_cannot_report_outside_their_street(api):
    response = api("operator_caoba").post("/cases", {"lon": WENLAN[0], "lat": WENLAN[1], "description": "越界"})
    assert response.status_code == 403
    assert api("operator_caoba").post("/cases", {"lon": CAOBA[0], "lat": CAOBA[1],
                                                  "description": "草坝镇暴露垃圾"}).status_code == 201


def test_a_department_sees_only_what_is_dispatched_to_it(api, wenlan_case):
    assert api("handler_hwz").get(f"/cases/{wenlan_case}").status_code == 404
    api("operator").act(wenlan_case, "file")
    api("dispatcher").act(wenlan_case, "dispatch", department="hwz")
    assert api("handler_hwz").get(f"/cases/{wenlan_case}").status_code == 200
    assert api("handler_cgj").get(f"/cases/{wenlan_case}").status_code == 404
    assert api("handler_cgj").act(wenlan_case, "sign").status_code == 404


def test_a_worker_of_another_department_in_scope_cannot_sign(api, wenlan_case, persona):
    """A city-scope handler who sees everything still acts only for their own department."""
    from civicloop.org.models import User

    api("operator").act(wenlan_case, "file")
    api("dispatcher").act(wenlan_case, "dispatch", department="hwz")
    outsider = persona("handler_cgj")
    User.objects.filter(pk=outsider.pk).update(scope="city")
    response = api("handler_cgj").act(wenlan_case, "sign")
    assert response.status_code == 422 and response.json()["allowed_actions"] == []


def test_administrators_read_but_do_not_act(api, wenlan_case):
    admin = api("admin")
    assert admin.get(f"/cases/{wenlan_case}").status_code == 200
    assert admin.act(wenlan_case, "file").status_code == 403


def test_anonymous_callers_are_refused(client, wenlan_case):
    assert client.get("/api/cases").status_code == 401
    assert client.get(f"/api/cases/{wenlan_case}").status_code == 401
    assert client.post(f"/api/cases/{wenlan_case}/file", {}, content_type="application/json").status_code == 401
    bad = client.get("/api/cases", HTTP_AUTHORIZATION="Bearer cl_not-a-real-token")
    assert bad.status_code == 401 and "令牌" in bad.json()["detail"]
