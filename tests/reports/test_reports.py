"""Reports: the workbook and the PDF show exactly what metrics() says, the schedule writes each
finished period once, the CLI writes a file, and only city-wide leaders get any of it.

Four cases in November 2026 (Tue 10th), read at Thu 12th 09:00 (Asia/Shanghai):
A 文澜 inspector 06010: the whole loop on time (hwz).   B 文澜 citizen: handled late on the 11th.
C 草坝 inspector, 自行处置, closed 09:30.                D 草坝 hotline 07001: dispatched to cgj, never handled.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from civicloop.cases import services as cases
from civicloop.evaluation import queries, rollup
from civicloop.evaluation.periods import parse
from civicloop.reports import excel, services
from civicloop.reports.fonts import FontMissing
from civicloop.reports.models import Report
from tests.conftest import CAOBA, WENLAN

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 12, 9, 0, tzinfo=SH)
MONTH = parse("2026-11")


def at(text: str, day: str = "2026-11-10") -> datetime:
    return datetime.fromisoformat(f"{day} {text}").replace(tzinfo=SH)


@pytest.fixture
def november(persona):
    p = persona

    def report(who, where, *, channel="inspector", category="06010", self_handled=False):
        return cases.report_case(actor=p(who) if who else None, channel=channel, lon=where[0], lat=where[1],
                                 description="问题", category=category, self_handled=self_handled, now=at("09:00"))

    def loop(case, *, handled, handler="handler_hwz", department=None):
        cases.file_case(case, p("operator"), category=case.category_id or "06010", now=at("09:10"))
        cases.dispatch_case(case, p("dispatcher"), department=department, now=at("09:20"))
        cases.sign_case(case, p(handler), now=at("09:30"))
        if handled:
            cases.handle_case(case, p(handler), note="好了", now=handled)
            cases.check_fix(case, p("inspector_001"), passed=True, now=handled.replace(minute=10))
            cases.close_case(case, p("leader"), now=handled.replace(minute=20))

    loop(report("inspector_001", WENLAN), handled=at("11:00"))
    loop(report(None, WENLAN, channel="citizen", category=None), handled=at("10:00", "2026-11-11"))
    cases.close_case(report("inspector_102", CAOBA, self_handled=True), p("leader"), now=at("09:30"))
    loop(report("operator", CAOBA, channel="hotline", category="07001"), handled=None, handler="handler_cgj",
         department="cgj")
    rollup.refresh()


@pytest.fixture
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    return settings.REPORTS_ROOT


def workbook(period=MONTH):
    return load_workbook(io.BytesIO(services.build(period, "xlsx", now=NOW).content))


def headers(sheet) -> list[str]:
    return [c.value.split("\n")[0] for c in sheet[1] if c.value]


# ---------------------------------------------------------------------------- Excel


def test_the_workbook_has_one_sheet_per_view_with_chinese_headers(november):
    book = workbook()
    assert book.sheetnames == ["总体", "按部门", "按街道", "按类别", "按来源", "综合评价", "红黑榜"]
    departments = book["按部门"]
    assert headers(departments)[:5] == ["名称", "部门代码", "上报数", "立案数", "派遣数"]
    assert "按期结案率" in headers(departments) and departments["C1"].value == "上报数\nreports"
    assert departments["A1"].font.bold and departments.freeze_panes == "C2"
    assert departments.column_dimensions["A"].width >= 8
    rate = departments.cell(row=2, column=3 + excel.layout.COLUMNS.index("close_on_time_rate"))
    assert rate.number_format == "0.00%"
    assert headers(book["综合评价"])[:5] == ["对象", "名称", "代码", "综合得分", "等级"]
    assert headers(book["红黑榜"])[:4] == ["对象", "榜单", "名次", "名称"]
    summary = book["总体"]
    assert summary["A1"].value.startswith("蒙自市数字城管月报 2026-11") and summary.freeze_panes == "A5"
    assert len(summary._charts) == 2  # the trend line and the departments' 按期结案率 bars


def sheet_rows(sheet) -> dict[str, dict]:
    """{code: {Chinese header: value}} of a dimension sheet."""
    names = headers(sheet)
    return {row[1] or "": dict(zip(names, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}


def as_percent(value) -> Decimal | None:
    return None if value is None else Decimal(str(round(value * 100, 2))).quantize(Decimal("0.01"))


@pytest.mark.parametrize("sheet, by", [("按部门", "department"), ("按街道", "street"), ("按类别", "category"),
                                       ("按来源", "channel")])
def test_every_dimension_sheet_equals_metrics(november, sheet, by):
    rows = sheet_rows(workbook()[sheet])
    expected = queries.metrics(MONTH, by, now=NOW)
    assert set(rows) == {r.key for r in expected}
    for row in expected:
        cells = rows[row.key]
        assert cells["名称"] == row.label
        for name in excel.layout.COLUMNS:
            value = cells[excel.layout.zh(name)]
            if excel.layout.is_rate(name):
                assert as_percent(value) == row[name], (row.key, name)
            else:
                assert value == row[name], (row.key, name)


def test_the_summary_sheet_has_every_city_figure(november):
    city, = queries.metrics(MONTH, now=NOW)
    summary = workbook()["总体"]
    values = {r[0]: r[1] for r in summary.iter_rows(min_row=5, max_col=2, values_only=True) if r[0]}
    assert values["上报数"] == city["reported"] == 4
    assert values["自行处置数"] == 1 and values["派遣数"] == 3 and values["超期未处置数"] == 1
    assert values["应结案数"] == city["should_close"] == 2 and values["结案数"] == 2
    assert as_percent(values["按期结案率"]) == city["close_on_time_rate"] == Decimal("100.00")
    # 应处置 3 (A, B and D overdue), handled on time only A: B was late, D never
    assert as_percent(values["按期处置率"]) == city["handle_on_time_rate"] == Decimal("33.33")
    assert as_percent(values["办结率"]) == city["conclusion_rate"] == Decimal("75.00")  # (2 + 1) / 4
    trend = {r[4]: (r[5], r[6]) for r in summary.iter_rows(min_row=5, min_col=1, max_col=7, values_only=True) if r[4]}
    assert trend["11-10"] == (4, 2) and trend["11-11"] == (0, 1)
    assert len(trend) == 12  # 1–12 November: the days still to come are not drawn as zeros


def test_the_ranking_sheet_marks_the_red_and_black_lists(november):
    sheet = workbook()["红黑榜"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    ranked = queries.ranking(MONTH, "department", now=NOW)
    departments = [r for r in rows if r[0] == "部门 departments"]
    assert [r[3] for r in departments] == [r["label"] for r in ranked]
    assert [str(Decimal(str(r[4])).quantize(Decimal("0.01"))) for r in departments] == [r["score"] for r in ranked]


# ---------------------------------------------------------------------------- PDF


@pytest.fixture
def pdf_bytes(november) -> bytes:
    return services.build(MONTH, "pdf", now=NOW).content


def test_the_pdf_has_four_sections_and_embeds_the_chinese_font(pdf_bytes):
    assert pdf_bytes.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 4
    first = reader.pages[0].extract_text()
    assert "蒙自市数字城管月报 2026-11" in first and "上报数" in first and "按期结案率" in first
    assert "按部门" in reader.pages[1].extract_text() and "红黑榜" in reader.pages[3].extract_text()
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object() for f in fonts.values()]
    descendants = [d.get_object() for f in embedded for d in f.get("/DescendantFonts", [])] + embedded
    assert any("/FontFile2" in d.get("/FontDescriptor", {}) for d in descendants)  # TrueType glyphs inside


def test_a_pdf_page_renders_with_chinese_glyphs(pdf_bytes, tmp_path):
    """Kept as an artifact: <tmp>/report-page-1.png (look at it: Chinese, not boxes)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm missing: scripts/ensure-system-packages.sh installs poppler-utils")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(tmp_path / "report-page-1")], check=True, capture_output=True)
    png = tmp_path / "report-page-1.png"
    from PIL import Image

    with Image.open(png) as image:
        assert image.size[0] > 600
        dark = sum(image.convert("L").histogram()[:128])
    assert dark > 5000  # text and charts drawn, not an empty page
    print(f"\nPDF page 1 rendered: {png}")


