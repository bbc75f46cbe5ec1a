"""The admin site (Chinese) for configuration: grids from GeoJSON, validation beside the fields, the
calendar feeding the stage clocks, and cases that only the workflow may change."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civicloop.cases import services
from civicloop.cases.models import Case, CaseEvent
from civicloop.core import revisions
from civicloop.core.errors import InvalidInput
from civicloop.geo import index
from civicloop.geo.index import locate
from civicloop.geo.models import Division, Grid
from civicloop.lib import coords
from civicloop.org.models import User
from civicloop.taxonomy import queries as taxonomy
from civicloop.taxonomy.models import CalendarDay, TimeLimit
from tests.conftest import WENLAN

COMMUNITY = "532503001001"
OUTSIDE = (103.92, 23.62)  # beyond the demo city's grids (and its boundary)


@pytest.fixture(autouse=True)
def fresh_caches():
    """A rolled-back test leaves this process's caches built from rows that no longer exist."""
    yield
    index._cache.invalidate()
    taxonomy._cache.invalidate()


@pytest.fixture
def admin_client(db, persona) -> Client:
    client = Client()
    client.force_login(persona("admin"))
    return client


def square(lon, lat, size=0.002) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, name="测试网格", geometry=None, **props) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name, **props},
            "geometry": geometry if geometry is not None else square(*OUTSIDE)}


def upload(client, features, *, crs="wgs84", raw: bytes | None = None):
    body = raw if raw is not None else json.dumps({"type": "FeatureCollection", "features": features},
                                                  ensure_ascii=False).encode()
    return client.post("/admin/geo/grid/import/", {
        "file": SimpleUploadedFile("grids.geojson", body, content_type="application/geo+json"), "crs": crs})


def problems(response) -> dict[int, str]:
    html = response.content.decode()
    table = re.search(r'<table id="import-problems".*?</table>', html, re.S)
    if not table:
        return {}
    rows = re.findall(r"<tr><td>第 (\d+) 个</td><td>[^<]*</td><td>([^<]*)</td></tr>", table.group(0))
    return {int(i): reason for i, reason in rows}


# ---------------------------------------------------------------------------- the admin is Chinese and complete


def test_every_configuration_page_opens_in_chinese(admin_client):
    grid = Grid.objects.first()
    pages = ["/admin/", "/admin/geo/division/", "/admin/geo/division/532503001/change/", "/admin/geo/grid/",
             f"/admin/geo/grid/{grid.pk}/change/", "/admin/geo/grid/add/", "/admin/geo/grid/import/",
             "/admin/taxonomy/category/", "/admin/taxonomy/category/06010/change/", "/admin/taxonomy/category/add/",
             "/admin/taxonomy/timelimit/", "/admin/taxonomy/timelimit/add/", "/admin/taxonomy/departmentroute/",
             "/admin/taxonomy/calendarday/", "/admin/taxonomy/calendarday/add/", "/admin/org/department/",
             "/admin/org/department/hwz/change/", "/admin/org/user/", "/admin/org/user/add/",
             f"/admin/org/user/{User.objects.get(username='operator_caoba').pk}/change/",
             "/admin/core/throttle/", "/admin/org/hashedkey/", "/admin/cases/case/", "/admin/cases/caseevent/", "/admin/notify/delivery/"]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans"' in response.content.decode(), url
    html = admin_client.get("/admin/geo/grid/").content.decode()
    assert 'href="/admin/geo/grid/import/"' in html and "导入网格 GeoJSON" in html


def test_codes_cannot_be_edited_once_saved(admin_client):
    # A changed primary key would be saved by the admin as a second row.
    for url in ("/admin/geo/division/532503001/change/", f"/admin/geo/grid/{Grid.objects.first().pk}/change/",
                "/admin/org/department/hwz/change/", "/admin/taxonomy/category/06010/change/"):
        assert 'name="code"' not in admin_client.get(url).content.decode(), url
    assert 'name="code"' in admin_client.get("/admin/geo/grid/add/").content.decode()


# ---------------------------------------------------------------------------- grids from GeoJSON


