"""History import: real CSV and Excel files, a TOML mapping, bad rows named, re-runs idempotent,
and imported events the same as the ones the workflow writes for the same history."""
from __future__ import annotations

import csv
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.cases import importing, services
from civicloop.cases.models import Case, CaseEvent
from civicloop.lib import coords
from civicloop.lib.importmap import MappingError, parse_mapping
from tests.conftest import WENLAN

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
BEIJING = (116.397, 39.909)

MAPPING = """
source = "egova-2025"
crs = "wgs84"
date_formats = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"]

[fields]
external_id = "案卷号"
channel = { column = "来源", values = { "监督员上报" = "inspector", "公众举报" = "citizen", "12345" = "hotline" }, default = "other" }
category = { column = "小类", values = { "暴露垃圾" = "06010" } }
description = "问题描述"
address = "地址"
lon = "经度"
lat = "纬度"
department = { column = "处置部门", match = "name" }
state = { column = "状态", values = { "已结案" = "closed", "作废" = "void", "不予立案" = "not_filed", "处置中" = "open", "自行处置" = "self_handled", "缓办" = "suspended" } }
reported_at = "上报时间"
filed_at = "立案时间"
dispatched_at = "派遣时间"
signed_at = "签收时间"
handled_at = "处置时间"
checked_at = "核查时间"
closed_at = "结案时间"
handle_deadline = "处置时限"
close_deadline = "结案时限"
"""
HEADER = ["案卷号", "来源", "小类", "问题描述", "地址", "经度", "纬度", "处置部门", "状态", "上报时间", "立案时间",
          "派遣时间", "签收时间", "处置时间", "核查时间", "结案时间", "处置时限", "结案时限"]


def row(external_id: str, **values) -> dict:
    base = {"案卷号": external_id, "来源": "监督员上报", "小类": "暴露垃圾", "问题描述": "路边有暴露垃圾", "地址": "天马路12号",
            "经度": WENLAN[0], "纬度": WENLAN[1], "处置部门": "环境卫生管理站", "状态": "已结案",
            "上报时间": "2026-11-24 09:00:00", "立案时间": "2026-11-24 09:10:00", "派遣时间": "2026-11-24 09:20:00",
            "签收时间": "2026-11-24 09:30:00", "处置时间": "2026-11-24 11:00:00", "核查时间": "2026-11-24 11:10:00",
            "结案时间": "2026-11-24 11:30:00", "处置时限": "", "结案时限": ""}
    base.update(values)
    return base


def write_csv(path, rows: list[dict], header=HEADER):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_mapping(tmp_path, text: str = MAPPING):
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path, rows: list[dict], mapping: str = MAPPING, **kwargs) -> importing.Result:
    source = write_csv(tmp_path / "cases.csv", rows)
    return importing.import_cases(source, importing.load_mapping(write_mapping(tmp_path, mapping)), **kwargs)


def imported(external_id: str) -> Case:
    return Case.objects.get(source="egova-2025", external_id=external_id)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# ---------------------------------------------------------------------------- good rows


def test_a_closed_case_gets_the_whole_loop_with_verdicts_and_departments(tmp_path):
    result = run(tmp_path, [row("A1")])
    assert (result.created, result.problems, result.present) == (1, [], [])
    case = imported("A1")
    assert (case.state, case.kind, case.category_id, case.department_id, case.street_id) == (
        "closed", "closed", "06010", "hwz", "532503001")
    assert case.closed_at == at("2026-11-24 11:30") and case.filed_at == at("2026-11-24 09:10")
    assert case.reference.startswith("532503-20261124-")
    events = list(case.events.values_list("action", "stage", "on_time", "department_id", "actor_role"))
    assert events == [
        ("report", "", None, None, "inspector"), ("file", "file", True, None, "operator"),
        ("dispatch", "dispatch", True, "hwz", "dispatcher"), ("sign", "", None, "hwz", "handler"),
        ("handle", "handle", True, "hwz", "handler"), ("check", "check", True, "hwz", "inspector"),
        ("close", "close", True, "hwz", "shift_leader"),
    ]
    assert case.handle_on_time and case.close_on_time and case.stage == ""


