"""A new city stood up from its own files alone, as docs/setup-a-city.md tells its IT staff: 晋江市
(350582) — divisions from the national list, street boundaries and unit grids from a surveyor's
zipped Shapefile in CGCS2000 3-degree Gauss–Krüger metres, departments, staff and routing rules from
the Excel templates — then one case round the whole loop, and the citizens' map opens on 晋江."""
from __future__ import annotations

import html
import io
import json
import re

import pytest
import shapely
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook
from shapely.geometry import Point, box

from civicloop.cases.models import Case
from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from civicloop.geo.models import Division, Grid
from civicloop.org.models import User
from civicloop.setupdata import workbooks
from civicloop.setupdata.columns import KINDS
from tests.conftest import ApiClient
from tests.geo.geofiles import from_wgs84, to_wgs84, zipped_shapefile

JINJIANG = "350582"
GK = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E: the zone 晋江 (118.5–118.7°E) is surveyed in
QINGYANG, MEILING = "350582001", "350582002"  # 青阳街道, 梅岭街道
COMMUNITIES = {QINGYANG: "350582001004", MEILING: "350582002001"}
CENTRE = (118.575, 24.81)  # a made-up square town around here, not the real streets' shapes
KM = 1000.0


def _streets_in_gk():
    """Two 2 km squares side by side, west 青阳 and east 梅岭, in GK metres."""
    x, y = from_wgs84(Point(*CENTRE), GK).coords[0]
    west = box(x - 2 * KM, y - KM, x, y + KM)
    east = box(x, y - KM, x + 2 * KM, y + KM)
    return {QINGYANG: west, MEILING: east}


def boundaries_file(folder):
    streets = _streets_in_gk()
    rows = [(JINJIANG, "晋江市", shapely.union(*streets.values()))]
    rows += [(code, name, shape) for code, name, shape in ((QINGYANG, "青阳街道", streets[QINGYANG]),
                                                          (MEILING, "梅岭街道", streets[MEILING]))]
    rows += [(COMMUNITIES[code], f"社区{code[-3:]}", shape) for code, shape in streets.items()]
    return zipped_shapefile(folder / "boundaries", rows, crs=GK, names=("区划代码", "名称"), subfolder="边界")


def grids_file(folder):
    """Four 1 km grids per community, covering it without gaps or overlaps."""
    rows = []
    for street, shape in _streets_in_gk().items():
        x0, y0, _x1, _y1 = shape.bounds
        for n, (col, row) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)], start=1):
            square = box(x0 + col * KM, y0 + row * KM, x0 + (col + 1) * KM, y0 + (row + 1) * KM)
            rows.append((f"{COMMUNITIES[street]}{n:03d}", f"{street[-3:]}-{n}号网格", square))
    return zipped_shapefile(folder / "grids", rows, crs=GK)


def template_with(folder, kind: str, rows: list[dict]):
    """The downloaded template with the city's rows typed under the example row."""
    book = load_workbook(io.BytesIO(workbooks.template_bytes(kind, "zh-hans")))
    keys = [column.key for column in KINDS[kind].columns]
    for row in rows:
        book.worksheets[0].append([row.get(key) for key in keys])
    path = folder / f"{kind}.xlsx"
    book.save(path)
    return path


DEPARTMENTS = [
    {"code": "jj-hwc", "name": "晋江市环境卫生管理处", "kind": "专业部门", "active": "是"},
    {"code": "jj-qyjd", "name": "青阳街道办事处", "kind": "街道办", "division": QINGYANG},
]
STAFF = [
    {"username": "jj.operator", "name": "陈受理", "role": "受理员", "scope": "全市"},
    {"username": "jj.dispatcher", "name": "林派遣", "role": "派遣员", "scope": "全市"},
    {"username": "jj.leader", "name": "黄值班", "role": "值班长", "scope": "全市"},
    {"username": "jj.handler", "name": "吴环卫", "phone": "13905950001", "role": "处置人员", "scope": "部门",
     "department": "jj-hwc"},
    {"username": "jj.inspector", "name": "许监督", "role": "监督员", "scope": "街道", "area": QINGYANG},
]
ROUTES = [{"category": "06010", "area": QINGYANG, "department": "jj-hwc"}]


