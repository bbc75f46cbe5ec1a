"""The one table reader (lib/tabular.py): real CSV (UTF-8, GBK), XLSX and ODS files, the rows numbered as
the person who made the file sees them, broken files refused with a clear reason, and one importer
end to end per format."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook

from civicloop.lib import tabular
from tests.conftest import WENLAN

HEADER = ["编号", "名称", "日期"]
ROWS = [[1001, "天马路垃圾箱", datetime(2026, 1, 31, 9, 30)], None, [1002, "银河路公厕", None]]


def write_xlsx(path, header=HEADER, rows=ROWS, sheet="Sheet1"):
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row or [])
    book.save(path)
    return path


def write_ods(path, header=HEADER, rows=ROWS, sheet="Sheet1"):
    """As LibreOffice saves it: typed cells, and the empty rest of the sheet as one repeated row."""
    doc = OpenDocumentSpreadsheet()
    table = Table(name=sheet)
    for values in [header, *rows]:
        row = TableRow()
        for value in values or []:
            row.addElement(_ods_cell(value))
        table.addElement(row)
    table.addElement(TableRow(numberrowsrepeated=1048000))
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def _ods_cell(value):
    if value is None:
        return TableCell()
    if isinstance(value, datetime):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
    elif isinstance(value, (int, float)):
        cell = TableCell(valuetype="float", value=value)
    else:
        cell = TableCell(valuetype="string")
    cell.addElement(P(text=str(value)))
    return cell


def write_csv(path, header=HEADER, rows=ROWS, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row] if row else [])
    return path


def rows_of(table: tabular.Table) -> list[tuple[int, list[str]]]:
    return [(number, [tabular.cell_text(v) for v in raw.values()]) for number, raw in table.rows]


# ---------------------------------------------------------------------------- reading


@pytest.mark.parametrize("write, kind", [(write_xlsx, "xlsx"), (write_ods, "ods")])
def test_a_workbook_reads_with_typed_cells_and_spreadsheet_row_numbers(tmp_path, write, kind):
    table = tabular.read(write(tmp_path / f"部件.{kind}"))
    assert (table.format, table.header) == (kind, HEADER)
    rows = list(table.rows)
    assert [number for number, _raw in rows] == [2, 4]  # the blank row 3 is left out, not renumbered
    first = rows[0][1]
    assert tabular.cell_text(first["编号"]) == "1001" and first["日期"] == datetime(2026, 1, 31, 9, 30)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_csv_reads_in_the_encodings_chinese_excel_saves(tmp_path, encoding):
    table = tabular.read(write_csv(tmp_path / "部件.csv", encoding=encoding))
    assert table.header == HEADER
    assert rows_of(table) == [(2, ["1001", "天马路垃圾箱", "2026-01-31 09:30:00"]), (4, ["1002", "银河路公厕", ""])]


def test_a_csv_row_is_named_by_the_line_it_starts_on(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('编号,名称\n1,"两行\n的名称"\n2,下一行\n', encoding="utf-8")
    assert rows_of(tabular.read(path)) == [(2, ["1", "两行\n的名称"]), (4, ["2", "下一行"])]


def test_the_kind_comes_from_the_bytes_not_the_name(tmp_path):
    disguised = write_xlsx(tmp_path / "book.xlsx")
    (tmp_path / "book.csv").write_bytes(disguised.read_bytes())
    assert tabular.read(tmp_path / "book.csv").format == "xlsx"
    upload = io.BytesIO(write_ods(tmp_path / "x.ods").read_bytes())  # an upload without a name
    table = tabular.read(upload)
    assert table.format == "ods" and len(list(table.rows)) == 2 and not upload.closed


def test_a_named_sheet_is_read_and_a_missing_one_is_named(tmp_path):
    for write, kind in ((write_xlsx, "xlsx"), (write_ods, "ods")):
        path = write(tmp_path / f"x.{kind}", sheet="案件")
        assert tabular.read(path, sheet="案件").header == HEADER
        with pytest.raises(tabular.TableError) as refused:
            tabular.read(path, sheet="工单")
        assert "工单" in str(refused.value) and "案件" in str(refused.value)


def test_headers_in_either_language_map_to_our_fields():
    headers = tabular.Aliases({"order_id": ("工单编号", "order id"), "content": ("诉求内容", "content")})
    assert headers.columns([" Order ID ", "诉求内容", "其他"]) == {"order_id": " Order ID ", "content": "诉求内容"}
    assert headers.missing(["工单编号"], ["order_id", "content"]) == ["content"]
    assert headers.values({"工单编号": "A1", "x": 1}) == {"order_id": "A1"}


# ---------------------------------------------------------------------------- broken files


@pytest.mark.parametrize("name, content, reason", [
    ("x.xlsx", b"", "file is empty"),
    ("x.csv", b"", "file is empty"),
    ("x.xlsx", b"this is no workbook", "cannot be read"),
    ("x.ods", b"PK\x03\x04 a broken zip", "cannot be read"),
    ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file"),
    ("x.docx", b"PK\x03\x04", "Unsupported file type .docx"),
    ("x.csv", "编号\n".encode("utf-16"), "neither UTF-8 nor GBK"),
])
def test_a_file_that_is_not_a_table_is_refused_with_its_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(tabular.TableError) as refused:
        tabular.read(path)
    assert reason in refused.value.text()


def test_the_reason_is_in_the_readers_language(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"no workbook")
    with pytest.raises(tabular.TableError) as refused:
        tabular.read(tmp_path / "x.xlsx")
    with translation.override("zh-hans"):
        assert refused.value.text(gettext).startswith("无法读取文件")
    with translation.override("en"):
        assert refused.value.text(gettext).startswith("The file cannot be read")


def test_a_missing_file_and_an_unwanted_format_are_refused(tmp_path):
    with pytest.raises(tabular.TableError, match="does not exist"):
        tabular.read(tmp_path / "none.csv")
    with pytest.raises(tabular.TableError, match="Unsupported file type"):
        tabular.read(write_csv(tmp_path / "x.csv"), formats=(tabular.XLSX, tabular.ODS))


def test_a_problem_is_one_shape_for_every_importer():
    problem = tabular.Problem(row=7, message="名称不能为空", column="名称", value="", key="1001")
    assert problem.as_dict() == {"row": 7, "message": "名称不能为空", "column": "名称", "value": "", "key": "1001"}


def test_every_report_shows_problems_in_one_table_headed_in_the_readers_language():
    from django.template.loader import render_to_string

    problem = tabular.Problem(row=7, message="名称不能为空", column="名称", value="", key="1001")
    with translation.override("zh-hans"):
        html = render_to_string("core/_row_problems.html", {"problems": [problem]})
    assert "<th>行</th><th>列</th><th>值</th><th>原因</th>" in html
    assert '<td class="num">7</td><td>名称</td><td></td><td>名称不能为空</td>' in html
    assert render_to_string("core/_row_problems.html", {"problems": []}).strip() == ""


# ---------------------------------------------------------------------------- importers, end to end


FACILITY_HEADER = ["标识码", "名称", "部件代码", "经度", "纬度", "状态"]


def test_facilities_load_from_an_ods_file_and_each_bad_row_is_named(db, tmp_path):
    from civicloop.facilities import importing
    from civicloop.facilities.models import Facility

    path = write_ods(tmp_path / "部件.ods", FACILITY_HEADER, [
        ["53250303005000201", "天马路垃圾箱201号", "03005", WENLAN[0], WENLAN[1], "完好"],
        None,
        ["53250303005000202", "", "03005", WENLAN[0], WENLAN[1], "完好"],
        ["53250303005000203", "状态不对", "03005", WENLAN[0], WENLAN[1], "坏了"],
    ])
    outcome = importing.load(path)
    assert outcome.counts["created"] == 1 and Facility.objects.filter(pk="53250303005000201").exists()
    assert [(p.row, p.key, p.column, p.value) for p in outcome.problems] == [
        (4, "53250303005000202", "名称", ""), (5, "53250303005000203", "状态", "坏了")]
    assert "名称" in outcome.problems[0].message and "状态" in outcome.problems[1].message


def test_a_facility_file_that_is_no_spreadsheet_is_refused_whole(db, tmp_path):
    from civicloop.facilities import importing

    (tmp_path / "部件.ods").write_bytes(b"not a spreadsheet")
    with translation.override("zh-hans"), pytest.raises(importing.BadFile, match="无法读取文件"):
        importing.load(tmp_path / "部件.ods")


def test_hotline_orders_import_from_an_ods_upload(db, tmp_path):
    from civicloop.hotline import services
    from civicloop.hotline.models import HotlineOrder

    system, _key = services.create_system(name="12345 ODS")
    path = write_ods(tmp_path / "orders.ods", ["工单编号", "诉求内容", "经度", "纬度", "坐标系"], [
        [20261005101, "天马路垃圾满溢", WENLAN[0], WENLAN[1], "wgs84"],
        [20261005102, "", WENLAN[0], WENLAN[1], "wgs84"],
    ])
    report = services.import_workbook(system, io.BytesIO(path.read_bytes()))
    assert [(r.row, r.order_id, r.outcome) for r in report.rows] == [
        (2, "20261005101", "created"), (3, "20261005102", "error")]
    assert HotlineOrder.objects.get(order_id="20261005101").via == "excel"


def test_hotline_refuses_a_csv_and_a_sheet_without_its_columns(db, tmp_path):
    from civicloop.hotline import services

    system, _key = services.create_system(name="12345 CSV")
    with translation.override("en"):
        report = services.import_workbook(system, io.BytesIO(write_csv(tmp_path / "x.csv").read_bytes()))
    assert "Unsupported file type .csv" in report.problem and not report.rows
    report = services.import_workbook(system, io.BytesIO(write_xlsx(tmp_path / "x.xlsx").read_bytes()))
    assert report.problem.startswith("缺少列") and not report.rows


def _departments_file(tmp_path, rows, *, drop: str = ""):
    from civicloop.setupdata.columns import KINDS, header_text

    columns = [c for c in KINDS["departments"].columns if c.key != drop]
    return write_xlsx(tmp_path / "departments.xlsx", [header_text(c, "zh-hans") for c in columns],
                      [[row.get(c.key) for c in columns] for row in rows])


def test_set_up_departments_load_from_xlsx_and_a_bad_row_refuses_the_file(db, tmp_path):
    from civicloop.org.models import Department
    from civicloop.setupdata import importing

    good = {"code": "sw-ods", "name": "新城水务公司", "kind": "专业部门"}
    bad = {"code": "sw-bad", "name": "", "kind": "专业部门"}
    with translation.override("zh-hans"):
        refused = importing.import_file("departments", _departments_file(tmp_path, [good, bad]))
        assert not refused.applied and not Department.objects.filter(code="sw-ods").exists()
        assert [(r.row, r.outcome) for r in refused.rows] == [(2, "added"), (3, "refused")]
        assert "部门名称" in refused.rows[1].reason
        loaded = importing.import_file("departments", _departments_file(tmp_path, [good]))
    assert loaded.applied and Department.objects.get(code="sw-ods").name == "新城水务公司"


def test_set_up_data_without_a_required_column_is_refused_whole(db, tmp_path):
    from civicloop.setupdata import importing

    with translation.override("zh-hans"):
        report = importing.import_file("departments", _departments_file(tmp_path, [{"code": "x"}], drop="name"))
    assert "部门名称" in report.problem and not report.rows and not report.applied


def test_history_loads_from_a_gbk_csv_with_each_bad_line_named(db, tmp_path):
    from django.template.loader import render_to_string

    from civicloop.cases import importing
    from tests.cases.test_importing import HEADER as CASE_HEADER
    from tests.cases.test_importing import MAPPING, row, write_mapping

    path = tmp_path / "cases.csv"
    with open(path, "w", encoding="gbk", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CASE_HEADER)
        writer.writeheader()
        writer.writerows([row("G1"), row("G2", 上报时间="昨天")])
    result = importing.import_cases(path, importing.load_mapping(write_mapping(tmp_path, MAPPING)))
    assert result.created == 1 and [(p.line, p.external_id) for p in result.problems] == [(3, "G2")]
    html = render_to_string("core/_row_problems.html", {"problems": result.problems})
    assert '<td class="num">3</td><td>上报时间</td><td>昨天</td><td>上报时间「昨天」不是可识别的时间' in html


def test_gazetteer_tables_read_from_ods_with_their_points(tmp_path):
    from civicloop.gazetteer import reading

    path = write_ods(tmp_path / "门牌.ods", ["名称", "经度", "纬度"], [["天马路1号", WENLAN[0], WENLAN[1]], None,
                                                                   ["天马路3号", "", ""]])
    info: dict = {}
    rows = [row for chunk in reading.chunks(path, fields={"name": ("名称",)}, crs="", layer="", sheet="", info=info)
            for row in chunk]
    assert [(r.number, r.values["name"]) for r in rows] == [(2, "天马路1号"), (4, "天马路3号")]
    assert rows[0].geometry.x == pytest.approx(WENLAN[0]) and rows[1].problem  # the second has no point
