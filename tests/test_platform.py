"""The platform around the loop: health check, taxonomy, configuration, CLI, demo seed."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from civicloop.taxonomy.models import Category, Component
from civicloop.taxonomy import queries
from civicloop.taxonomy.queries import config

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client, monkeypatch):
    # On a day the year's holiday arrangement is known; tests/taxonomy checks "degraded" without it.
    monkeypatch.setattr(queries, "today", lambda: date(2026, 6, 1))
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"]["ok"] is True


def test_the_national_list_is_loaded_with_components_and_matters():
    assert Component.objects.count() == 153 and Category.objects.filter(is_local=False).count() == 250
    assert Category.objects.get(code="06042").name == "垃圾站（箱）满溢"
    assert Category.objects.get(code="01001").component.name == "供水井盖"


def test_routing_depends_on_the_street():
    cfg = config()
    assert cfg.department_for("06010", "532503001") == "hwz"  # 文澜: the sanitation station
    assert cfg.department_for("06010", "532503102") == "jd-532503102"  # 草坝镇: its own office
    assert cfg.department_for("07001", "532503102") == "cgj"


def test_a_city_adds_a_local_category(api):
    Category.objects.create(code="06901", major_code="06", major_name="市容环境类", name="石榴摊点占道",
                            is_local=True, department_id="cgj")
    codes = [c["code"] for c in api("operator").get("/categories").json()]
    assert "06901" in codes


def test_openapi_schema_lists_one_endpoint_per_action(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for action in ("file", "dispatch", "sign", "handle", "check", "close", "approve-return", "request-extension"):
        assert f"/api/cases/{{reference}}/{action}" in paths
    assert client.get("/api/docs").status_code == 200


def test_a_token_is_issued_for_staff_and_refused_for_a_wrong_password(client):
    ok = client.post("/api/auth/token", {"username": "operator", "password": "civicloop-demo"},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["token"].startswith("cl_")
    me = client.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {ok.json()['token']}").json()
    assert me["role"] == "operator"
    bad = client.post("/api/auth/token", {"username": "operator", "password": "nope"}, content_type="application/json")
    assert bad.status_code == 422 and "密码错误" in bad.json()["detail"]


def test_the_history_seed_is_deterministic_and_follows_the_rules():
    from civicloop.cases import rules
    from civicloop.cases.models import Case, CaseEvent
    from civicloop.demo.history import Simulator

    until = datetime(2026, 11, 20, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    def run():
        Simulator(until=until, count=300).run()
        cases = list(Case.objects.order_by("reference").values_list("reference", "state", "department_id", "stage_deadline"))
        for case in Case.objects.all():
            steps = [rules.Step(e.action, e.from_state, e.to_state, e.pending_from, e.pending_to)
                     for e in case.events.order_by("seq")]
            assert rules.replay(steps) == (case.state, case.pending)
        CaseEvent.objects.all()._raw_delete(CaseEvent.objects.db)
        Case.objects.all().delete()
        from civicloop.cases.models import CaseSequence

        CaseSequence.objects.all().delete()
        return cases

    first, second = run(), run()
    assert first == second and len(first) == 300
    assert {s for _, s, _, _ in first} >= {"closed", "not_filed"}


def test_createstaff_validates_scope(capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="区划"):
        call_command("createstaff", "op_x", role="operator", scope="street", password="a-long-password")
    call_command("createstaff", "op_y", role="operator", scope="street", division="532503102",
                 password="a-long-password", token=True)
    assert "cl_" in capsys.readouterr().out


def test_the_admin_configures_but_never_changes_a_case(client, persona, api):
    from tests.conftest import WENLAN

    ref = api("operator").post("/cases", {"lon": WENLAN[0], "lat": WENLAN[1], "description": "x"}).json()["reference"]
    client.force_login(persona("admin"))
    assert client.get("/admin/taxonomy/category/06010/change/").status_code == 200
    assert client.get("/admin/geo/grid/").status_code == 200
    from civicloop.cases.models import Case

    pk = Case.objects.get(reference=ref).pk
    page = client.get(f"/admin/cases/case/{pk}/change/")
    assert page.status_code == 200 and "保存" not in page.content.decode()  # view only
    assert client.post(f"/admin/cases/case/{pk}/change/", {"state": "closed"}).status_code == 403
    assert Case.objects.get(pk=pk).state == "reported"
