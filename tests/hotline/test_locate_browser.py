"""待定位 in a real browser: the operator opens the queue, clicks the place on the map, and the case appears."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from civicloop.geo.index import locate
from civicloop.hotline import services
from civicloop.hotline.models import HotlineOrder
from tests.conftest import WENLAN


def test_an_operator_places_a_waiting_order_by_clicking_the_map(site, staff, shots):
    tag = uuid.uuid4().hex[:8]
    system, _key = services.create_system(name=f"12345 浏览器 {tag}")
    order = services.receive_order(system, order_id=f"B{tag}", content="路面塌陷，车辆难行",
                                   address=f"无此地址{tag}号").order
    assert order.status == "to_locate"

    operator = staff("operator")
    operator.get_by_role("link", name="待定位").first.click()
    expect(operator.locator(f'.locate-orders li[data-order="{order.order_id}"]')).to_be_visible()
    operator.locator(f'.locate-orders li[data-order="{order.order_id}"] a').first.click()
    expect(operator.locator("#locate-map")).to_have_attribute("data-ready", "1")
    # The operator pans to the place (the street they recognise), then clicks it.
    operator.evaluate("([lon, lat]) => document.getElementById('locate-map').civicMap.setView([lat, lon], 17, "
                      "{animate: false})", list(WENLAN))
    box = operator.locator("#locate-map").bounding_box()
    operator.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(operator.locator("#locate-submit")).to_be_enabled()
    shots(operator, "point-chosen")
    operator.locator("#locate-submit").click()

    notice = operator.get_by_test_id("placed")
    expect(notice).to_contain_text(order.order_id)
    order.refresh_from_db()
    assert order.status == "placed" and order.case is not None
    expect(notice.get_by_role("link", name=order.case.reference)).to_be_visible()
    expect(operator.locator(f'.locate-orders li[data-order="{order.order_id}"]')).to_have_count(0)
    assert order.case.grid_id == locate(*WENLAN).code  # the clicked point, within a grid's width
    notice.get_by_role("link", name=order.case.reference).click()
    expect(operator).to_have_url(re.compile(rf"/console/cases/{order.case.reference}/"))
    expect(operator.get_by_text("路面塌陷，车辆难行").first).to_be_visible()
    assert HotlineOrder.objects.filter(pk=order.pk, status="placed").exists()
