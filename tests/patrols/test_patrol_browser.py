"""The patrol page on a phone with GPS, in a real browser: start, walk (fixes queue up and go in
batches), lose the network (nothing is lost), end; the coverage page then shows the grid. Also the
routing page: a leader tests a sample case and sees which rule matched."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from civicloop.org.models import User
from civicloop.patrols.models import GridCoverage, Patrol, PatrolBatch, PatrolPoint
from tests.browser import PASSWORD, PHONE
from tests.conftest import WENLAN


@pytest.fixture
def field_phone(site, browser):
    contexts = []

    def open_page(username: str, lon: float, lat: float):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
                                      geolocation={"longitude": lon, "latitude": lat, "accuracy": 5},
                                      permissions=["geolocation"])
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{site}/console/login/")
        page.get_by_label(re.compile("用户名|Username")).fill(username)
        page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
        page.wait_for_url(re.compile(r"/console/"))
        page.goto(f"{site}/console/patrols/")
        return context, page, errors

    yield open_page
    for context in contexts:
        context.close()


def walk_to(context, lon: float, lat: float) -> None:
    context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 5})
    time.sleep(3.2)  # the page keeps at most one fix every 3 seconds


def start_patrol(field_phone):
    """The grid worker opens the patrol page at the west edge of their grid and starts a patrol."""
    worker = User.objects.get(username="gridworker")
    Patrol.objects.filter(worker=worker, state="active").update(state="ended")
    grid = worker.scope_grid
    west, east, lat = grid.min_lon + 0.0001, grid.max_lon - 0.0001, (grid.min_lat + grid.max_lat) / 2
    context, page, errors = field_phone("gridworker", west, lat)
    page.get_by_role("button", name=re.compile("开始巡查|Start patrol")).click()
    expect(page.get_by_test_id("patrol-state")).to_have_text(re.compile("巡查中|On patrol"))
    return Patrol.objects.get(worker=worker, state="active"), grid, (west, east, lat), (context, page, errors)


def test_a_patrol_is_recorded_sent_in_batches_and_survives_a_lost_network(site, field_phone, shots):
    patrol, grid, (west, east, lat), (context, page, errors) = start_patrol(field_phone)
    for k in range(1, 3):
        walk_to(context, west + (east - west) * k / 4, lat)
    expect(page.get_by_test_id("recorded")).not_to_have_text("0")
    shots(page, "walking")
    context.set_offline(True)
    for k in range(3, 5):
        walk_to(context, west + (east - west) * k / 4, lat)
    page.get_by_role("button", name=re.compile("结束巡查|End patrol")).click()
    expect(page.get_by_text(re.compile("无网络|No network"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("开始巡查|Start patrol"))).to_be_hidden()
    expect(page.get_by_test_id("queued")).not_to_have_text("0")  # kept on the phone until the network is back
    recorded = int(page.get_by_test_id("recorded").inner_text())
    assert recorded >= 3
    shots(page, "offline")
    context.set_offline(False)
    expect(page.get_by_test_id("patrol-state")).to_have_text(re.compile("未在巡查|Not on patrol"), timeout=30_000)
    patrol.refresh_from_db()
    assert patrol.state == "ended"
    assert PatrolPoint.objects.filter(patrol=patrol).count() == recorded  # every fix arrived, once
    coverage = GridCoverage.objects.get(grid=grid, day=patrol.started_at.astimezone().date())
    assert coverage.fraction > 0
    shots(page, "ended")
    assert not errors


def test_points_kept_offline_survive_a_reload_and_arrive_once(site, field_phone, shots):
    patrol, grid, (west, east, lat), (context, page, errors) = start_patrol(field_phone)
    context.set_offline(True)
    for k in range(1, 3):
        walk_to(context, west + (east - west) * k / 3, lat)
    page.get_by_role("button", name=re.compile("结束巡查|End patrol")).click()  # seals the one batch
    expect(page.get_by_text(re.compile("无网络|No network"))).to_be_visible()
    expect(page.get_by_test_id("queued")).not_to_have_text("0")
    recorded = int(page.get_by_test_id("recorded").inner_text())
    assert recorded >= 2
    with pytest.raises(PlaywrightError):
        page.reload()  # no network, no page: only what the browser kept survives
    context.set_offline(False)
    page.goto(f"{site}/console/patrols/")
    expect(page.get_by_test_id("patrol-state")).to_have_text(re.compile("未在巡查|Not on patrol"), timeout=30_000)
    page.wait_for_timeout(1500)  # a second send would land by now
    patrol.refresh_from_db()
    assert patrol.state == "ended"
    assert PatrolBatch.objects.filter(patrol=patrol).count() == 1
    assert PatrolPoint.objects.filter(patrol=patrol).count() == recorded
    shots(page, "ended-after-reload")
    assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]


def test_a_leader_tests_a_sample_case_on_the_routing_page(site, staff, shots):
    leader = staff("leader")
    leader.goto(f"{site}/console/routing/")
    form = leader.get_by_test_id("sample-form")
    form.get_by_label(re.compile("事项分类|Category")).select_option("06010")
    form.get_by_label(re.compile("经度|Longitude")).fill(str(WENLAN[0]))
    form.get_by_label(re.compile("纬度|Latitude")).fill(str(WENLAN[1]))
    form.get_by_role("button", name=re.compile("^(Test|测试)$")).click()
    expect(leader.get_by_test_id("routed-department")).to_be_visible()
    expect(leader.get_by_test_id("trace-chosen")).to_have_count(1)
    shots(leader, "routing-test")
