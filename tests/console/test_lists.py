"""The case list over HTTP: filters, sort orders and pages, messages beside bad filters, saved views,
CSV and Excel export, and scope (a 草坝镇 operator never sees a 文澜街道 case)."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.console.models import SavedView
from civicloop.console.views import lists
from tests.conftest import CAOBA, WENLAN

BOM = b"\xef\xbb\xbf"


def report(description="路边垃圾桶满溢", point=WENLAN, **extra) -> Case:
    return services.report_case(actor=None, channel=extra.pop("channel", "citizen"), lon=point[0], lat=point[1],
                                description=description, **extra)


def references(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()[:2000]
    return [c.reference for c in response.context["page"].rows]


def walk(client, query: str, *, direction: str = "after") -> list[list[str]]:
    """Every page of a list, following the next (or previous) links the page itself offers."""
    pages, url = [], f"/console/cases/?{query}"
    while url:
        response = client.get(url)
        pages.append(references(response))
        page = response.context["page"]
        cursor = page.next_cursor if direction == "after" else page.prev_cursor
        url = f"/console/cases/?{query}&{direction}={cursor}" if cursor else None
        if cursor:  # the link is on the page, for keyboard and mouse alike
            assert f"{direction}={cursor}" in response.content.decode()
        assert len(pages) < 50
    return pages


# ---------------------------------------------------------------------------- the page and its filters


def test_the_list_needs_a_signed_in_person(client, db):
    for url in ("/console/cases/", "/console/cases.csv", "/console/cases.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/console/login/" in response["Location"], url


def test_each_row_links_to_its_case_with_light_state_and_place(signed_in):
    late = report("天马路暴露垃圾 逾期", category="06010", now=timezone.now() - timedelta(days=20))
    fresh = report("天马路暴露垃圾 新报")
    response = signed_in("operator").get("/console/cases/")
    html = response.content.decode()
    assert references(response)[:2] == [fresh.reference, late.reference]
    assert f'href="/console/cases/{late.reference}/"' in html
    row = re.search(rf'<tr data-reference="{late.reference}".*?</tr>', html, re.S).group(0)
    assert 'class="light red"' in row and "文澜街道" in row and "待受理" in row and "暴露垃圾" in row
    fresh_row = re.search(rf'<tr data-reference="{fresh.reference}".*?</tr>', html, re.S).group(0)
    assert 'class="light green"' in fresh_row


def test_filters_narrow_the_list(signed_in, persona):
    now = timezone.now()
    garbage = report("文澜 暴露垃圾 筛选", category="06010", now=now - timedelta(days=20))
    hotline = report("文澜 井盖缺失 热线", category="01001", channel="hotline", now=now - timedelta(days=10))
    caoba = report("草坝 占道经营 筛选", point=CAOBA)
    filed = report("文澜 已立案 筛选")
    services.file_case(filed, persona("operator"), category="06010")
    operator = signed_in("operator")

    def listed(query: str) -> set[str]:
        return set(references(operator.get(f"/console/cases/?{query}")))

    mine = {garbage.reference, hotline.reference, caoba.reference, filed.reference}
    assert listed("street=532503001") & mine == {garbage.reference, hotline.reference, filed.reference}
    assert listed("street=532503102") & mine == {caoba.reference}
    assert listed("category=06010") & mine == {garbage.reference, filed.reference}
    assert listed("channel=hotline") & mine == {hotline.reference}
    assert listed("state=filed") & mine == {filed.reference}
    assert listed("state=reported&q=筛选") == {garbage.reference, caoba.reference}
    assert listed("light=red") & mine == {garbage.reference, hotline.reference}
    assert listed("light=green") & mine == {caoba.reference, filed.reference}
    assert listed("kind=closed") & mine == set()
    assert listed("supervised=0&q=井盖缺失 热线") == {hotline.reference}
    assert listed("supervised=1") & mine == set()
    today = timezone.localdate()
    assert listed(f"reported_from={today - timedelta(days=12)}&reported_to={today - timedelta(days=8)}") & mine == {
        hotline.reference}
    assert listed(f"q={garbage.reference}") == {garbage.reference}
    community = Case.objects.get(pk=garbage.pk).community_id
    assert garbage.reference in listed(f"community={community}")


def test_bad_filters_are_explained_beside_their_fields_and_kept(signed_in):
    query = ("q=占道+经营&state=bogus&light=purple&street=999999999&category=99999&supervised=maybe"
             "&reported_from=2026-03-10&reported_to=2026-03-01&sort=sideways&limit=7")
    response = signed_in("operator").get(f"/console/cases/?{query}")
    assert response.status_code == 422
    html = response.content.decode()
    expected = {"state": "未知状态（bogus）", "light": "亮灯须为绿灯、黄灯或红灯", "street": "不是您范围内的街道",
                "category": "未知的事项分类", "supervised": "督办筛选须为", "reported_to": "结束日期早于开始日期",
                "sort": "未知的排序方式", "limit": "每页条数须为"}
    for field, message in expected.items():
        error = re.search(rf'id="id_{field}-error"[^>]*>([^<]*)<', html)
        assert error and message in error.group(1), (field, error and error.group(1))
        assert "/ " not in error.group(1)  # only the Chinese half
    # What was typed stays in the form, and nothing is listed until it is corrected.
    assert 'value="占道 经营"' in html
    assert '<option value="bogus" selected>bogus</option>' in html
    assert 'value="2026-03-10"' in html and 'aria-invalid="true"' in html
    assert response.context["page"] is None


def test_filter_messages_follow_the_language(signed_in):
    response = signed_in("operator", language="en").get("/console/cases/?state=bogus&reported_from=notadate")
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'id="id_state-error"[^>]*>unknown state bogus<', html)
    assert re.search(r'id="id_reported_from-error"[^>]*>Enter a valid date', html)


def test_a_deadline_sort_of_finished_cases_is_refused_with_a_reason(signed_in):
    response = signed_in("operator").get("/console/cases/?kind=closed&sort=deadline")
    assert response.status_code == 422
    assert "按时限排序只适用于办理中的案件" in response.content.decode()


# ---------------------------------------------------------------------------- sort orders and pages


@pytest.fixture
def many(db):
    """45 cases in 草坝镇 over 15 days, three at each instant (ties are where pagination breaks)."""
    start = timezone.now() - timedelta(days=15)
    cases = []
    for i in range(15):
        at = start + timedelta(days=i, hours=i % 5)
        cases += [report(f"草坝镇 分页 {i}-{j}", point=CAOBA, now=at) for j in range(3)]
    return cases


@pytest.mark.parametrize("sort", ["newest", "oldest", "deadline"])
def test_every_sort_pages_through_every_case_once_in_order(signed_in, many, sort):
    client = signed_in("operator_caoba")
    query = f"q=分页&sort={sort}&limit=20"
    pages = walk(client, query)
    seen = [ref for page in pages for ref in page]
    assert [len(p) for p in pages] == [20, 20, 5]
    assert len(seen) == len(set(seen)) == 45
    keyed = Case.objects.filter(reference__in=seen)
    expected = {
        "newest": keyed.order_by("-reported_at", "-id"),
        "oldest": keyed.order_by("reported_at", "id"),
        "deadline": keyed.order_by("stage_deadline", "id"),
    }[sort]
    assert seen == [c.reference for c in expected]
    # …and back again from the last page, through the previous-page links.
    last_page = client.get(f"/console/cases/?{query}&after={_cursor_to_last(client, query)}")
    backwards = [references(last_page)]
    cursor = last_page.context["page"].prev_cursor
    while cursor:
        response = client.get(f"/console/cases/?{query}&before={cursor}")
        backwards.insert(0, references(response))
        cursor = response.context["page"].prev_cursor
    assert backwards == pages


def _cursor_to_last(client, query) -> str:
    cursor, response = None, client.get(f"/console/cases/?{query}")
    while response.context["page"].next_cursor:
        cursor = response.context["page"].next_cursor
        response = client.get(f"/console/cases/?{query}&after={cursor}")
    return cursor


def test_the_deadline_sort_lists_running_clocks_only(signed_in, many):
    suspended_like = many[0]
    Case.objects.filter(pk=suspended_like.pk).update(stage_deadline=None, stage_warn_at=None)  # a paused clock
    refs = [r for page in walk(signed_in("operator_caoba"), "q=分页&sort=deadline&limit=50") for r in page]
    assert suspended_like.reference not in refs and len(refs) == 44


def test_a_cursor_from_another_sort_or_an_edited_one_falls_back_to_the_first_page(signed_in, many):
    client = signed_in("operator_caoba")
    cursor = client.get("/console/cases/?q=分页&sort=oldest&limit=20").context["page"].next_cursor
    for bad in (cursor, "garbage!!"):
        response = client.get(f"/console/cases/?q=分页&sort=newest&limit=20&after={bad}")
        assert response.status_code == 200
        assert references(response) == references(client.get("/console/cases/?q=分页&sort=newest&limit=20"))
        assert "分页位置无效" in response.content.decode()


def test_the_count_is_shown_and_capped(signed_in, many, monkeypatch):
    client = signed_in("operator_caoba")
    response = client.get("/console/cases/?q=分页")
    assert response.context["total"] == 45
    assert re.search(r'data-testid="total">[^<]*\b45\b', response.content.decode())
    monkeypatch.setattr(lists, "COUNT_CAP", 10)
    response = client.get("/console/cases/?q=分页")
    assert response.context["total"] == 11 and response.context["count_cap"] == 10


# ---------------------------------------------------------------------------- saved views


def test_a_person_saves_opens_and_deletes_their_own_views(signed_in):
    wenlan, caoba = signed_in("operator_wenlan"), signed_in("operator_caoba")
    response = wenlan.post("/console/views/", {"name": "  红灯  待受理 ", "query": "light=red&state=reported&after=xyz&evil=1"})
    assert response.status_code == 302 and response["Location"] == "/console/cases/?state=reported&light=red"
    view = SavedView.objects.get(owner__username="operator_wenlan")
    assert view.name == "红灯 待受理" and view.query == "state=reported&light=red"

    html = wenlan.get(response["Location"]).content.decode()
    assert 'href="/console/cases/?state=reported&amp;light=red" aria-current="page">红灯 待受理</a>' in html
    assert "红灯 待受理" not in caoba.get("/console/cases/").content.decode()

    # Saving under the same name replaces it.
    wenlan.post("/console/views/", {"name": "红灯 待受理", "query": "light=yellow"})
    assert SavedView.objects.get(pk=view.pk).query == "light=yellow"
    assert SavedView.objects.filter(owner__username="operator_wenlan").count() == 1

    # Someone else can neither see nor delete it; the owner can.
    assert caoba.post(f"/console/views/{view.pk}/delete").status_code == 404
    assert caoba.get(f"/console/views/{view.pk}/delete").status_code in (404, 405)
    assert SavedView.objects.filter(pk=view.pk).exists()
    response = wenlan.post(f"/console/views/{view.pk}/delete", {"query": "light=red"})
    assert response.status_code == 302 and response["Location"] == "/console/cases/?light=red"
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_without_a_name_is_refused_beside_the_field(signed_in):
    response = signed_in("operator_wenlan").post("/console/views/", {"name": "   ", "query": "state=filed&q=井盖"})
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'id="id_name-error"[^>]*>[^<]+<', html)
    assert 'name="query" value="state=filed&amp;q=井盖"' in html  # the filters to save, still there
    assert 'value="井盖"' in html  # the list behind it keeps the filters
    assert not SavedView.objects.filter(owner__username="operator_wenlan").exists()


def test_filters_with_mistakes_are_not_saved(signed_in):
    response = signed_in("operator_wenlan").post("/console/views/", {"name": "错的", "query": "state=bogus"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "当前筛选条件有误" in html and "未知状态（bogus）" in html
    assert not SavedView.objects.filter(owner__username="operator_wenlan").exists()


def test_there_is_a_limit_to_saved_views(signed_in, persona, monkeypatch):
    monkeypatch.setattr(lists, "MAX_SAVED_VIEWS", 2)
    client = signed_in("operator_wenlan")
    for name in ("一", "二"):
        assert client.post("/console/views/", {"name": name, "query": ""}).status_code == 302
    response = client.post("/console/views/", {"name": "三", "query": ""})
    assert response.status_code == 422 and "最多保存 2 个常用筛选" in response.content.decode()
    assert client.post("/console/views/", {"name": "二", "query": "light=red"}).status_code == 302  # replace is fine


# ---------------------------------------------------------------------------- export


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_has_a_bom_chinese_headers_and_the_filtered_rows(signed_in):
    garbage = report("文澜 导出 暴露垃圾", category="06010", now=timezone.now() - timedelta(days=20))
    report("文澜 导出 井盖", category="01001")
    evil = report("=HYPERLINK(\"http://x\") 导出 公式", category="06010")
    rows = _csv_rows(signed_in("operator").get("/console/cases.csv?q=导出&category=06010&sort=oldest"))
    header = rows[0]
    assert header[:4] == ["案件编号", "状态", "亮灯", "待审批"] and "上报时间" in header and "事项" in header
    assert [r[0] for r in rows[1:]] == [garbage.reference, evil.reference]
    first = dict(zip(header, rows[1]))
    assert first["状态"] == "待受理" and first["亮灯"] == "红灯" and first["街道"] == "文澜街道"
    assert first["事项代码"] == "06010" and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d$", first["上报时间"])
    assert dict(zip(header, rows[2]))["描述"].startswith("'=HYPERLINK")  # not a formula in Excel


def test_csv_headers_are_english_when_the_person_reads_english(signed_in):
    report("文澜 导出 英文")
    rows = _csv_rows(signed_in("operator", language="en").get("/console/cases.csv?q=导出 英文"))
    assert rows[0][:3] == ["Reference", "State", "Light"]
    assert rows[1][1] == "reported"


def test_xlsx_export_opens_in_excel_with_the_rows(signed_in):
    cases = [report(f"文澜 表格导出 {i}") for i in range(3)]
    response = signed_in("operator").get("/console/cases.xlsx?q=表格导出")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and sheet.title == "案件"
    assert [r[0] for r in rows[1:]] == [c.reference for c in reversed(cases)]
    reported = rows[1][rows[0].index("上报时间")]
    assert reported == timezone.localtime(cases[-1].reported_at).replace(tzinfo=None, microsecond=0)


def test_a_large_export_is_cut_with_a_note(signed_in, monkeypatch):
    for i in range(4):
        report(f"文澜 截断导出 {i}")
    monkeypatch.setattr(lists, "XLSX_MAX_ROWS", 3)
    monkeypatch.setattr(lists, "CSV_MAX_ROWS", 2)
    client = signed_in("operator")
    rows = list(load_workbook(io.BytesIO(client.get("/console/cases.xlsx?q=截断导出").content)).active.values)
    assert len(rows) == 1 + 3 + 1 and "仅导出了前 3 条" in rows[-1][0]
    rows = _csv_rows(client.get("/console/cases.csv?q=截断导出"))
    assert len(rows) == 1 + 2 + 1 and "仅导出了前 2 条" in rows[-1][0]


def test_an_export_with_a_bad_filter_goes_back_to_the_list(signed_in):
    response = signed_in("operator").get("/console/cases.csv?state=bogus&after=abc")
    assert response.status_code == 302 and response["Location"] == "/console/cases/?state=bogus"
    assert signed_in("operator").get("/console/cases.pdf").status_code == 404


# ---------------------------------------------------------------------------- scope


def test_a_caoba_operator_never_sees_a_wenlan_case(signed_in):
    wenlan = report("文澜街道 范围测试 垃圾")
    caoba = report("草坝镇 范围测试 垃圾", point=CAOBA)
    client = signed_in("operator_caoba")
    assert wenlan.reference not in references(client.get("/console/cases/"))
    assert references(client.get(f"/console/cases/?q={wenlan.reference}")) == []
    assert references(client.get("/console/cases/?q=范围测试")) == [caoba.reference]
    # Asking for the other street by its code is refused, not answered.
    response = client.get("/console/cases/?street=532503001")
    assert response.status_code == 422 and "不是您范围内的街道" in response.content.decode()
    exported = [r[0] for r in _csv_rows(client.get("/console/cases.csv?q=范围测试"))[1:]]
    assert exported == [caoba.reference]
    sheet = load_workbook(io.BytesIO(client.get("/console/cases.xlsx").content)).active
    assert wenlan.reference not in [r[0] for r in sheet.values]
    # The street choices are only their own.
    html = client.get("/console/cases/").content.decode()
    assert 'value="532503102"' in html and 'value="532503001"' not in html
    assert [r[0] for r in _csv_rows(signed_in("operator_wenlan").get("/console/cases.csv?q=范围测试"))[1:]] == [
        wenlan.reference]