def test_a_geojson_upload_saves_the_good_grids_and_lists_the_bad_with_reasons(admin_client):
    existing = Grid.objects.filter(community_id=COMMUNITY).order_by("code").first()
    new_code = f"{COMMUNITY}901"
    bowtie = {"type": "Polygon", "coordinates": [[[103.92, 23.62], [103.93, 23.63], [103.93, 23.62],
                                                  [103.92, 23.63], [103.92, 23.62]]]}
    features = [
        feature(new_code, "新建网格 901", community=COMMUNITY),                              # 1 new
        feature(existing.code, "改名的网格", geometry=json.loads(existing.geometry)),           # 2 renamed
        feature("53250300100190", geometry=square(103.95, 23.65)),                          # 3 14 digits
        feature("532503999999901", geometry=square(103.95, 23.65)),                         # 4 no such community
        feature(f"{COMMUNITY}902", geometry=bowtie),                                        # 5 self-intersecting
        feature(f"{COMMUNITY}903", geometry={"type": "Point", "coordinates": [103.9, 23.6]}),  # 6 a point
        feature(new_code, "重复", geometry=square(103.96, 23.66)),                             # 7 repeated code
        {"type": "Polygon", "coordinates": []},                                              # 8 not a feature
        feature(f"{COMMUNITY}904", name="", geometry=square(103.97, 23.67)),                 # 9 no name
        feature(f"{COMMUNITY}905", geometry=square(1000, 23.6)),                             # 10 not lon/lat
    ]
    before = revisions.current(index.REVISION)
    response = upload(admin_client, features)
    assert response.status_code == 200
    html = response.content.decode()
    assert "共 10 个要素：新增 1，更新 1，未变 0，有误 8" in html
    found = problems(response)
    assert set(found) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "网格编码应为15位数字" in found[3]
    assert "社区代码 532503999999 不存在" in found[4]
    assert "面不合法" in found[5] and "Self-intersection" in found[5]
    assert "Point" in found[6]
    assert "与第 1 个要素的编码重复" in found[7]
    assert "不是 GeoJSON Feature" in found[8]
    assert "缺少网格名称" in found[9]
    assert "坐标超出经纬度范围" in found[10]

    grid = Grid.objects.get(pk=new_code)
    assert grid.name == "新建网格 901" and grid.community_id == COMMUNITY and grid.active
    assert Grid.objects.get(pk=existing.pk).name == "改名的网格"
    assert revisions.current(index.REVISION) > before
    # The point → grid index follows at once: a case there now lands in the new grid.
    assert locate(OUTSIDE[0] + 0.001, OUTSIDE[1] + 0.001).code == new_code
    # This file's grid lies beyond the city's boundary (the demo city's grids cover all of it), so a
    # report there is still refused as outside the jurisdiction: the boundary, not a grid, decides.
    with pytest.raises(InvalidInput, match="location"):
        services.report_case(actor=None, channel="citizen", lon=OUTSIDE[0] + 0.001, lat=OUTSIDE[1] + 0.001,
                             description="新网格里的问题")

    # The same file again changes nothing and bumps nothing; the bad ones are listed again.
    revision = revisions.current(index.REVISION)
    again = upload(admin_client, features)
    assert "共 10 个要素：新增 0，更新 0，未变 2，有误 8" in again.content.decode()
    assert set(problems(again)) == set(found)
    assert revisions.current(index.REVISION) == revision
    assert Grid.objects.filter(pk=new_code).count() == 1

    # A corrected boundary updates the grid, and the index moves with it.
    moved = upload(admin_client, [feature(new_code, "新建网格 901", geometry=square(103.95, 23.65))])
    assert "新增 0，更新 1" in moved.content.decode()
    assert locate(OUTSIDE[0] + 0.001, OUTSIDE[1] + 0.001) is None
    assert locate(103.951, 23.651).code == new_code


def test_a_gcj02_file_is_converted_to_the_wgs84_we_store(admin_client):
    code = f"{COMMUNITY}906"
    gcj = coords.from_wgs84(103.98, 23.68, "gcj02")
    upload(admin_client, [feature(code, geometry=square(gcj[0] - 0.001, gcj[1] - 0.001))], crs="gcj02")
    assert locate(103.98, 23.68).code == code
    assert locate(*gcj) is None or coords.distance_m(103.98, 23.68, *gcj) < 50


