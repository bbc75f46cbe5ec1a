"""12345 orders with an address and no coordinates: placed by the geocoder when it is sure, otherwise
waiting in 待定位 (to be located) until an operator places them (docs/hotline.md)."""
from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook

from civicloop.cases.models import Case
from civicloop.gazetteer.models import DoorPlate
from civicloop.geo.index import locate
from civicloop.hotline import services
from civicloop.hotline.models import HotlineOrder

GOOD = "红竹园路154号"  # labelled set: the geocoder's top answer, confidence 1.0
AMBIGUOUS = "文兰路65号"  # labelled set: 文萃路65号 and another road's 65号, equally sure
UNKNOWN = "火星基地九百九十九号楼"


@pytest.fixture
def gazetteer(db):
    from civicloop.gazetteer import demo

    demo.seed(io.StringIO())


@pytest.fixture
def system(db):
    system, key = services.create_system(name="12345 测试")
    system.raw_key = key
    return system


def push(system, **fields):
    body = {"order_id": "MZ1", "content": "路灯不亮，晚上很黑", "caller_phone": "13988730001", **fields}
    return Client().post("/hotline/api/v1/orders", body, content_type="application/json", HTTP_X_API_KEY=system.raw_key)


def test_a_good_address_alone_becomes_a_case_in_the_right_grid(gazetteer, system):
    answer = push(system, address=GOOD)
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "placed" and body["case"]
    case = Case.objects.get(reference=body["case"])
    plate = DoorPlate.objects.get(road__name="红竹园路", number_main=154, number_sub=0)
    assert case.grid_id == locate(plate.lon, plate.lat).code
    assert case.address == GOOD and case.channel == "hotline"
    refs = case.events.get(action="report").data["refs"]
    assert refs["placed_by"] == "geocoder" and refs["geocode_label"] == "红竹园路154号"
    assert float(refs["geocode_confidence"]) >= 0.75


@pytest.mark.parametrize("address", [AMBIGUOUS, UNKNOWN])
def test_an_ambiguous_or_unknown_address_waits_to_be_located_and_makes_no_case(gazetteer, system, address):
    answer = push(system, address=address)
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "to_locate" and body["case"] is None and body["created"] is True
    order = HotlineOrder.objects.get(order_id="MZ1")
    assert order.status == "to_locate" and order.case is None and order.address == address
    assert not Case.objects.filter(channel="hotline").exists()
    # Pushed again: the same waiting order, still no case.
    again = push(system, address=address)
    assert again.status_code == 200 and again.json()["status"] == "to_locate"
    assert HotlineOrder.objects.get().pushes == 2 and not Case.objects.filter(channel="hotline").exists()


def test_an_ambiguous_address_keeps_both_readings_as_candidates(gazetteer, system):
    push(system, address=AMBIGUOUS)
    labels = [c["label"] for c in HotlineOrder.objects.get().candidates]
    assert len(labels) >= 2 and all(label.endswith("65号") for label in labels[:2])


def test_an_order_with_neither_coordinates_nor_address_is_refused(system):
    answer = push(system)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid" and body["errors"][0]["field"] == "address"
    assert "address" in body["errors"][0]["message"] or "地址" in body["errors"][0]["message"]
    assert not HotlineOrder.objects.exists()


def test_a_waiting_order_with_too_long_a_caller_name_is_refused_now_not_when_placed(gazetteer, system):
    answer = push(system, address=UNKNOWN, caller_name="张" * 41)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "caller_name"
    assert not HotlineOrder.objects.exists()


def test_the_hotline_can_ask_how_a_waiting_order_is_going(gazetteer, system):
    push(system, address=UNKNOWN)
    answer = Client().get("/hotline/api/v1/orders/MZ1", HTTP_X_API_KEY=system.raw_key)
    assert answer.status_code == 200 and answer.json()["status"] == "to_locate" and answer.json()["case"] is None


def test_an_excel_sheet_with_addresses_and_no_coordinate_columns_is_imported(gazetteer, system):
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "诉求内容", "地址"])
    sheet.append(["E1", "井盖破损", GOOD])
    sheet.append(["E2", "垃圾满溢", UNKNOWN])
    sheet.append(["E3", "噪音扰民", ""])
    source = io.BytesIO()
    book.save(source)
    source.seek(0)
    report = services.import_workbook(system, source)
    assert [r.outcome for r in report.rows] == ["created", "waiting", "error"]
    assert report.rows[0].reference and not report.rows[1].reference
    assert HotlineOrder.objects.get(order_id="E2").status == "to_locate"
