"""The console's case list filtered by road in Chromium: the operator types a road's name, picks the road the
gazetteer suggests, and the list shows that road's cases with the road named, not coded."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from civicloop.cases import services
from civicloop.gazetteer.models import Road
from tests.gazetteer.test_case_roads import beside
from tests.gazetteer.test_maps_browser import demo_gazetteer  # noqa: F401  (the fixture)


def test_the_operator_filters_the_case_list_by_a_road_named_not_coded(site, demo_gazetteer, staff, shots):  # noqa: F811
    tianma, other = Road.objects.get(name="天马路"), Road.objects.get(name="文萃路")
    mark = uuid.uuid4().hex[:6]
    on_tianma = services.report_case(actor=None, channel="citizen", lon=beside(tianma)[0], lat=beside(tianma)[1],
                                     description=f"天马路边垃圾堆积 {mark}")
    elsewhere = services.report_case(actor=None, channel="citizen", lon=beside(other)[0], lat=beside(other)[1],
                                     description=f"文萃路边垃圾堆积 {mark}")
    assert on_tianma.road_code == tianma.code and elsewhere.road_code == other.code

    page = staff("leader")
    page.goto(f"{site}/console/cases/?q={mark}")
    expect(page.get_by_text(on_tianma.reference)).to_be_visible()
    expect(page.get_by_text(elsewhere.reference)).to_be_visible()
    page.get_by_text("更多筛选条件").click()
    box = page.get_by_role("searchbox", name="道路")
    box.fill("天马")
    choice = page.get_by_role("option").filter(has_text="天马路").first
    expect(choice).to_be_visible()
    choice.get_by_role("button").click()
    page.get_by_role("button", name="筛选", exact=True).click()

    page.wait_for_url(re.compile(rf"road={tianma.code}"))
    expect(page.get_by_text(on_tianma.reference)).to_be_visible()
    expect(page.get_by_text(elsewhere.reference)).to_have_count(0)
    expect(page.get_by_role("searchbox", name="道路")).to_have_value("天马路")  # named, not coded
    shots(page, "filtered-by-road")
