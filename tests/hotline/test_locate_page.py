"""The 待定位 (to be located) page: operators see waiting hotline orders and place them through a
candidate or a point clicked on the map; the case appears, once."""
from __future__ import annotations

import pytest

from civicloop.cases.models import Case
from civicloop.geo.index import locate
from civicloop.hotline import services
from civicloop.hotline.models import HotlineOrder
from tests.conftest import WENLAN
from tests.hotline.test_locate import AMBIGUOUS, UNKNOWN, gazetteer  # noqa: F401 (fixture)

PAGE = "/console/hotline/locate/"


@pytest.fixture
def waiting(gazetteer):  # noqa: F811
    system, _key = services.create_system(name="12345 测试")
    ambiguous = services.receive_order(system, order_id="A1", content="路灯不亮", address=AMBIGUOUS).order
    unknown = services.receive_order(system, order_id="U1", content="井盖缺失", address=UNKNOWN).order
    assert ambiguous.status == unknown.status == "to_locate"
    return ambiguous, unknown


def place_url(order) -> str:
    return f"/console/hotline/locate/{order.pk}/place"


def test_the_page_lists_each_waiting_order_with_its_address_and_candidates(waiting, signed_in):
    ambiguous, unknown = waiting
    page = signed_in("operator").get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    for order in (ambiguous, unknown):
        assert order.order_id in text and order.address in text and order.content in text
    assert all(c["label"] in text for c in ambiguous.candidates)
    assert 'id="locate-map"' in text and "hotline/locate.js" in text


def test_the_operator_places_an_order_at_a_candidate(waiting, signed_in):
    ambiguous, _unknown = waiting
    client = signed_in("operator")
    answer = client.post(place_url(ambiguous), {"candidate": 1})
    assert answer.status_code == 302
    ambiguous.refresh_from_db()
    chosen = ambiguous.candidates[1]
    assert ambiguous.status == "placed" and ambiguous.placement == "candidate"
    case = ambiguous.case
    assert case.grid_id == chosen["grid"] and case.channel == "hotline" and case.address == AMBIGUOUS
    refs = case.events.get(action="report").data["refs"]
    assert refs["placed_by"] == "candidate" and refs["geocode_label"] == chosen["label"]
    after = client.get(answer["Location"]).content.decode()
    assert case.reference in after and 'data-order="A1"' not in after


def test_the_operator_places_an_order_at_a_clicked_point(waiting, signed_in):
    _ambiguous, unknown = waiting
    answer = signed_in("leader").post(place_url(unknown), {"lon": WENLAN[0], "lat": WENLAN[1], "crs": "wgs84"})
    assert answer.status_code == 302
    unknown.refresh_from_db()
    assert unknown.case.grid_id == locate(*WENLAN).code and unknown.placement == "point"
    assert unknown.placed_by.username == "leader"


def test_the_second_operator_is_told_the_order_is_already_placed(waiting, signed_in):
    ambiguous, _unknown = waiting
    first = signed_in("operator").post(place_url(ambiguous), {"candidate": 0})
    second = signed_in("leader").post(place_url(ambiguous), {"lon": WENLAN[0], "lat": WENLAN[1], "crs": "wgs84"})
    assert first.status_code == 302 and second.status_code == 409
    ambiguous.refresh_from_db()
    assert ambiguous.case.reference in second.content.decode()
    assert Case.objects.filter(channel="hotline").count() == 1


@pytest.mark.parametrize("data", [{}, {"candidate": 9}, {"candidate": "x"}, {"lon": "east", "lat": 23.3},
                                  {"lon": 116.4, "lat": 39.9, "crs": "wgs84"}, {"lon": 103.3, "lat": 23.3, "crs": "mars"}])
def test_bad_placements_are_refused_and_nothing_is_made(waiting, signed_in, data):
    _ambiguous, unknown = waiting
    answer = signed_in("operator").post(place_url(unknown), data)
    assert answer.status_code == 422
    unknown.refresh_from_db()
    assert unknown.status == "to_locate" and not Case.objects.filter(channel="hotline").exists()


@pytest.mark.parametrize("username", ["operator_caoba", "dispatcher", "inspector_001"])
def test_out_of_scope_staff_cannot_see_or_place_waiting_orders(waiting, signed_in, username):
    _ambiguous, unknown = waiting
    client = signed_in(username)
    assert client.get(PAGE).status_code == 403
    assert client.post(place_url(unknown), {"lon": WENLAN[0], "lat": WENLAN[1], "crs": "wgs84"}).status_code == 403
    assert not Case.objects.filter(channel="hotline").exists()


def test_the_console_links_to_the_page_for_city_operators_only(waiting, signed_in):
    assert PAGE in signed_in("operator").get("/console/hotline/").content.decode()
    assert PAGE not in signed_in("operator_caoba").get("/console/").content.decode()


def test_a_return_visit_on_a_waiting_order_is_refused_clearly(waiting, signed_in):
    _ambiguous, unknown = waiting
    answer = signed_in("operator").post(f"/console/hotline/orders/{unknown.pk}/visit", {"satisfied": "yes"})
    assert answer.status_code == 422
    assert not unknown.visits.exists()


def test_the_orders_page_shows_a_waiting_order_as_to_be_located(waiting, signed_in):
    page = signed_in("operator").get("/console/hotline/").content.decode()
    assert 'data-order="U1"' in page and "待定位" in page