@pytest.fixture
def jinjiang(db, settings, tmp_path):
    settings.JURISDICTION, settings.CITY_NAME = JINJIANG, "晋江市"
    out = io.StringIO()
    call_command("city", "init", JINJIANG, stdout=out)
    call_command("geo_import", "boundaries", str(boundaries_file(tmp_path)), stdout=out)
    call_command("geo_import", "grids", str(grids_file(tmp_path)), stdout=out)
    for kind, rows in (("departments", DEPARTMENTS), ("staff", STAFF), ("routes", ROUTES)):
        call_command("setup_import", kind, str(template_with(tmp_path, kind, rows)), stdout=out)
    return out.getvalue()


def test_a_new_city_from_its_files_runs_a_case_round_the_loop(jinjiang):
    assert Division.objects.get(code=QINGYANG).name == "青阳街道"
    assert Division.objects.filter(code__startswith=JINJIANG, level=Division.Level.COMMUNITY).count() > 300
    assert Grid.objects.filter(code__startswith=JINJIANG).count() == 8
    # The surveyor's metres landed where 晋江 is, in WGS-84.
    grid = Grid.objects.get(code=f"{COMMUNITIES[QINGYANG]}001")
    x0, y0, x1, y1 = grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat
    assert 118.5 < x0 < x1 < 118.65 and 24.78 < y0 < y1 < 24.84
    assert abs((x1 - x0) - 0.00989) < 0.0005  # 1 km at 24.8°N

    team = {name: ApiClient(User.objects.get(username=f"jj.{name}"))
            for name in ("operator", "dispatcher", "leader", "handler", "inspector")}
    point = to_wgs84(shapely.centroid(_streets_in_gk()[QINGYANG]), GK).coords[0]
    made = team["operator"].post("/cases", {"lon": point[0], "lat": point[1], "category": "06010",
                                            "description": "青阳街道路边垃圾桶满溢"})
    assert made.status_code == 201, made.content
    ref = made.json()["reference"]
    assert re.fullmatch(rf"{JINJIANG}-\d{{8}}-\d{{6}}", ref)
    steps = [("operator", "file", {}), ("dispatcher", "dispatch", {}), ("handler", "sign", {}),
             ("handler", "handle", {"note": "已清运"}), ("inspector", "check", {"passed": True}), ("leader", "close", {})]
    for who, action, data in steps:
        answer = team[who].act(ref, action, **data)
        assert answer.status_code == 200, (who, action, answer.content)
    case = Case.objects.get(reference=ref)
    assert case.state == "closed" and case.department_id == "jj-hwc"  # the imported routing rule chose it
    assert case.street_id == QINGYANG and case.grid_id.startswith(COMMUNITIES[QINGYANG])


def test_the_citizens_report_map_opens_on_the_new_city_not_the_demo(jinjiang):
    client = Client()
    citizen = Citizen.objects.create(phone="13905950099")
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.save()
    page = client.get("/m/report/")
    assert page.status_code == 200
    config = json.loads(html.unescape(re.search(r'data-tiles="([^"]+)"', page.content.decode()).group(1)))
    lon, lat = config["center"]
    assert 118.5 < lon < 118.7 and 24.7 < lat < 24.9, config["center"]  # 晋江, not 蒙自 (103.4°E, 23.4°N)


def test_the_go_live_check_finds_nothing_blocking_once_the_files_are_in(jinjiang):
    out = io.StringIO()
    call_command("city", "check", stdout=out)  # exits 1 (CommandError/SystemExit) when something blocks
    text = out.getvalue()
    assert "晋江" in text or JINJIANG in text
