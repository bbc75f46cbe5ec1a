"""The wall screen in Chromium at 1920×1080: it draws with data, shows no script error, and a new
report reaches it by itself within seconds."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.evaluation import rollup
from tests.conftest import WENLAN


def test_the_big_screen_draws_every_panel_and_updates_itself(staff, site, shots):
    leader = services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                  description="垃圾桶满溢", category="06010")
    now = timezone.now()
    Case.objects.filter(pk=leader.pk).update(stage_warn_at=now - timedelta(hours=2), stage_deadline=now - timedelta(hours=1))
    for n in range(3):
        services.report_case(actor=None, channel="hotline", lon=WENLAN[0] + 0.001 * n, lat=WENLAN[1] + 0.0005,
                             description="道路积水", category="06010")
    rollup.refresh()
    page = staff("leader")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{site}/screen/")

    reported = page.get_by_test_id("kpi-reported")
    expect(reported).not_to_have_text("–")
    before = int(reported.inner_text().replace(",", ""))
    assert before >= 4
    assert int(page.get_by_test_id("kpi-overdue").inner_text().replace(",", "")) >= 1
    expect(page.get_by_test_id("hotspots").locator("li").first).to_be_visible()
    # Every chart drew onto its canvas, the map included (its outline comes from the city's streets).
    for chart in ("trend", "categories", "map", "ranking", "channels"):
        expect(page.locator(f"#{chart} canvas").first).to_be_attached()
    assert page.evaluate("() => echarts.getInstanceByDom(document.getElementById('map')).getOption().series.length") == 4
    assert page.evaluate("() => document.documentElement.scrollHeight") <= 1080  # one screen, no scrolling
    page.wait_for_timeout(1500)  # let the charts' entry animation finish before the picture
    shots(page, "wall-1920x1080")

    services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1] - 0.001,
                         description="井盖缺失", category="01002")
    rollup.refresh()  # what the worker does every second
    expect(reported).to_have_text(f"{before + 1:,}", timeout=6_000)
    shots(page, "after-a-new-report")