def test_a_missing_font_is_named_clearly(settings):
    settings.REPORT_FONT = "/nowhere/simhei.ttf"
    with pytest.raises(FontMissing, match="CIVICLOOP_REPORT_FONT"):
        services.build(MONTH, "pdf", now=NOW)


# ---------------------------------------------------------------------------- schedule


def test_the_schedule_writes_each_finished_period_once(november, reports_root):
    assert services.generate_due(now=at("00:30", "2026-11-12")) == 10  # days 9–11, week 45, October × 2 formats
    kept = set(Report.objects.values_list("kind", "period", "format"))
    assert {("day", "2026-11-11", "pdf"), ("week", "2026-W45", "xlsx"), ("month", "2026-10", "pdf")} <= kept
    assert all(services.path_of(r).stat().st_size == r.size for r in Report.objects.all())
    assert services.generate_due(now=at("09:00", "2026-11-12")) == 0
    assert services.generate_due(now=at("00:10", "2026-11-13")) == 2  # only the 12th is new
    assert Report.objects.count() == 12
    day = load_workbook(services.path_of(Report.objects.get(period="2026-11-10", format="xlsx")))
    assert day["总体"]["A1"].value.startswith("蒙自市数字城管日报 2026-11-10")


def test_the_worker_job_runs_only_when_scheduled(settings, reports_root):
    schedule = services.Schedule()
    settings.REPORTS_SCHEDULE = False
    assert schedule() == 0 and not Report.objects.exists()
    settings.REPORTS_SCHEDULE = True
    assert schedule() == 10
    assert schedule() == 0  # the same day: not even a query


