"""Registry files in and out: good rows load, each bad row is named with its reason, re-runs change nothing."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import shapefile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from civicloop.facilities import importing
from civicloop.facilities.models import Facility, ImportJob
from civicloop.shops.models import Shop
from tests.conftest import CAOBA, WENLAN

HEADER = ["标识码", "名称", "部件代码", "经度", "纬度", "状态", "养护单位", "管护人", "管护人电话"]
GOOD = [
    ["53250303005000101", "天马路垃圾箱101号", "03005", WENLAN[0], WENLAN[1], "完好", "环卫站", "李桶长", "13708730101"],
    ["", "银河路公厕", "03001", WENLAN[0] + 0.001, WENLAN[1], "完好", "环卫站", "王所长", "13708730102"],
    ["53250303005000103", "草坝垃圾箱", "03005", CAOBA[0], CAOBA[1], "破损", "", "", ""],
]
BAD = [  # (row, reason fragment)
    (["53250103005000104", "外县垃圾箱", "03005", WENLAN[0], WENLAN[1], "完好", "", "", ""], "532503"),
    (["53250303099000105", "无此部件", "03099", WENLAN[0], WENLAN[1], "完好", "", "", ""], "03099"),
    (["53250303005000106", "坐标在北京", "03005", 116.4, 39.9, "完好", "", "", ""], "网格"),
    (["53250303005000107", "", "03005", WENLAN[0], WENLAN[1], "完好", "", "", ""], "名称"),
    (["53250303005000108", "状态不对", "03005", WENLAN[0], WENLAN[1], "坏了", "", "", ""], "状态"),
    (["53250303005000109", "缺经度", "03005", "", WENLAN[1], "完好", "", "", ""], "坐标"),
    (["53250303005000110", "手机号错", "03005", WENLAN[0], WENLAN[1], "完好", "", "赵", "12345"], "手机"),
    (["53250303001000111", "类型与标识码不符", "03005", WENLAN[0], WENLAN[1], "完好", "", "", ""], "不符"),
]
ROWS = GOOD[:2] + [b[0] for b in BAD[:4]] + GOOD[2:] + [b[0] for b in BAD[4:]]


def write_csv(path, rows=ROWS, encoding="utf-8-sig"):
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def expected_bad_rows() -> dict[int, str]:
    return {ROWS.index(row) + 2: reason for row, reason in BAD}  # +2: the header is row 1


def test_a_csv_with_good_and_bad_rows_loads_the_good_and_names_each_bad_row(db, tmp_path):
    outcome = importing.load(write_csv(tmp_path / "部件.csv"))
    assert outcome.counts == {"created": 3, "updated": 0, "unchanged": 0, "error": len(BAD)}
    named = {p.row: p.message for p in outcome.problems}
    assert named.keys() == expected_bad_rows().keys()
    for row, fragment in expected_bad_rows().items():
        assert fragment in named[row], (row, named[row])
    loaded = Facility.objects.get(pk="53250303005000101")
    assert loaded.keeper.name == "李桶长" and loaded.maintainer_unit == "环卫站" and loaded.street_id == "532503001"
    assert Facility.objects.get(pk="53250303005000103").state == "damaged"
    toilet = Facility.objects.get(name="银河路公厕")
    assert toilet.id.startswith("53250303001") and toilet.keeper.phone == "13708730102"


def test_running_the_same_file_again_changes_nothing_and_a_changed_row_updates(db, tmp_path):
    path = write_csv(tmp_path / "部件.csv")
    importing.load(path)
    again = importing.load(path)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "error": len(BAD)}
    assert Facility.objects.count() == 3  # the row without an id matched its facility, no duplicate
    changed = [list(r) for r in GOOD]
    changed[0][6] = "市政公司"
    third = importing.load(write_csv(tmp_path / "changed.csv", changed))
    assert third.counts["updated"] == 1 and third.counts["unchanged"] == 2
    assert Facility.objects.get(pk="53250303005000101").maintainer_unit == "市政公司"


def test_a_gbk_csv_from_excel_reads(db, tmp_path):
    outcome = importing.load(write_csv(tmp_path / "gbk.csv", GOOD, encoding="gbk"))
    assert outcome.counts["created"] == 3


def test_a_dry_run_checks_everything_and_saves_nothing(db, tmp_path):
    outcome = importing.load(write_csv(tmp_path / "部件.csv"), dry_run=True)
    assert outcome.counts["created"] == 3 and outcome.counts["error"] == len(BAD)
    assert not Facility.objects.exists()


def test_excel_geojson_and_shapefile_load_the_same_rows(db, tmp_path):
    book = Workbook()
    book.active.append(HEADER)
    for row in GOOD:
        book.active.append(row)
    book.save(tmp_path / "部件.xlsx")
    assert importing.load(tmp_path / "部件.xlsx").counts["created"] == 3

    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [row[3], row[4]]},
                 "properties": dict(zip(HEADER, row))} for row in GOOD]
    (tmp_path / "部件.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    assert importing.load(tmp_path / "部件.geojson").counts == {"created": 0, "updated": 0, "unchanged": 3, "error": 0}

    Facility.objects.all().delete()
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POINT, encoding="gbk") as writer:
        writer.field("BSM", "C", 17)
        writer.field("MC", "C", 40)
        writer.field("COMPONENT", "C", 5)
        for row in GOOD:
            writer.point(row[3], row[4])
            writer.record(row[0], row[1], row[2])
    with zipfile.ZipFile(tmp_path / "部件.zip", "w") as archive:
        for suffix, buffer in ((".shp", shp), (".shx", shx), (".dbf", dbf)):
            archive.writestr(f"bujian{suffix}", buffer.getvalue())
    outcome = importing.load(tmp_path / "部件.zip")
    assert outcome.counts["created"] == 3, outcome.problems
    assert Facility.objects.filter(name="草坝垃圾箱").exists()  # GBK names read back


def test_an_unsupported_file_is_refused_as_a_whole(db, tmp_path):
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(importing.BadFile, match="不支持"):
        list(importing.read_rows(tmp_path / "x.docx"))


def test_shops_load_by_licence_number(db, tmp_path):
    path = tmp_path / "shops.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["许可证号", "店名" if False else "名称", "类型", "地址", "经度", "纬度"])
        writer.writerow(["JY1", "过桥米线", "餐饮", "天马路1号", WENLAN[0], WENLAN[1]])
        writer.writerow(["JY2", "南湖宾馆", "住宿", "", WENLAN[0], WENLAN[1]])
        writer.writerow(["", "无证店", "餐饮", "", WENLAN[0], WENLAN[1]])
        writer.writerow(["JY4", "理发店", "美发", "", WENLAN[0], WENLAN[1]])
    first = importing.load(path, kind="shop")
    assert first.counts == {"created": 2, "updated": 0, "unchanged": 0, "error": 2}
    assert [(p.row, p.column, p.value) for p in first.problems] == [(4, "许可证号", ""), (5, "类型", "美发")]
    assert "许可证号" in first.problems[0].message
    assert importing.load(path, kind="shop").counts["unchanged"] == 2 and Shop.objects.count() == 2


def test_the_command_prints_each_bad_row(db, tmp_path, capsys):
    call_command("import_facilities", str(write_csv(tmp_path / "部件.csv")))
    out = capsys.readouterr().out
    for row in expected_bad_rows():
        assert f"第{row}行" in out
    assert "新增 created 3" in out


def test_the_upload_page_runs_the_file_as_a_job_with_progress_and_the_report(signed_in, tmp_path):
    client = signed_in("operator")
    data = write_csv(tmp_path / "部件.csv").read_bytes()
    response = client.post("/console/facilities/import/", {"kind": "facility", "file": SimpleUploadedFile("部件.csv", data)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/facilities/import/{job.pk}/"
    assert job.status == "pending" and "排队" in client.get(response["Location"]).content.decode()
    assert importing.run_due() == 1 and importing.run_due() == 0  # the worker's job
    page = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in page  # finished: the page stops asking
    for row in expected_bad_rows():
        assert f'<td class="num">{row}</td>' in page
    nameless = ROWS.index(BAD[3][0]) + 2
    assert f'<td class="num">{nameless}</td><td>53250303005000107</td><td>名称</td><td></td><td>缺少名称 / the name is missing</td>' in page
    job.refresh_from_db()
    assert job.done == job.total == len(ROWS) and job.counts["created"] == 3


def test_a_job_reported_before_rows_were_problems_still_shows_its_bad_rows(signed_in):
    job = ImportJob.objects.create(file_name="旧.csv", path="", status=ImportJob.Status.DONE, counts={"error": 1},
                                   report=[{"row": 7, "id": "53250303005000107", "reason": "缺少名称 / the name is missing"}])
    page = signed_in("operator").get(f"/console/facilities/import/{job.pk}/").content.decode()
    assert '<td class="num">7</td><td>53250303005000107</td><td></td><td></td><td>缺少名称 / the name is missing</td>' in page


def test_the_upload_page_is_for_city_desk_staff(signed_in, tmp_path):
    assert signed_in("operator_caoba").get("/console/facilities/import/").status_code == 403
    assert signed_in("handler_hwz").get("/console/facilities/import/").status_code == 403


def test_export_as_excel_and_geojson_reads_back_in(db, tmp_path, signed_in):
    importing.load(write_csv(tmp_path / "部件.csv"))
    client = signed_in("operator")
    xlsx = client.get("/console/facilities/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("标识码", "名称", "部件代码") and len(rows) == 4
    geo = json.loads(client.get("/console/facilities/export.geojson").content)
    assert {f["id"] for f in geo["features"]} == set(Facility.objects.values_list("pk", flat=True))
    (tmp_path / "back.geojson").write_bytes(client.get("/console/facilities/export.geojson").content)
    assert importing.load(tmp_path / "back.geojson").counts == {"created": 0, "updated": 0, "unchanged": 3, "error": 0}
