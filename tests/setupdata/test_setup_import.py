"""A new city sets up its departments, staff, routing rules and local categories from Excel:
templates to download, a trial run with a row-by-row report, then the import; files with a bad
row are refused whole unless the good rows are asked for; re-runs update."""
from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import load_workbook

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.org.models import Department, User
from civicloop.routing.models import RoutingRule
from civicloop.setupdata import importing
from civicloop.setupdata.columns import KINDS, header_text
from civicloop.taxonomy.models import Category
from civicloop.taxonomy.queries import config
from tests.conftest import CAOBA, WENLAN

WENLAN_STREET, CAOBA_STREET = "532503001", "532503102"

NEW_DEPARTMENTS = [
    {"code": "sw-water", "name": "新城水务公司", "kind": "专业部门", "active": "是"},
    {"code": "jd-new", "name": "新城街道办", "kind": "街道办", "division": WENLAN_STREET},
]


def upload(client, kind: str, path):
    with open(path, "rb") as f:
        return client.post("/console/setup/upload", {"kind": kind, "file": f})


def token_of(page) -> str:
    return re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)


def import_departments(filled, rows=NEW_DEPARTMENTS, **options):
    return importing.import_file("departments", filled("departments", rows), **options)


# ---------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_template_has_chinese_headers_an_example_and_the_allowed_values(signed_in, kind):
    response = signed_in("admin").get(f"/console/setup/templates/{kind}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet, values = book.worksheets
    header = [c.value for c in sheet[1]]
    assert header == [header_text(c, "zh-hans") for c in KINDS[kind].columns]
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in header)
    assert any(c.value for c in sheet[2]), "the example row"
    assert values.title == "允许值"
    listed = {c.value for col in values.iter_cols() for c in col}
    assert "是" in listed and "否" in listed
    assert sheet.data_validations.dataValidation, "drop-downs from the second sheet"
    # The example row as downloaded imports as nothing (skipped), never as a real row.
    report = importing.import_file(kind, _saved(response.content, kind), dry_run=True)
    assert report.problem == "" and [r.outcome for r in report.rows] == ["skipped"]


def _saved(content: bytes, kind: str):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / f"{kind}.xlsx"
    path.write_bytes(content)
    return path


def test_the_allowed_values_name_this_citys_roles_divisions_and_departments(signed_in):
    book = load_workbook(io.BytesIO(signed_in("admin").get("/console/setup/templates/staff.xlsx").content))
    listed = {c.value for col in book.worksheets[1].iter_cols() for c in col}
    assert {"监督员", "网格员", "处置人员", "街道", "社区", "网格"} <= listed
    assert {WENLAN_STREET, CAOBA_STREET, "cgj", "hwz"} <= listed
    routes = load_workbook(io.BytesIO(signed_in("admin").get("/console/setup/templates/routes.xlsx").content))
    listed = {c.value for col in routes.worksheets[1].iter_cols() for c in col}
    assert {"06", "06010", "紧急", "特急"} <= listed