# ---------------------------------------------------------------------------- CLI


def test_the_cli_writes_the_file_and_prints_its_path(november, tmp_path):
    out, target = io.StringIO(), tmp_path / "out" / "november.xlsx"
    call_command("report", period="2026-11", format="xlsx", out=str(target), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == str(target)
    assert load_workbook(target)["总体"]["A1"].value.startswith("蒙自市数字城管月报")


@pytest.mark.parametrize("period, message", [("2026-13", "无法识别的统计周期"), ("next-year", "unknown period"),
                                             ("2099-01", "尚未开始"), ("2020-01-01..2026-01-01", "at most 366 days")])
def test_the_cli_explains_a_bad_period(db, period, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", period=period, format="pdf", stdout=io.StringIO())


# ---------------------------------------------------------------------------- console


@pytest.mark.parametrize("username", ["leader", "commander", "admin"])
def test_city_wide_leaders_see_the_reports_page(signed_in, username, reports_root):
    page = signed_in(username).get("/console/reports/")
    assert page.status_code == 200
    assert 'href="/console/reports/"' in page.content.decode()  # in the header too


def test_a_leader_downloads_a_scheduled_report(november, signed_in, reports_root):
    services.store("month", parse("2026-10"), "pdf", now=NOW)
    report = Report.objects.get()
    client = signed_in("leader")
    assert "2026-10" in client.get("/console/reports/").content.decode()
    response = client.get(f"/console/reports/{report.pk}/download")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_form_builds_a_report_in_the_request(november, signed_in):
    response = signed_in("commander").get("/console/reports/make", {"period": "2026-11", "format": "xlsx"})
    assert response.status_code == 200
    assert 'filename="civicloop-month-2026-11.xlsx"' in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content))["总体"]["A1"].value.startswith("蒙自市数字城管月报")


def test_a_bad_period_gets_a_clear_message_in_chinese_and_english(signed_in):
    response = signed_in("leader").get("/console/reports/make", {"period": "上个月", "format": "pdf"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "无法识别的统计周期" in page and "unknown period" in page and 'aria-invalid="true"' in page


@pytest.mark.parametrize("username", ["operator_wenlan", "handler_hwz", "inspector_001", "gridworker",
                                      "operator", "dispatcher"])
def test_staff_without_city_wide_leadership_are_refused(november, signed_in, reports_root, username):
    services.store("day", parse("2026-11-10"), "xlsx", now=NOW)
    report = Report.objects.get()
    client = signed_in(username)
    for url in ("/console/reports/", "/console/reports/make?period=2026-11&format=xlsx",
                f"/console/reports/{report.pk}/download"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"PK" not in response.content[:2]
    assert 'href="/console/reports/"' not in client.get("/console/cases/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/console/reports/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]
