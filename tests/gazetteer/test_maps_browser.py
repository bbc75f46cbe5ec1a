"""Addresses on the maps, in a real browser on a 390×844 phone with location granted, against the demo
city's gazetteer: the address under the citizen's pin follows the pin, fills the report's address
field unless the citizen typed their own, and the search box on the pin map finds a road and moves the pin."""
from __future__ import annotations

import io
import math
import re

import pytest
import shapely
from playwright.sync_api import expect
from shapely.geometry import Point

from civicloop.gazetteer.models import DoorPlate, Poi, Road
from tests.citizens.test_citizen_browser import phone  # noqa: F401  (the fixture)
from tests.conftest import WENLAN

M_PER_DEG = 111_320.0


@pytest.fixture
def demo_gazetteer(site):
    """The demo gazetteer, committed (browser tests never flush; the seed skips when it is there)."""
    from civicloop.gazetteer import demo

    demo.seed(io.StringIO())


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * M_PER_DEG * math.cos(math.radians(lat1))
    return math.hypot(dx, (lat2 - lat1) * M_PER_DEG)


def near(model, lon: float, lat: float, radius_deg: float = 0.003):
    return list(model.objects.filter(lon__range=(lon - radius_deg, lon + radius_deg),
                                     lat__range=(lat - radius_deg, lat + radius_deg)))


def nearest_plate(lon: float, lat: float) -> DoorPlate:
    return min(near(DoorPlate, lon, lat), key=lambda p: metres(lon, lat, p.lon, p.lat))


def a_plate_away_from_pois(lon: float, lat: float) -> DoorPlate:
    """A door plate in the core with no POI within 80 m, so it is what the line names when tapped."""
    plates = sorted(near(DoorPlate, lon, lat, 0.01), key=lambda p: metres(lon, lat, p.lon, p.lat))
    for plate in plates:
        if all(metres(plate.lon, plate.lat, poi.lon, poi.lat) > 80 for poi in near(Poi, plate.lon, plate.lat)):
            return plate
    raise AssertionError("no door plate away from the POIs in the demo core")


def open_report(page):
    page.get_by_role("link", name=re.compile("上报问题")).click()
    expect(page.locator("#pin-map")).to_be_visible()


def tap_map_at(page, lon: float, lat: float) -> None:
    """Centre the pin map on a point at zoom 18 and tap there, as a finger would."""
    point = page.evaluate("""([lat, lon]) => {
        const map = document.getElementById("pin-map").civicMap;
        map.setView([lat, lon], 18, { animate: false });
        const p = map.latLngToContainerPoint([lat, lon]);
        return { x: p.x, y: p.y };
    }""", [lat, lon])
    page.locator("#pin-map").tap(position=point)


def plate_text(plate: DoorPlate) -> str:
    return f"{plate.road.name}{plate.number}"


def test_the_address_under_the_pin_follows_the_pin(site, demo_gazetteer, phone, shots):  # noqa: F811
    page = phone("13900005151")
    open_report(page)
    page.get_by_role("button", name="使用当前位置").click()
    expect(page.locator("#lon")).not_to_have_value("")
    # The phone's location: the line names the nearest place there, and the address field takes it.
    expect(page.get_by_test_id("pin-address")).to_contain_text("蒙自市")
    expect(page.locator("#address")).to_have_value(page.get_by_test_id("pin-address").inner_text())

    plate = a_plate_away_from_pois(*WENLAN)
    tap_map_at(page, plate.lon, plate.lat)
    lon, lat = float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value())
    assert metres(lon, lat, plate.lon, plate.lat) < 3
    expect(page.get_by_test_id("pin-address")).to_contain_text(plate_text(nearest_plate(lon, lat)))
    expect(page.locator("#address")).to_have_value(re.compile(re.escape(plate_text(plate))))
    shots(page, "pin-on-a-door-plate")

    # What the citizen types is theirs: the line still follows the pin, the field keeps their words.
    page.locator("#address").fill("菜市场东门台阶旁")
    other = min((p for p in near(DoorPlate, plate.lon, plate.lat, 0.002) if p.road_id != plate.road_id
                 or abs(p.number_main - plate.number_main) > 6), key=lambda p: metres(plate.lon, plate.lat, p.lon, p.lat))
    tap_map_at(page, other.lon, other.lat)
    lon, lat = float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value())
    expect(page.get_by_test_id("pin-address")).to_contain_text(plate_text(nearest_plate(lon, lat)))
    expect(page.locator("#address")).to_have_value("菜市场东门台阶旁")


