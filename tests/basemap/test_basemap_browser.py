"""With no tiles, the citizen's pin map is the city's own map: street outlines and names at first,
road names along the roads, water and buildings once zoomed in (a phone, a real browser)."""
from __future__ import annotations

import io

from django.conf import settings
from playwright.sync_api import expect

from civicloop.basemap import demo
from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from tests.conftest import WENLAN


def citizen_session(phone: str) -> str:
    from importlib import import_module

    citizen, _ = Citizen.objects.get_or_create(phone=phone)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = citizen.pk
    session.create()
    return session.session_key


def test_the_report_map_without_tiles_shows_the_citys_streets_and_road_names(site, browser, shots):
    demo.seed(io.StringIO())  # the demo city's reference layers (once; kept for the session)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": citizen_session("13900005555"), "url": site}])
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{site}/m/report/")
        pin_map = page.locator("#pin-map")
        # Opened on the whole city: the division outlines and the streets' names.
        expect(pin_map.locator(".leaflet-basemap-pane path").first).to_be_attached()
        expect(pin_map.locator(".basemap-label.area", has_text="文澜街道")).to_be_attached()
        shots(page, "city")
        page.evaluate("([lon, lat]) => document.getElementById('pin-map').civicMap.setView([lat, lon], 16)", list(WENLAN))
        expect(pin_map.locator(".basemap-label.road", has_text="银河路").first).to_be_visible()
        expect(pin_map.locator("path.basemap-road").first).to_be_attached()
        shots(page, "street-zoom")
    finally:
        context.close()
    assert not errors, errors