def test_a_file_that_is_not_a_feature_collection_is_refused_beside_the_field(admin_client):
    for body, message in [(b"\xff\xfe not json", "不是有效的 JSON 文件"),
                          (b'{"type": "Feature"}', "须为 GeoJSON FeatureCollection"),
                          (b'{"type": "FeatureCollection", "features": []}', "文件中没有要素")]:
        response = upload(admin_client, [], raw=body)
        assert response.status_code == 422
        assert re.search(r'<ul class="errorlist"[^>]*><li>[^<]*' + message, response.content.decode()), message


def test_a_grid_boundary_typed_in_the_admin_is_checked_and_moves_the_index(admin_client):
    hit = locate(*WENLAN)
    grid = Grid.objects.get(pk=hit.code)
    url = f"/admin/geo/grid/{grid.pk}/change/"
    data = {"name": grid.name, "community": grid.community_id, "active": "on", "geometry": "{not json"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<ul class="errorlist"[^>]*><li>不是有效的 GeoJSON 面', html)
    assert "{not json" in html  # what was typed stays
    data["geometry"] = json.dumps({"type": "Point", "coordinates": [103.9, 23.6]})
    assert "网格范围须为有效的面" in admin_client.post(url, data).content.decode()

    data["geometry"] = json.dumps(square(*OUTSIDE))
    response = admin_client.post(url, data)
    assert response.status_code == 302
    grid.refresh_from_db()
    assert (grid.min_lon, grid.min_lat) == pytest.approx(OUTSIDE)
    assert locate(OUTSIDE[0] + 0.001, OUTSIDE[1] + 0.001).code == grid.code
    assert locate(*WENLAN) is None or locate(*WENLAN).code != grid.code


def test_a_new_grid_whose_code_does_not_match_its_community_is_refused(admin_client):
    response = admin_client.post("/admin/geo/grid/add/", {
        "code": "532503002001901", "name": "错社区", "community": COMMUNITY, "active": "on",
        "geometry": json.dumps(square(*OUTSIDE))})
    assert response.status_code == 200
    assert "网格编码须以所属社区代码开头" in response.content.decode()
    assert not Grid.objects.filter(pk="532503002001901").exists()


# ---------------------------------------------------------------------------- cases: the workflow is the only door


def test_a_case_cannot_be_added_changed_or_deleted_in_the_admin(admin_client):
    case = services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description="后台只读")
    url = f"/admin/cases/case/{case.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="state"' not in html and 'name="_save"' not in html
    assert f'href="/console/cases/{case.reference}/"' in html and "办理日志" in html
    found = admin_client.get("/admin/cases/case/", {"q": case.reference}).content.decode()
    assert f"/admin/cases/case/{case.pk}/change/" in found
    by_text = admin_client.get("/admin/cases/case/", {"q": "后台只读", "street": "532503001"}).content.decode()
    assert f"/admin/cases/case/{case.pk}/change/" in by_text
    elsewhere = admin_client.get("/admin/cases/case/", {"q": "后台只读", "street": "532503102"}).content.decode()
    assert f"/admin/cases/case/{case.pk}/change/" not in elsewhere
    assert admin_client.post(url, {"state": "closed", "kind": "closed", "version": 9}).status_code == 403
    assert admin_client.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/cases/case/add/").status_code == 403
    bulk = admin_client.post("/admin/cases/case/", {"action": "delete_selected", "_selected_action": [case.pk],
                                                   "post": "yes"})
    assert bulk.status_code in (200, 302, 403)
    case.refresh_from_db()
    assert (case.state, case.kind, case.version) == ("reported", "open", 1)
    event = CaseEvent.objects.get(case=case)
    assert admin_client.post(f"/admin/cases/caseevent/{event.pk}/change/", {"reason": "改写"}).status_code == 403
    assert admin_client.post(f"/admin/cases/caseevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists() and CaseEvent.objects.filter(pk=event.pk, reason="").exists()


# ---------------------------------------------------------------------------- staff, scope, configuration


def _new_staff(**extra) -> dict:
    return {"username": "new_operator", "usable_password": "true", "password1": "a-long-pass-9876",
            "password2": "a-long-pass-9876", "display_name": "新受理员", "phone": "", "role": "operator",
            "scope": "street", "scope_division": "", "scope_grid": "", "department": "", **extra}


def test_a_staff_scope_without_its_area_is_refused_beside_the_field(admin_client):
    response = admin_client.post("/admin/org/user/add/", _new_staff())
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'<ul class="errorlist"[^>]*id="id_scope_division_error"[^>]*><li>([^<]*)', html) or \
        re.search(r'field-scope_division.*?<ul class="errorlist"[^>]*><li>([^<]*)', html, re.S)
    assert error and "请选择与范围相符的区划" in error.group(1)
    assert 'value="新受理员"' in html  # what was typed stays
    assert not User.objects.filter(username="new_operator").exists()

    # A community is not a street.
    response = admin_client.post("/admin/org/user/add/", _new_staff(scope_division=COMMUNITY))
    assert "请选择与范围相符的区划" in response.content.decode()
    # A department worker needs a department.
    response = admin_client.post("/admin/org/user/add/", _new_staff(role="handler", scope="department"))
    assert "处置人员须属于部门" in response.content.decode()

    response = admin_client.post("/admin/org/user/add/", _new_staff(scope_division="532503001"))
    assert response.status_code == 302
    user = User.objects.get(username="new_operator")
    assert (user.role, user.scope, user.scope_division_id) == ("operator", "street", "532503001")