@pytest.mark.parametrize("state, values, final, actions", [
    ("作废", {"立案时间": "", "派遣时间": "", "签收时间": "", "处置时间": "", "核查时间": ""}, "void",
     ["report", "request_void", "approve_void"]),
    ("不予立案", {"立案时间": "", "派遣时间": "", "签收时间": "", "处置时间": "", "核查时间": ""}, "not_filed",
     ["report", "not_file"]),
    ("自行处置", {"立案时间": "", "派遣时间": "", "签收时间": "", "处置时间": "", "核查时间": ""}, "self_handled",
     ["report", "close"]),
    ("处置中", {"处置时间": "", "核查时间": "", "结案时间": ""}, "in_progress",
     ["report", "file", "dispatch", "sign"]),
    ("缓办", {"处置时间": "", "核查时间": "", "结案时间": ""}, "suspended",
     ["report", "file", "dispatch", "sign", "request_suspension", "approve_suspension"]),
])
def test_each_outcome_takes_the_workflows_own_path(tmp_path, state, values, final, actions):
    run(tmp_path, [row("B1", 状态=state, **values)])
    case = imported("B1")
    assert list(case.events.values_list("action", flat=True)) == actions
    expected_state = "closed" if final == "self_handled" else final
    assert case.state == expected_state
    assert case.self_handled == (final == "self_handled")


def test_missing_desk_steps_happen_at_once_and_missing_field_steps_by_the_next_record(tmp_path):
    run(tmp_path, [row("C1", 立案时间="", 签收时间="", 处置时间="", 核查时间="")])
    times = dict(imported("C1").events.values_list("action", "created_at"))
    assert times["file"] == times["report"] == at("2026-11-24 09:00")
    assert times["sign"] == times["dispatch"] == at("2026-11-24 09:20")
    assert times["handle"] == times["check"] == times["close"] == at("2026-11-24 11:30")


def test_source_deadlines_decide_handling_and_closing_on_time(tmp_path):
    # 06010 is 4 working hours here: handled at 16:00 is late by our limit, on time by the source's.
    run(tmp_path, [
        row("D1", 处置时间="2026-11-24 16:00:00", 核查时间="2026-11-24 16:10:00", 结案时间="2026-11-25 10:00:00",
            处置时限="2026-11-24 17:00:00", 结案时限="2026-11-25 09:00:00"),
        row("D2", 状态="处置中", 处置时间="", 核查时间="", 结案时间="", 处置时限="2026-11-26 18:00:00"),
    ])
    late_close = imported("D1")
    assert (late_close.handle_on_time, late_close.close_on_time) == (True, False)
    assert dict(late_close.events.filter(stage__in=["handle", "close"]).values_list("stage", "on_time")) == {
        "handle": True, "close": False}
    still_open = imported("D2")
    assert still_open.stage == "handle" and still_open.stage_deadline == at("2026-11-26 18:00")


def test_gcj02_points_are_stored_in_wgs84(tmp_path):
    lon, lat = coords.wgs84_to_gcj02(*WENLAN)
    assert abs(lon - WENLAN[0]) > 0.001  # the offset is real (hundreds of metres)
    run(tmp_path, [row("E1", 经度=f"{lon:.7f}", 纬度=f"{lat:.7f}")], MAPPING.replace('crs = "wgs84"', 'crs = "gcj02"'))
    case = imported("E1")
    assert abs(case.lon - WENLAN[0]) < 1e-5 and abs(case.lat - WENLAN[1]) < 1e-5


