"""The console map in Chromium: no tiles, cases by light, a new case appearing without a reload."""
from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from civicloop.cases import services
from civicloop.cases.models import Case

RED = "#b42318"
GREEN = "#1a7f37"


def report(lon: float, lat: float, *, overdue: bool, description: str) -> Case:
    case = services.report_case(actor=None, channel="citizen", lon=lon, lat=lat, description=description)
    if overdue:
        now = timezone.now()
        Case.objects.filter(pk=case.pk).update(stage_warn_at=now - timedelta(hours=3),
                                               stage_deadline=now - timedelta(hours=1))
    return case


def test_the_map_shows_cases_by_light_on_a_plain_background_and_new_ones_without_reload(staff, site, shots):
    # Points a little apart inside 文澜街道, so the markers do not sit on one another.
    late = report(103.3861, 23.3668, overdue=True, description="人行道井盖缺失，已超时")
    page = staff("operator")
    page.goto(f"{site}/console/map/#17/23.36700/103.38640")

    # No tiles configured: a plain background, no tile images, and the street boundaries drawn on it.
    expect(page.locator("#map.no-tiles")).to_be_visible()
    expect(page.locator("#map .leaflet-overlay-pane path, #map .leaflet-areas-pane path").first).to_be_attached()
    assert page.locator("img.leaflet-tile").count() == 0

    marker = page.locator(f'path.case-point[data-ref="{late.reference}"]')
    expect(marker).to_be_visible()
    expect(marker).to_have_attribute("data-light", "red")
    expect(marker).to_have_attribute("fill", RED)
    expect(page.get_by_test_id("map-status")).to_have_text(re.compile(r"\d{1,2}:\d{2}:\d{2}"))
    shots(page, "street-zoom-red-case")

    marker.click(force=True)
    popup = page.locator(".leaflet-popup .case-popup")
    expect(popup).to_contain_text(late.reference)
    expect(popup).to_contain_text("人行道井盖缺失")
    expect(popup.locator("a")).to_have_attribute("href", f"/console/cases/{late.reference}/")
    shots(page, "popup")

    # A report made after the page loaded shows up by itself (the page re-reads every few seconds).
    page.evaluate("window.__sameDocument = true")
    fresh = report(103.3868, 23.3671, overdue=False, description="路边垃圾桶满溢")
    fresh_marker = page.locator(f'path.case-point[data-ref="{fresh.reference}"]')
    expect(fresh_marker).to_be_visible(timeout=6_000)
    expect(fresh_marker).to_have_attribute("fill", GREEN)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    expect(popup).to_be_visible()  # the refresh left the open popup alone
    shots(page, "new-case-appeared")

    # The unit grids layer draws the grids in view at street zoom.
    page.locator(".leaflet-popup-close-button").click()
    page.get_by_label(re.compile("单元网格|Unit grids")).check()
    expect(page.locator(".leaflet-areas-pane path.grid")).not_to_have_count(0)
    shots(page, "grids")

    # At city zoom the same cases come as clusters whose numbers add up to the legend's total.
    page.goto(f"{site}/console/map/#11/23.30000/103.50000")
    expect(page.locator(".case-cluster").first).to_be_visible()
    expect(page.locator(".leaflet-popup")).to_have_count(0)  # the point (and its popup) gave way to clusters
    total = int(page.get_by_test_id("map-total").inner_text())
    assert total >= 2
    counts = [int(n) for n in page.locator(".case-cluster").evaluate_all("els => els.map(e => e.dataset.total)")]
    assert sum(counts) == total
    shots(page, "city-zoom-clusters")