def test_a_calendar_override_reaches_the_stage_clocks(admin_client):
    tuesday, saturday = date(2026, 12, 8), date(2026, 12, 12)
    assert taxonomy.config().calendar.is_workday(tuesday) and not taxonomy.config().calendar.is_workday(saturday)
    assert admin_client.post("/admin/taxonomy/calendarday/add/", {
        "date": "2026-12-08", "note": "临时停工"}).status_code == 302
    assert admin_client.post("/admin/taxonomy/calendarday/add/", {
        "date": "2026-12-12", "is_workday": "on", "note": "调休上班"}).status_code == 302
    calendar = taxonomy.config().calendar
    assert not calendar.is_workday(tuesday) and calendar.is_workday(saturday)
    assert calendar.overrides[tuesday] is False
    assert "星期二" in admin_client.get("/admin/taxonomy/calendarday/").content.decode()
    # The same day twice is refused beside the date.
    response = admin_client.post("/admin/taxonomy/calendarday/add/", {"date": "2026-12-08", "note": "重复"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    day = CalendarDay.objects.get(date=tuesday)
    assert admin_client.post(f"/admin/taxonomy/calendarday/{day.pk}/delete/", {"post": "yes"}).status_code == 302
    assert taxonomy.config().calendar.is_workday(tuesday)


def test_time_limits_are_checked_before_they_reach_the_clocks(admin_client):
    data = {"category": "", "condition": "", "stage": "handle", "amount": "0", "unit": "WD"}
    response = admin_client.post("/admin/taxonomy/timelimit/add/", data)
    assert response.status_code == 200 and "时限须大于 0" in response.content.decode()
    assert TimeLimit.objects.filter(category__isnull=True, stage="handle", condition="").exists()
    response = admin_client.post("/admin/taxonomy/timelimit/add/", {**data, "amount": "2"})
    assert response.status_code == 200 and "该环节的全市默认时限已存在" in response.content.decode()
    response = admin_client.post("/admin/taxonomy/timelimit/add/", {**data, "category": "06010", "condition": "夜间",
                                                                    "amount": "3", "unit": "WH"})
    assert response.status_code == 302
    assert taxonomy.config().limit("06010", "夜间", "handle").amount == 3


def test_a_street_route_sends_a_category_to_another_department(admin_client):
    response = admin_client.post("/admin/taxonomy/departmentroute/add/", {
        "category": "06010", "street": "532503001", "department": "szgs"})
    assert response.status_code == 302
    assert taxonomy.config().department_for("06010", "532503001") == "szgs"
    # Routes are by street: a community is not offered.
    response = admin_client.post("/admin/taxonomy/departmentroute/add/", {
        "category": "06011", "street": COMMUNITY, "department": "szgs"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_a_division_boundary_must_be_a_polygon(admin_client):
    division = Division.objects.get(code="532503001")
    url = "/admin/geo/division/532503001/change/"
    data = {"name": division.name, "level": division.level, "parent": division.parent_id, "geometry": "[1, 2]"}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "不是有效的 GeoJSON 几何对象" in response.content.decode()
    data["geometry"] = json.dumps(square(103.3, 23.3, 0.1))
    assert admin_client.post(url, data).status_code == 302