def test_the_search_box_on_the_pin_map_finds_a_road_and_moves_the_pin(site, demo_gazetteer, phone, shots):  # noqa: F811
    page = phone("13900005252")
    open_report(page)
    search = page.get_by_role("searchbox", name="搜索地址")
    search.fill("学府路")
    choice = page.get_by_role("option").filter(has_text="学府路").first
    expect(choice).to_be_visible()
    shots(page, "candidates")
    choice.get_by_role("button").click()
    expect(page.locator("#lon")).not_to_have_value("")
    expect(page.get_by_test_id("pin-address")).to_contain_text("蒙自市")
    lon, lat = float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value())
    # The pin stands on the road (its middle may be a crossing, where the nearest plate is the other road's).
    line = shapely.from_geojson(Road.objects.get(name="学府路").geometry)
    assert line.distance(Point(lon, lat)) * M_PER_DEG < 15
    expect(page.locator("#address")).to_have_value(page.get_by_test_id("pin-address").inner_text())
    shots(page, "pin-moved-to-the-road")


def search_and_pick(page, text: str, expected: str) -> None:
    page.get_by_role("searchbox", name="搜索地址").fill(text)
    choice = page.get_by_role("option").filter(has_text=expected).first
    expect(choice).to_be_visible()
    choice.get_by_role("button").click()


def leaflet_centre_metres_from(page, selector: str, lon: float, lat: float) -> float:
    centre = page.evaluate(f"""() => {{ const c = document.querySelector("{selector}").civicMap.getCenter();
                                        return [c.lng, c.lat]; }}""")
    return metres(centre[0], centre[1], lon, lat)


@pytest.mark.parametrize("path, selector", [("/console/map/", "#map"), ("/console/facilities/map/", "#facility-map")])
def test_the_staff_maps_fly_to_an_address_picked_in_their_search_box(site, demo_gazetteer, staff, shots, path, selector):
    plate = a_plate_away_from_pois(*WENLAN)
    page = staff("leader")
    page.goto(f"{site}{path}")
    search_and_pick(page, plate_text(plate), plate_text(plate))
    # The map flies there: wait for the flight to end (the zoom reached), then measure where it is.
    page.wait_for_function(f"""() => document.querySelector("{selector}").civicMap.getZoom() === 18""")
    assert leaflet_centre_metres_from(page, selector, plate.lon, plate.lat) < 10
    shots(page, "flown-to-the-plate")


def test_the_wall_screen_centres_on_an_address_picked_in_its_search_box(site, demo_gazetteer, staff, shots):
    plate = a_plate_away_from_pois(*WENLAN)
    page = staff("leader")
    page.goto(f"{site}/screen/")
    search_and_pick(page, plate_text(plate), plate_text(plate))
    page.wait_for_function("""() => { const chart = echarts.getInstanceByDom(document.getElementById("map"));
                                      return (chart.getOption().series || []).some((s) => s.id === "picked"); }""")
    centre = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById("map")).getOption().geo[0].center""")
    assert metres(centre[0], centre[1], plate.lon, plate.lat) < 10
    shots(page, "centred-on-the-plate")


def test_the_staff_report_form_fills_the_address_from_the_point(site, demo_gazetteer, staff, shots):
    plate = a_plate_away_from_pois(*WENLAN)
    page = staff("operator")
    page.goto(f"{site}/console/report/")
    page.get_by_label("经度").fill(f"{plate.lon:.7f}")
    page.get_by_label("纬度").fill(f"{plate.lat:.7f}")
    expect(page.get_by_label("地址")).to_have_value(re.compile(re.escape(plate_text(plate))))
    shots(page, "address-filled")
    page.get_by_label("地址").fill("花坛东侧")
    page.get_by_label("纬度").fill(f"{plate.lat + 0.001:.7f}")
    page.get_by_label("问题描述").click()  # out of the field: the point has changed
    expect(page.get_by_label("地址")).to_have_value("花坛东侧")
