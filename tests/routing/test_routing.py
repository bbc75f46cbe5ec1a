"""Routing rules in use: dispatch follows them, leaders edit and test them in the console, and
the desk sees (and gets preselected) the nearest field worker on duty for a verification."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.cases import services
from civicloop.cases.rules import State
from civicloop.patrols import services as patrols
from civicloop.routing import dispatch, queries
from civicloop.routing.models import RoutingRule
from tests.conftest import CAOBA, WENLAN

WENLAN_STREET = "532503001"


@pytest.fixture(autouse=True)
def fresh_index(settings):
    settings.DISPATCH_INDEX_TTL_S = 0  # every suggestion reads the database again
    dispatch.forget()
    yield
    dispatch.forget()
    queries._cache.invalidate()  # a rolled-back test's rules must not linger in this process


def filed(persona, point=WENLAN, category="06010"):
    case = services.report_case(actor=persona("operator"), channel="citizen", lon=point[0], lat=point[1],
                                description="路边暴露垃圾", category=category)
    return services.file_case(case, persona("operator"))


def test_dispatch_without_a_department_follows_the_most_specific_rule(db, persona):
    RoutingRule.objects.create(category_group="06", area=WENLAN_STREET, department_id="jd-532503001")
    case = filed(persona)
    assert services.suggest_department(case) == "jd-532503001"
    services.dispatch_case(case, persona("dispatcher"))
    case.refresh_from_db()
    assert case.department_id == "jd-532503001"
    assert services.suggest_department(filed(persona, CAOBA)) == "jd-532503102"  # the taxonomy's street route still counts


def test_a_supervised_case_goes_to_the_override_unit(db, persona):
    RoutingRule.objects.create(supervised_only=True, department_id="cgj")
    case = filed(persona)
    assert services.suggest_department(case) == "hwz"  # the category's default
    services.supervise_case(case, persona("commander"), reason="群众多次反映")
    case.refresh_from_db()
    assert services.suggest_department(case) == "cgj"


def test_a_leader_adds_a_rule_and_tests_it_against_a_sample(signed_in, persona):
    client = signed_in("leader", language="en")
    page = client.post("/console/routing/", {"category_group": "06", "area": WENLAN_STREET,
                                             "department": "jd-532503001", "note": "老城区", "active": "on"})
    assert page.status_code == 302
    rule = RoutingRule.objects.get(note="老城区")
    result = client.get("/console/routing/", {"test": "1", "category": "06010", "lon": WENLAN[0], "lat": WENLAN[1],
                                              "priority": "1"})
    html = result.content.decode()
    assert result.status_code == 200
    assert "文澜街道办事处" in html.split('data-testid="routed-department"')[1][:80]
    assert 'data-testid="trace-chosen"' in html and "matches: chosen" in html
    elsewhere = client.get("/console/routing/", {"test": "1", "category": "06010", "lon": CAOBA[0], "lat": CAOBA[1],
                                                 "priority": "1"}).content.decode()
    assert "the place is outside its area" in elsewhere
    assert f"/console/routing/{rule.pk}/" in html


def test_a_recent_case_can_be_the_sample(signed_in, persona):
    case = filed(persona)
    html = signed_in("leader", language="en").get("/console/routing/", {"test": "1", "case": case.reference,
                                                                       "priority": "1"}).content.decode()
    assert "环境卫生管理站" in html.split('data-testid="routed-department"')[1][:80]
    assert "category default" in html


def test_a_rule_that_makes_no_sense_is_refused_beside_the_form(signed_in):
    client = signed_in("leader", language="en")
    page = client.post("/console/routing/", {"category": "06010", "category_group": "06", "department": "hwz",
                                             "active": "on"})
    assert page.status_code == 422 and "not both" in page.content.decode()
    page = client.post("/console/routing/", {"area": "532503999", "department": "hwz", "active": "on"})
    assert page.status_code == 422
    assert not RoutingRule.objects.exists()


def test_a_leader_changes_and_deletes_a_rule(signed_in):
    rule = RoutingRule.objects.create(category_group="09", department_id="cgj")
    client = signed_in("commander")
    assert client.post(f"/console/routing/{rule.pk}/", {"category_group": "09", "department": "scjg",
                                                        "active": "on"}).status_code == 302
    rule.refresh_from_db()
    assert rule.department_id == "scjg"
    client.post(f"/console/routing/{rule.pk}/delete")
    assert not RoutingRule.objects.exists()


@pytest.mark.parametrize("username", ["operator", "dispatcher", "operator_wenlan", "handler_hwz", "gridworker"])
def test_others_cannot_edit_rules(signed_in, username):
    client = signed_in(username)
    assert client.get("/console/routing/").status_code == 403
    assert client.post("/console/routing/", {"category_group": "06", "department": "cgj"}).status_code == 403
    assert not RoutingRule.objects.exists()


def test_anonymous_callers_are_sent_to_sign_in(client, db):
    assert client.get("/console/routing/").status_code == 302


# ---------------------------------------------------------------------------- nearest worker


def on_duty_at(user, lon, lat):
    patrols.check_in(user)
    patrols.set_position(user, lon=lon, lat=lat)


def test_the_nearest_worker_on_duty_is_suggested_and_preselected(signed_in, persona):
    case = services.report_case(actor=persona("operator"), channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                description="井盖缺失")
    inspector = persona("inspector_001")
    on_duty_at(inspector, WENLAN[0] + 0.001, WENLAN[1])
    gridworker = persona("gridworker")
    on_duty_at(gridworker, WENLAN[0] + 0.01, WENLAN[1])  # on duty but the case is not in their grid
    panel = signed_in("operator", language="en").get(f"/console/cases/{case.reference}/").content.decode()
    section = panel.split('data-testid="nearest-workers"')[1].split("</section>")[0]
    assert str(inspector) in section and str(gridworker) not in section
    assert f'<option value="{inspector.pk}" selected>' in panel


def test_off_duty_stale_and_busy_workers_lose(db, persona):
    case = services.report_case(actor=persona("operator"), channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                description="道路破损")
    inspector = persona("inspector_001")
    patrols.set_position(inspector, lon=WENLAN[0], lat=WENLAN[1])
    assert dispatch.suggest_for(case) == []  # not on duty
    patrols.start_patrol(inspector)  # on a patrol counts as on duty
    assert [s.worker.id for s in dispatch.suggest_for(case)] == [inspector.pk]
    patrols.set_position(inspector, lon=WENLAN[0], lat=WENLAN[1], at=timezone.now() - timedelta(hours=2))
    assert [s.worker.id for s in dispatch.suggest_for(case)] == [inspector.pk]  # an older fix never overwrites
    from civicloop.patrols.models import WorkerPosition

    WorkerPosition.objects.filter(user=inspector).update(at=timezone.now() - timedelta(hours=2))
    assert dispatch.suggest_for(case) == []  # stale


def test_workload_counts_open_verifications(db, persona):
    first = services.report_case(actor=persona("operator"), channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                 description="垃圾")
    inspector = persona("inspector_001")
    on_duty_at(inspector, WENLAN[0], WENLAN[1])
    services.request_verification(first, persona("operator"), inspector=inspector.pk)
    assert first.state == State.VERIFYING
    suggestion = dispatch.suggest_for(first)[0]
    assert suggestion.worker.workload == 1 and suggestion.score > suggestion.metres


def test_the_panel_says_when_nobody_is_available(signed_in, persona):
    case = services.report_case(actor=persona("operator"), channel="citizen", lon=CAOBA[0], lat=CAOBA[1],
                                description="垃圾")
    html = signed_in("operator", language="en").get(f"/console/cases/{case.reference}/").content.decode()
    assert "No field worker on duty" in html


def test_the_admin_site_lists_and_adds_rules_and_patrol_requirements(signed_in):
    client = signed_in("admin")
    for path in ("/admin/routing/routingrule/", "/admin/routing/routingrule/add/", "/admin/patrols/patrol/",
                 "/admin/patrols/patrolrequirement/add/", "/admin/patrols/gridcoverage/", "/admin/patrols/missedpatrol/"):
        assert client.get(path).status_code == 200, path
    added = client.post("/admin/routing/routingrule/add/", {"category_group": "07", "area": "", "department": "cgj",
                                                            "active": "on", "note": "小广告"})
    assert added.status_code == 302
    assert RoutingRule.objects.get(note="小广告").category_group == "07"
