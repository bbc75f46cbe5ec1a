"""The map layer for a viewport and the printable QR label sheets."""
from __future__ import annotations

import io

import segno
from pypdf import PdfReader

from civicloop.core import revisions
from civicloop.facilities import index, queries
from civicloop.facilities.labels import Label, Sheet, qr_runs, write_sheet
from civicloop.facilities.models import Facility
from civicloop.geo.index import locate
from tests.conftest import CAOBA, WENLAN


def make(n: int, *, near=WENLAN, component="03005", start=1):
    street = locate(*near).street_code
    revisions.bump(index.REVISION)  # bulk_create sends no signals
    Facility.objects.bulk_create([
        Facility(id=f"532503{component}{start + i:06d}", component_id=component, name=f"垃圾箱{i}",
                 lon=near[0] + (i % 50) * 0.0001, lat=near[1] + (i // 50) * 0.0001,
                 street_id=street) for i in range(n)])


def test_a_viewport_with_few_facilities_gets_points_and_none_outside(db):
    make(30)
    make(5, near=CAOBA, start=500)
    bbox = (WENLAN[0] - 0.01, WENLAN[1] - 0.01, WENLAN[0] + 0.01, WENLAN[1] + 0.01)
    layer = queries.layer(bbox)
    assert layer["clustered"] is False and len(layer["features"]) == 30
    assert all(f["properties"]["state"] == "intact" for f in layer["features"])
    Facility.objects.filter(pk="53250303005000001").update(state="damaged")  # states are read fresh
    assert "damaged" in {f["properties"]["state"] for f in queries.layer(bbox)["features"]}


def test_a_new_facility_shows_on_the_map_at_once(db):
    from civicloop.facilities import services

    bbox = (WENLAN[0] - 0.01, WENLAN[1] - 0.01, WENLAN[0] + 0.01, WENLAN[1] + 0.01)
    assert queries.layer(bbox)["features"] == []
    made = services.register_facility(component="03005", name="新垃圾箱", lon=WENLAN[0], lat=WENLAN[1])
    assert [f["id"] for f in queries.layer(bbox)["features"]] == [made.id]
    made.delete()
    assert queries.layer(bbox)["features"] == []


def test_a_crowded_viewport_gets_counted_cells_that_add_up(db):
    make(300)
    bbox = (WENLAN[0] - 0.01, WENLAN[1] - 0.01, WENLAN[0] + 0.01, WENLAN[1] + 0.01)
    layer = queries.layer(bbox, limit=100)
    assert layer["clustered"] is True
    assert sum(f["properties"]["count"] for f in layer["features"]) == 300
    assert 1 < len(layer["features"]) < 300


def test_the_layer_endpoint_follows_the_staff_members_area(db, signed_in):
    make(10)
    make(4, near=CAOBA, start=500)
    bbox = "103.0,23.0,103.8,23.6"
    assert len(signed_in("operator").get(f"/console/facilities/map.json?bbox={bbox}").json()["features"]) == 14
    assert len(signed_in("operator_caoba").get(f"/console/facilities/map.json?bbox={bbox}").json()["features"]) == 4
    bad = signed_in("operator").get("/console/facilities/map.json?bbox=1,2,x")
    assert bad.status_code == 422 and "bbox" in bad.content.decode()


def test_qr_runs_redraw_exactly_the_symbol_segno_makes():
    data = "http://127.0.0.1:8000/f/AbCdEfGhIjKl"
    for fast in (False, True):
        size, runs = qr_runs(data, fast=fast)
        drawn = [[0] * size for _ in range(size)]
        for row, col, length in runs:
            for x in range(col, col + length):
                drawn[row][x] = 1
        qr = segno.make(data, error="m", micro=False, mask=2 if fast else None)
        assert drawn == [[int(bool(v)) for v in row] for row in qr.matrix_iter(scale=1, border=2)]


def test_a_sheet_holds_columns_times_rows_labels_a_page():
    out = io.BytesIO()
    labels = [Label(f"http://x/f/t{i}", f"53250303005{i:06d}", f"天马路垃圾箱{i}号", "垃圾箱 桶长 张三") for i in range(25)]
    assert write_sheet(labels, out, sheet=Sheet(columns=4, rows=6)) == 25
    pdf = PdfReader(io.BytesIO(out.getvalue()))
    assert len(pdf.pages) == 2  # 24 on the first page, 1 on the second
    text = pdf.pages[0].extract_text()
    assert "53250303005000000" in text and "扫码反映问题" in text


def test_the_labels_page_prints_the_filtered_facilities(db, signed_in):
    make(30)
    response = signed_in("operator").get("/console/facilities/labels.pdf?columns=3&rows=8&street=532503001")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2
    assert signed_in("operator").get("/console/facilities/labels.pdf?columns=30").status_code == 400
    assert signed_in("inspector_001").get("/console/facilities/labels.pdf").status_code == 403


def test_the_list_and_map_pages_render(db, signed_in):
    make(3)
    client = signed_in("operator")
    page = client.get("/console/facilities/?street=532503001").content.decode()
    assert "53250303005000001" in page and "垃圾箱0" in page
    assert 'id="facility-map"' in client.get("/console/facilities/map/").content.decode()