def test_an_english_request_gets_english_headers_and_either_language_imports(signed_in, filled):
    response = signed_in("admin", language="en").get("/console/setup/templates/departments.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]][:3] == ["Department code*", "Department name*", "Department kind*"]
    assert book.worksheets[1].title == "Allowed values"
    path = filled("departments", [{"code": "en-dept", "name": "English Dept", "kind": "professional department"}],
                  language="en")
    report = importing.import_file("departments", path)
    assert report.applied and Department.objects.get(pk="en-dept").kind == "professional"


# ---------------------------------------------------------------------------- a new city


def test_a_new_city_loads_departments_staff_and_routes_through_the_console(signed_in, filled):
    admin = signed_in("admin")
    page = upload(admin, "departments", filled("departments", NEW_DEPARTMENTS))
    assert page.status_code == 200 and "新城水务公司" not in Department.objects.values_list("name", flat=True)
    assert 'data-testid="confirm"' in page.content.decode()
    done = admin.post("/console/setup/confirm", {"token": token_of(page)})
    assert "已保存：新增 2 条" in done.content.decode()
    assert Department.objects.get(pk="jd-new").division_id == WENLAN_STREET

    staff = [
        {"username": "zhou.min", "name": "周敏", "phone": "138 0013 8001", "role": "受理员", "scope": "街道",
         "area": WENLAN_STREET},
        {"name": "吴刚", "phone": "13800138002", "role": "处置人员", "scope": "部门", "department": "sw-water"},
        {"username": "grid.li", "name": "李网格", "role": "grid_worker", "scope": "网格",
         "area": _first_grid(WENLAN_STREET)},
    ]
    page = upload(admin, "staff", filled("staff", staff))
    done = admin.post("/console/setup/confirm", {"token": token_of(page)})
    body = done.content.decode()
    assert done.status_code == 200 and body.count("/console/welcome/") == 3, "one set-password link per new account"
    handler = User.objects.get(username="13800138002")
    assert handler.department_id == "sw-water" and handler.role == "handler" and not handler.has_usable_password()
    assert User.objects.get(username="zhou.min").scope_division_id == WENLAN_STREET

    routes = [{"category": "06010", "area": WENLAN_STREET, "department": "jd-new"},
              {"category": "01", "department": "sw-water", "priority": "紧急", "note": "急修"}]
    page = upload(admin, "routes", filled("routes", routes))
    admin.post("/console/setup/confirm", {"token": token_of(page)})
    assert RoutingRule.objects.filter(category_id="06010", area=WENLAN_STREET, department_id="jd-new").exists()
    assert RoutingRule.objects.get(category_group="01", min_priority=2).department_id == "sw-water"


def _first_grid(street: str) -> str:
    from civicloop.geo.models import Grid

    return Grid.objects.filter(code__startswith=street).order_by("code").values_list("code", flat=True).first()


def test_loading_the_same_file_again_with_one_change_updates_exactly_one_row(filled):
    assert import_departments(filled).counts["added"] == 2
    changed = [NEW_DEPARTMENTS[0], {**NEW_DEPARTMENTS[1], "name": "新城街道办事处"}]
    report = import_departments(filled, changed)
    assert report.counts == {"added": 0, "updated": 1, "unchanged": 1, "refused": 0, "skipped": 1}
    assert [r.key for r in report.rows if r.outcome == "updated"] == ["jd-new"]
    assert Department.objects.get(pk="jd-new").name == "新城街道办事处"


def test_staff_are_matched_again_by_username_or_by_phone(filled):
    rows = [{"name": "吴刚", "phone": "13800138002", "role": "处置人员", "scope": "部门", "department": "hwz"},
            {"username": "zhou.min", "name": "周敏", "role": "受理员", "scope": "全市"}]
    assert importing.import_file("staff", filled("staff", rows)).counts["added"] == 2
    rows[0]["department"] = "cgj"
    report = importing.import_file("staff", filled("staff", rows, name="again.xlsx"))
    assert report.counts["updated"] == 1 and report.counts["unchanged"] == 1
    assert User.objects.get(phone="13800138002").department_id == "cgj"


# ---------------------------------------------------------------------------- bad rows


BAD_ROWS = {
    "unknown role": ("staff", [{"username": "ok.one", "name": "甲", "role": "受理员", "scope": "全市"},
                               {"username": "bad.one", "name": "乙", "role": "队长", "scope": "全市"}], "角色"),
    "unknown division": ("staff", [{"username": "ok.one", "name": "甲", "role": "受理员", "scope": "全市"},
                                   {"username": "bad.one", "name": "乙", "role": "受理员", "scope": "街道",
                                    "area": "532503999"}], "532503999"),
    "unknown department": ("routes", [{"category": "06010", "area": CAOBA_STREET, "department": "hwz"},
                                      {"category": "06011", "department": "nobody"}], "nobody"),
    "duplicate key": ("departments", [{"code": "d-one", "name": "一号部门", "kind": "专业部门"},
                                      {"code": "d-one", "name": "二号部门", "kind": "专业部门"}], "第2行"),
    "missing required value": ("departments", [{"code": "d-one", "name": "一号部门", "kind": "专业部门"},
                                               {"code": "d-two", "kind": "专业部门"}], "部门名称"),
    "local category without a national code": ("categories", [
        {"code": "06901", "name": "共享单车乱停放", "national": "06017"},
        {"code": "06902", "name": "流浪犬只"}], "国标"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_file_with_a_bad_row_is_refused_whole_naming_the_row(filled, case):
    kind, rows, said = BAD_ROWS[case]
    path = filled(kind, rows, keep_example=False)
    before = _counts()
    report = importing.import_file(kind, path)
    refused = [r for r in report.rows if r.outcome == "refused"]
    assert [r.row for r in refused] == [3], report.rows
    assert said in refused[0].reason, refused[0].reason
    assert not report.applied and _counts() == before

    report = importing.import_file(kind, path, good_rows=True)
    assert report.applied and report.counts["added"] == 1 and report.refused == 1
    assert _counts() != before


def _counts() -> tuple:
    return (Department.objects.count(), User.objects.count(), RoutingRule.objects.count(),
            Category.objects.count())


def test_the_console_offers_the_good_rows_only_when_asked(signed_in, filled):
    admin = signed_in("admin")
    kind, rows, _said = BAD_ROWS["unknown role"]
    page = upload(admin, kind, filled(kind, rows))
    body = page.content.decode()
    assert 'data-testid="confirm"' not in body and 'data-testid="import-good"' in body and "队长" in body
    problems = body[body.index('data-testid="row-problems"'):]
    assert "<th>行</th><th>标识</th><th>列</th><th>值</th><th>原因</th>" in problems, problems
    assert '<td class="num">4</td><td>bad.one</td><td>角色*</td><td>队长</td><td>角色：无法识别“队长”' in problems, problems
    refused_whole = admin.post("/console/setup/confirm", {"token": token_of(page)})
    assert "未保存" in refused_whole.content.decode() and not User.objects.filter(username="ok.one").exists()
    admin.post("/console/setup/confirm", {"token": token_of(page), "good_rows": "1"})
    assert User.objects.filter(username="ok.one").exists() and not User.objects.filter(username="bad.one").exists()


def test_reasons_come_in_english_for_an_english_reader(filled):
    from django.utils import translation

    kind, rows, _said = BAD_ROWS["unknown role"]
    with translation.override("en"):
        report = importing.import_file(kind, filled(kind, rows))
    reason = next(r.reason for r in report.rows if r.outcome == "refused")
    assert "unknown value 队长" in reason and "Inspector" in reason.title()


def test_a_file_that_is_not_the_template_is_refused_with_the_columns_it_needs(tmp_path, db):
    path = tmp_path / "people.csv"
    path.write_text("姓名,工号\n张三,001\n", encoding="gbk")
    report = importing.import_file("staff", path)
    assert "角色" in report.problem and "工号" in report.problem and not report.rows


def test_the_console_refuses_a_damaged_file_and_keeps_nothing_of_it(signed_in, tmp_path):
    from civicloop.setupdata.views import upload_dir

    path = tmp_path / "staff.xlsx"
    path.write_bytes(b"not a workbook at all")
    before = set(upload_dir().iterdir())
    page = upload(signed_in("admin"), "staff", path)
    body = page.content.decode()
    assert page.status_code == 422 and "无法读取文件" in body and 'name="token"' not in body
    assert set(upload_dir().iterdir()) == before


# ---------------------------------------------------------------------------- categories


def test_local_categories_extend_the_standard_and_map_to_a_national_code(filled):
    rows = [{"code": "06901", "name": "共享单车乱停放", "national": "06017", "department": "cgj", "keywords": "单车,共享单车"},
            {"code": "11001", "name": "流动摊贩占道", "major_name": "城市秩序类", "national": "09005"},
            {"code": "06010", "name": Category.objects.get(pk="06010").name, "department": "cgj", "priority": "紧急"}]
    report = importing.import_file("categories", filled("categories", rows))
    assert report.counts["added"] == 2 and report.counts["updated"] == 1, report.rows
    local = Category.objects.get(pk="11001")
    assert local.is_local and local.national_id == "09005" and local.major_name == "城市秩序类"
    assert config().categories["06901"].department_id == "cgj", "the cached configuration follows at once"
    assert config().categories["06010"].priority == 2


def test_a_national_category_keeps_its_name_and_takes_no_national_code(filled):
    rows = [{"code": "06010", "name": "乱扔垃圾", "department": "cgj"},
            {"code": "06011", "name": Category.objects.get(pk="06011").name, "national": "06010"}]
    report = importing.import_file("categories", filled("categories", rows, keep_example=False))
    reasons = [r.reason for r in report.rows]
    assert report.refused == 2 and "06010" in reasons[0] and "本地扩展事项" in reasons[1]


# ---------------------------------------------------------------------------- the rules and accounts work


def test_an_imported_routing_rule_routes_a_new_case(filled, persona):
    import_departments(filled)
    report = importing.import_file("routes", filled("routes", [
        {"category": "06010", "area": WENLAN_STREET, "department": "jd-new"}]))
    assert report.applied
    case = services.report_case(actor=persona("operator"), channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                description="路边暴露垃圾", category="06010")
    case = services.file_case(case, persona("operator"))
    assert services.suggest_department(case) == "jd-new"
    services.dispatch_case(case, persona("dispatcher"))
    case.refresh_from_db()
    assert case.department_id == "jd-new"


def test_an_imported_staff_member_sets_a_password_signs_in_and_sees_only_their_street(filled, persona):
    wenlan = services.report_case(actor=persona("operator"), channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                  description="文澜路边垃圾")
    caoba = services.report_case(actor=persona("operator"), channel="citizen", lon=CAOBA[0], lat=CAOBA[1],
                                 description="草坝路边垃圾")
    report = importing.import_file("staff", filled("staff", [
        {"username": "caoba.desk", "name": "草坝新受理员", "role": "受理员", "scope": "街道", "area": CAOBA_STREET}]))
    link = report.links[0].link
    browser = Client()
    assert browser.post("/console/login/", {"username": "caoba.desk", "password": ""}).status_code == 422
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert "caoba.desk" in browser.get(f"/{path}").content.decode()
    saved = browser.post(f"/{path}", {"new_password1": "草坝-desk-2026!", "new_password2": "草坝-desk-2026!"})
    assert 'data-testid="password-set"' in saved.content.decode()
    assert browser.get(f"/{path}").status_code == 404, "the link works once"
    assert browser.post("/console/login/", {"username": "caoba.desk", "password": "草坝-desk-2026!"}).status_code == 302
    listing = browser.get("/console/cases/").content.decode()
    assert caoba.reference in listing and wenlan.reference not in listing
    assert browser.get(f"/console/cases/{wenlan.reference}/").status_code == 404


def test_a_new_account_has_no_password_until_its_link_is_used(filled):
    from civicloop.ops.checks import DEMO_PASSWORD

    importing.import_file("staff", filled("staff", [{"username": "new.one", "name": "新人", "role": "监督员",
                                                     "scope": "全市"}]))
    user = User.objects.get(username="new.one")
    assert not user.has_usable_password() and not user.check_password(DEMO_PASSWORD) and not user.check_password("")


# ---------------------------------------------------------------------------- who may use it


def test_the_pages_refuse_anonymous_and_out_of_scope_callers(signed_in, client, db, filled):
    for path in ("/console/setup/", "/console/setup/templates/staff.xlsx"):
        assert client.get(path).status_code == 302 and "/console/login/" in client.get(path)["Location"]
        assert signed_in("operator_caoba").get(path).status_code == 403
        assert signed_in("leader").get(path).status_code == 403
    path = filled("departments", NEW_DEPARTMENTS)
    assert upload(signed_in("operator_caoba"), "departments", path).status_code == 403
    assert signed_in("operator_caoba").post("/console/setup/confirm", {"token": "x"}).status_code == 403
    assert not Department.objects.filter(pk="jd-new").exists()
    assert client.get("/console/welcome/MQ/not-a-token/").status_code == 404
    assert signed_in("admin").get("/console/setup/templates/nothing.xlsx").status_code == 404


def test_another_administrators_session_cannot_confirm_my_upload(signed_in, filled):
    page = upload(signed_in("admin"), "departments", filled("departments", NEW_DEPARTMENTS))
    other = User.objects.create(username="admin2", role="admin", scope="city")
    client = Client()
    client.force_login(other)
    assert client.post("/console/setup/confirm", {"token": token_of(page)}).status_code == 410
    assert not Department.objects.filter(pk="jd-new").exists()


# ---------------------------------------------------------------------------- the command line


def test_the_command_line_writes_templates_and_imports_with_a_dry_run(tmp_path, filled, capsys):
    out = tmp_path / "staff.xlsx"
    call_command("setup_template", "staff", out=str(out))
    assert load_workbook(out).worksheets[0]["D1"].value == "角色*"
    path = filled("departments", NEW_DEPARTMENTS)
    call_command("setup_import", "departments", str(path), dry_run=True)
    assert "added=2" in capsys.readouterr().out and not Department.objects.filter(pk="jd-new").exists()
    call_command("setup_import", "departments", str(path))
    assert Department.objects.filter(pk="jd-new").exists()
    kind, rows, _said = BAD_ROWS["unknown role"]
    with pytest.raises(CommandError, match="refused"):
        call_command("setup_import", kind, str(filled(kind, rows, name="bad.xlsx")))
    assert not User.objects.filter(username="ok.one").exists()


def test_a_staff_import_prints_a_link_per_new_account(filled, capsys):
    call_command("setup_import", "staff", str(filled("staff", [
        {"username": "cli.one", "name": "命令行", "role": "监督员", "scope": "全市"}])))
    printed = capsys.readouterr().out
    assert re.search(r"set-password\tcli\.one\thttp://\S+/console/welcome/\S+/", printed)
    assert Case.objects.count() >= 0


def test_a_file_with_fewer_columns_leaves_the_others_alone(tmp_path, db):
    manhole = Category.objects.filter(priority=3).order_by("code").first()
    path = tmp_path / "departments-only.csv"
    path.write_text(f"事项代码,事项名称,默认责任部门编码\n{manhole.code},{manhole.name},cgj\n", encoding="gbk")
    report = importing.import_file("categories", path)
    assert report.counts["updated"] == 1, report.rows
    manhole.refresh_from_db()
    assert manhole.department_id == "cgj" and manhole.priority == 3 and manhole.keywords


def test_a_phone_shared_by_two_accounts_needs_the_username(filled):
    for name in ("twin.a", "twin.b"):
        User.objects.create(username=name, phone="13900000001", role="inspector", scope="city")
    report = importing.import_file("staff", filled("staff", [
        {"name": "双胞胎", "phone": "13900000001", "role": "监督员", "scope": "全市"}]))
    assert report.refused == 1 and "用户名" in report.rows[-1].reason


def test_a_new_account_cannot_take_a_username_in_use(filled):
    User.objects.create(username="13900000002", role="inspector", scope="city")  # no phone on record
    report = importing.import_file("staff", filled("staff", [
        {"name": "新人", "phone": "13900000002", "role": "监督员", "scope": "全市"}]))
    assert report.refused == 1 and "用户名" in report.rows[-1].reason, report.rows


def test_a_district_bureau_and_district_staff_name_their_county(filled):
    from civicloop.geo.models import Division

    county = Division.objects.filter(level="county").values_list("code", flat=True).first()
    report = importing.import_file("departments", filled("departments", [
        {"code": "qx-cgj", "name": "区城管局", "kind": "专业部门", "division": county}]))
    assert report.applied and Department.objects.get(pk="qx-cgj").division_id == county
    report = importing.import_file("staff", filled("staff", [
        {"username": "district.desk", "name": "区受理员", "role": "受理员", "scope": "区县", "area": county},
        {"username": "district.bad", "name": "错范围", "role": "受理员", "scope": "区县", "area": WENLAN_STREET}],
        keep_example=False))
    assert [r.outcome for r in report.rows] == ["added", "refused"], report.rows
    assert not report.applied