def test_an_excel_export_loads_with_date_cells_and_numeric_ids(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "案件"
    sheet.append(HEADER)
    values = row("x")
    values.update({"案卷号": 20240001, "上报时间": datetime(2026, 11, 24, 9, 0), "结案时间": "2026/11/24 11:30"})
    sheet.append([values[h] for h in HEADER])
    path = tmp_path / "cases.xlsx"
    book.save(path)
    result = importing.import_cases(path, importing.load_mapping(write_mapping(tmp_path, 'sheet = "案件"\n' + MAPPING)))
    assert result.created == 1, result.problems
    case = imported("20240001")
    assert case.reported_at == at("2026-11-24 09:00") and case.closed_at == at("2026-11-24 11:30")


def test_a_point_outside_the_city_uses_the_mappings_fallback_point(tmp_path):
    mapping = MAPPING + f"\n[fallback_point]\nlon = {WENLAN[0]}\nlat = {WENLAN[1]}\ncrs = \"wgs84\"\n"
    result = run(tmp_path, [row("F1", 经度=BEIJING[0], 纬度=BEIJING[1])], mapping)
    assert result.created == 1, result.problems
    assert imported("F1").street_id == "532503001"


# ---------------------------------------------------------------------------- the same as the workflow


def test_imported_events_equal_what_the_workflow_writes_for_the_same_history(tmp_path, persona):
    """Handled late by our 4-working-hour limit (deadline 13:20), so verdicts differ by stage."""
    times = {"report": "2026-11-24 09:00", "file": "2026-11-24 09:10", "dispatch": "2026-11-24 09:20",
             "sign": "2026-11-24 09:30", "handle": "2026-11-24 16:00", "check": "2026-11-24 16:10",
             "close": "2026-11-24 16:30"}
    inspector, handler = persona("inspector_001"), persona("handler_hwz")
    live = services.report_case(actor=inspector, channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                                description="路边有暴露垃圾", category="06010", address="天马路12号",
                                now=at(times["report"]))
    services.file_case(live, persona("operator"), now=at(times["file"]))
    services.dispatch_case(live, persona("dispatcher"), department="hwz", now=at(times["dispatch"]))
    services.sign_case(live, handler, now=at(times["sign"]))
    services.handle_case(live, handler, note="已清运", now=at(times["handle"]))
    services.check_fix(live, inspector, passed=True, now=at(times["check"]))
    services.close_case(live, persona("leader"), now=at(times["close"]))

    run(tmp_path, [row("G1", 上报时间=times["report"] + ":00", 立案时间=times["file"] + ":00",
                       派遣时间=times["dispatch"] + ":00", 签收时间=times["sign"] + ":00",
                       处置时间=times["handle"] + ":00", 核查时间=times["check"] + ":00", 结案时间=times["close"] + ":00")])
    fields = ["seq", "action", "actor_role", "from_state", "to_state", "pending_from", "pending_to", "stage",
              "on_time", "department_id", "created_at", "data"]
    live_events = list(CaseEvent.objects.filter(case=live).values(*fields))
    assert [e["on_time"] for e in live_events if e["stage"]] == [True, True, False, True, True]
    assert list(CaseEvent.objects.filter(case=imported("G1")).values(*fields)) == live_events
    columns = ["state", "kind", "pending", "lon", "lat", "grid_id", "community_id", "street_id", "category_id",
               "priority", "department_id", "self_handled", "rework_count", "reported_at", "filed_at",
               "dispatched_at", "signed_at", "handled_at", "checked_at", "closed_at", "updated_at", "stage",
               "stage_deadline", "verify_on_time", "file_on_time", "dispatch_on_time", "handle_on_time",
               "check_on_time", "close_on_time", "version", "description", "address", "channel"]
    assert Case.objects.filter(pk=imported("G1").pk).values(*columns).get() == \
        Case.objects.filter(pk=live.pk).values(*columns).get()


# ---------------------------------------------------------------------------- bad rows, re-runs


def test_bad_rows_are_named_with_line_and_reason_and_good_rows_still_load(tmp_path):
    result = run(tmp_path, [
        row("H1"),                                            # line 2
        row("H2", 上报时间="2026-13-45 09:00:00"),             # line 3
        row("H3", 小类="不存在的分类"),                        # line 4
        row("H4", 经度=BEIJING[0], 纬度=BEIJING[1]),          # line 5
        row("H5", 结案时间="2026-11-23 08:00:00"),             # line 6
        row("H1", 问题描述="重复一次"),                        # line 7
        row("H6", 状态="不知道"),                              # line 8
        row("H7"),                                            # line 9
    ])
    assert result.created == 2 and sorted(Case.objects.filter(source="egova-2025").values_list("external_id", flat=True)) == ["H1", "H7"]
    messages = {p.line: str(p) for p in result.problems}
    assert sorted(messages) == [3, 4, 5, 6, 7, 8]
    assert messages[3].startswith("第3行：上报时间「2026-13-45 09:00:00」不是可识别的时间") and "line 3: reported_at" in messages[3]
    assert messages[4].startswith("第4行：未知的事项分类「不存在的分类」") and "unknown category" in messages[4]
    assert messages[5].startswith("第5行：位置不在") and "outside the city" in messages[5]
    assert messages[6] == "第6行：结案时间早于上报时间 / line 6: closed before reported"
    assert messages[7] == "第7行：外部编号与第2行重复 / line 7: the external id repeats line 2"
    assert "第8行：无法识别的案件状态「不知道」" in messages[8]
    assert {p.external_id for p in result.problems} == {"H2", "H3", "H4", "H5", "H1", "H6"}
    assert {p.line: (p.column, p.value) for p in result.problems} == {
        3: ("上报时间", "2026-13-45 09:00:00"), 4: ("小类", "不存在的分类"), 5: ("", ""),
        6: ("结案时间", "2026-11-23 08:00:00"), 7: ("", ""), 8: ("状态", "不知道")}


def test_a_rerun_doubles_nothing_and_reports_rows_as_already_present(tmp_path):
    rows = [row("J1"), row("J2", 状态="处置中", 处置时间="", 核查时间="", 结案时间="")]
    first = run(tmp_path, rows)
    counts = (Case.objects.count(), CaseEvent.objects.count())
    again = run(tmp_path, rows + [row("J3")])
    assert first.created == 2 and again.created == 1
    assert again.present == [(2, "J1"), (3, "J2")]
    assert Case.objects.count() == counts[0] + 1
    assert CaseEvent.objects.count() == counts[1] + 7


def test_batches_number_each_day_in_step_with_live_reports(tmp_path, persona):
    run(tmp_path, [row(f"K{i}") for i in range(5)], batch=2)
    live = services.report_case(actor=persona("operator"), channel="hotline", lon=WENLAN[0], lat=WENLAN[1],
                                description="垃圾", now=at("2026-11-24 12:00"))
    references = sorted(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == 6 and live.reference == "532503-20261124-000006"


def test_a_mapped_column_missing_from_the_file_stops_before_any_row(tmp_path):
    source = write_csv(tmp_path / "cases.csv", [row("L1")], header=[h for h in HEADER if h != "案卷号"])
    with pytest.raises(MappingError) as caught:
        importing.import_cases(source, importing.load_mapping(write_mapping(tmp_path)))
    assert "文件中没有映射的列「案卷号」" in str(caught.value)
    assert not Case.objects.filter(source="egova-2025").exists()


def test_a_mapping_without_a_required_field_is_refused():
    with pytest.raises(MappingError) as caught:
        parse_mapping({"source": "x", "fields": {"state": "状态", "lon": "x", "lat": "y", "reported_at": "t"}})
    assert caught.value.problems == [
        "映射缺少必填字段 external_id（外部编号）/ the mapping lacks the required field external_id"]


# ---------------------------------------------------------------------------- the command


def test_the_command_prints_the_summary_and_each_bad_row(tmp_path):
    source = write_csv(tmp_path / "cases.csv", [row("M1"), row("M2", 结案时间="2026-11-23 08:00:00")])
    out = StringIO()
    call_command("import_cases", str(source), mapping=str(write_mapping(tmp_path)), errors=str(tmp_path / "bad.csv"),
                 stdout=out)
    text = out.getvalue()
    assert "新增 imported 1" in text and "错误 bad 1" in text
    assert "第3行：结案时间早于上报时间 / line 3: closed before reported" in text
    assert "M2" in (tmp_path / "bad.csv").read_text(encoding="utf-8-sig")


def test_the_civicloop_entry_point_takes_dashes_and_refuses_a_bad_mapping(tmp_path, capsys, monkeypatch):
    from django.db import connections

    from civicloop import cli

    # A command run from argv closes the connections when done, which would end this test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    source = write_csv(tmp_path / "cases.csv", [row("N1")])
    cli.main(["civicloop", "import-cases", str(source), "--mapping", str(write_mapping(tmp_path))])
    assert "新增 imported 1" in capsys.readouterr().out
    cli.main(["civicloop", "import-cases", str(source), "--mapping", str(write_mapping(tmp_path))])
    assert "已存在 already present 1" in capsys.readouterr().out
    bad = write_mapping(tmp_path, 'source = "x"\n[fields]\nstate = "状态"\n')
    with pytest.raises(CommandError, match="映射缺少必填字段 external_id"):
        call_command("import_cases", str(source), mapping=str(bad))


def test_source_references_are_kept_and_one_already_used_is_named(tmp_path, persona):
    live = services.report_case(actor=persona("operator"), channel="hotline", lon=WENLAN[0], lat=WENLAN[1],
                                description="垃圾", now=at("2026-11-24 08:00"))
    mapping = MAPPING.replace('external_id = "案卷号"', 'external_id = "案卷号"\nreference = "案卷编号"')
    header = HEADER + ["案卷编号"]
    source = write_csv(tmp_path / "cases.csv", [row("P1", 案卷编号="MZ2019-0001"), row("P2", 案卷编号=live.reference),
                                                row("P3", 案卷编号="532503-20261125-000040")], header=header)
    result = importing.import_cases(source, importing.load_mapping(write_mapping(tmp_path, mapping)))
    assert imported("P1").reference == "MZ2019-0001"
    assert [str(p) for p in result.problems] == [
        f"第3行：案件编号 {live.reference} 已被其他案件使用 / line 3: reference {live.reference} is already in use"]
    # A reference in our own format claims its serial: the next live report that day gets the one after.
    later = services.report_case(actor=persona("operator"), channel="hotline", lon=WENLAN[0], lat=WENLAN[1],
                                 description="垃圾", now=at("2026-11-25 08:00"))
    assert later.reference == "532503-20261125-000041"


def test_a_dry_run_checks_every_row_and_saves_nothing(tmp_path):
    result = run(tmp_path, [row("Q1"), row("Q2", 小类="不存在的分类")], dry_run=True)
    assert result.created == 1 and len(result.problems) == 1
    assert not Case.objects.filter(source="egova-2025").exists()


def test_after_an_import_the_metrics_counters_take_in_the_history(tmp_path):
    evaluation = pytest.importorskip("civicloop.evaluation.models")
    run(tmp_path, [row("R1")])
    state = evaluation.RollupState.objects.get(pk=1)
    assert state.last_event_id == CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()
