"""Every metric on thirteen cases driven through the real services, each value worked out by hand.

Limits (demo city): 核实, 立案, 派遣, 核查 30 working minutes; 结案 1 working hour; 处置 of 06010
暴露垃圾 4 working hours, of 07001 小广告 1 working day (7 h). Working time 08:30–12:00, 14:30–18:00.
Tue 24 Nov 2026 unless said; the figures are read for 2026-11 at Thu 26 Nov 09:00.

C1  文澜 inspector 06010: report 09:00, file 09:10 ✓, dispatch 09:20 ✓ (hwz), handle 11:00 ✓, check 11:10 ✓, close 11:20 ✓
C2  文澜 citizen, no category: report 09:00; file 10:00 ✗ as 06010 in another grid; dispatch 10:05 ✓;
    handle 25th 10:00 ✗ (deadline 24th 16:35); check 10:10 ✓; close 12:00 ✗ (deadline 11:10)
C3  文澜 inspector: file 09:05 ✓, dispatch 09:10 ✓, handle 10:00 ✓, check fails 10:10 ✓ (返工), handle 11:00 ✓,
    check 11:05 ✓, close 11:10 ✓
C4  文澜 citizen 06010: 派发核实 09:05, verified real 09:20 ✓, file 09:30 ✓, dispatch 11:00 ✗, signed, never
    handled (deadline 17:30: overdue)
C5  文澜 citizen: 派发核实 09:05, verified not real 10:00 ✗, 不予立案 10:05 ✓
C6  草坝 inspector self-handled: close 09:30 ✓            C7  草坝 inspector self-handled: close 25th 09:00 ✗
C8  草坝 hotline (operator) 07001: file 09:10 ✓, void requested 09:20, approved 09:30 (立案后作废)
C9  文澜 citizen: merged into C4 at 09:15 (作废)
C10 文澜 inspector 07001: file 09:10 ✓, dispatch 09:20 ✓ to hwz (wrong), return approved 09:40, dispatch 09:50 ✓
    (cgj), handle 11:00 ✓, check 11:10 ✓, close 11:20 ✓, reopened 17:00 (返工; deadline 25th 17:00: overdue)
C11 文澜 inspector: file 09:05 ✓, dispatch 09:10 ✓, handle 10:00 ✓, check 10:10 ✓, never closed (overdue 11:10)
C12 文澜 inspector: file 09:05 ✓, never dispatched (overdue 09:35)
C13 文澜 inspector, reported Fri 30 Oct 09:00, filed 09:05 ✓, dispatched 09:10 ✓; handled Mon 2 Nov 09:00 ✗,
    check 09:10 ✓, close 09:20 ✓ — its report, filing and dispatch count in October, the rest in November.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from civicloop.cases import services
from civicloop.evaluation import queries, rollup
from civicloop.geo.models import Grid
from tests.conftest import CAOBA, WENLAN

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SH)
WENLAN_STREET, CAOBA_STREET = "532503001", "532503102"


def at(text: str, day: str = "2026-11-24") -> datetime:
    if len(text) == 5:
        text = f"{day} {text}"
    return datetime.fromisoformat(text).replace(tzinfo=SH)


class Story:
    def __init__(self, persona):
        self.p = persona

    def report(self, who, where, when, *, channel="inspector", category="06010", self_handled=False):
        actor = self.p(who) if who else None
        return services.report_case(actor=actor, channel=channel, lon=where[0], lat=where[1], description="问题",
                                    category=category, self_handled=self_handled, now=at(when))

    def loop(self, case, *, file, dispatch, handle, check, close=None, handler="handler_hwz", inspector="inspector_001"):
        services.file_case(case, self.p("operator"), now=at(file))
        services.dispatch_case(case, self.p("dispatcher"), now=at(dispatch))
        services.sign_case(case, self.p(handler), now=at(dispatch))
        services.handle_case(case, self.p(handler), note="好了", now=at(handle))
        services.check_fix(case, self.p(inspector), passed=True, now=at(check))
        if close:
            services.close_case(case, self.p("leader"), now=at(close))
        return case


@pytest.fixture
def story(persona):
    """The thirteen cases, with refreshes along the way (C2 is counted before 立案 moves it)."""
    s, p = Story(persona), persona
    c1 = s.report("inspector_001", WENLAN, "09:00")
    s.loop(c1, file="09:10", dispatch="09:20", handle="11:00", check="11:10", close="11:20")

    c2 = s.report(None, WENLAN, "09:00", channel="citizen", category=None)
    rollup.refresh()  # C2 is counted with no category, in the grid it was reported in
    other_grid = Grid.objects.filter(community__parent_id=WENLAN_STREET).exclude(code=c2.grid_id).order_by("code")[0]
    services.file_case(c2, p("operator"), category="06010", grid=other_grid.code, now=at("10:00"))
    services.dispatch_case(c2, p("dispatcher"), now=at("10:05"))
    services.sign_case(c2, p("handler_hwz"), now=at("10:10"))
    services.handle_case(c2, p("handler_hwz"), note="好了", now=at("10:00", "2026-11-25"))
    services.check_fix(c2, p("inspector_001"), passed=True, now=at("10:10", "2026-11-25"))
    services.close_case(c2, p("leader"), now=at("12:00", "2026-11-25"))

    c3 = s.report("inspector_001", WENLAN, "09:00")
    services.file_case(c3, p("operator"), now=at("09:05"))
    services.dispatch_case(c3, p("dispatcher"), now=at("09:10"))
    services.sign_case(c3, p("handler_hwz"), now=at("09:15"))
    services.handle_case(c3, p("handler_hwz"), note="好了", now=at("10:00"))
    services.check_fix(c3, p("inspector_001"), passed=False, note="没扫干净", now=at("10:10"))
    services.handle_case(c3, p("handler_hwz"), note="重新清扫", now=at("11:00"))
    services.check_fix(c3, p("inspector_001"), passed=True, now=at("11:05"))
    services.close_case(c3, p("leader"), now=at("11:10"))

    c4 = s.report(None, WENLAN, "09:00", channel="citizen")
    services.request_verification(c4, p("operator"), now=at("09:05"))
    services.verify_report(c4, p("inspector_001"), real=True, now=at("09:20"))
    services.file_case(c4, p("operator"), now=at("09:30"))
    services.dispatch_case(c4, p("dispatcher"), now=at("11:00"))
    services.sign_case(c4, p("handler_hwz"), now=at("11:10"))

    c5 = s.report(None, WENLAN, "09:00", channel="citizen")
    services.request_verification(c5, p("operator"), now=at("09:05"))
    services.verify_report(c5, p("inspector_001"), real=False, now=at("10:00"))
    services.reject_report(c5, p("operator"), reason="不属实", now=at("10:05"))

    c6 = s.report("inspector_102", CAOBA, "09:00", self_handled=True)
    services.close_case(c6, p("leader"), now=at("09:30"))
    c7 = s.report("inspector_102", CAOBA, "09:00", self_handled=True)
    services.close_case(c7, p("leader"), now=at("09:00", "2026-11-25"))

    c8 = s.report("operator", CAOBA, "09:00", channel="hotline", category="07001")
    services.file_case(c8, p("operator"), now=at("09:10"))
    services.request_void(c8, p("operator"), reason="重复", now=at("09:20"))
    services.approve_void(c8, p("leader"), now=at("09:30"))

    c9 = s.report(None, WENLAN, "09:00", channel="citizen")
    services.merge_case(c9, p("operator"), into=c4.reference, now=at("09:15"))

    c10 = s.report("inspector_001", WENLAN, "09:00", category="07001")
    services.file_case(c10, p("operator"), now=at("09:10"))
    services.dispatch_case(c10, p("dispatcher"), department="hwz", now=at("09:20"))
    services.request_return(c10, p("handler_hwz"), reason="不是我们的", now=at("09:30"))
    services.approve_return(c10, p("dispatcher"), now=at("09:40"))
    services.dispatch_case(c10, p("dispatcher"), department="cgj", now=at("09:50"))
    services.sign_case(c10, p("handler_cgj"), now=at("10:00"))
    services.handle_case(c10, p("handler_cgj"), note="已清除", now=at("11:00"))
    services.check_fix(c10, p("inspector_001"), passed=True, now=at("11:10"))
    services.close_case(c10, p("leader"), now=at("11:20"))
    rollup.refresh()
    services.reopen_case(c10, p("leader"), reason="又贴上了", now=at("17:00"))

    c11 = s.report("inspector_001", WENLAN, "09:00")
    s.loop(c11, file="09:05", dispatch="09:10", handle="10:00", check="10:10")
    c12 = s.report("inspector_001", WENLAN, "09:00")
    services.file_case(c12, p("operator"), now=at("09:05"))

    c13 = services.report_case(actor=p("inspector_001"), channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                               description="问题", category="06010", now=at("2026-10-30 09:00"))
    services.file_case(c13, p("operator"), now=at("2026-10-30 09:05"))
    services.dispatch_case(c13, p("dispatcher"), now=at("2026-10-30 09:10"))
    services.sign_case(c13, p("handler_hwz"), now=at("2026-10-30 09:20"))
    services.handle_case(c13, p("handler_hwz"), note="好了", now=at("2026-11-02 09:00"))
    services.check_fix(c13, p("inspector_001"), passed=True, now=at("2026-11-02 09:10"))
    services.close_case(c13, p("leader"), now=at("2026-11-02 09:20"))
    rollup.refresh()
    return {"c2": c2, "other_grid": other_grid}


CITY_NOVEMBER = {
    "reported": 12, "reported_patrol": 7, "self_handled": 2, "valid": 10, "verify_requested": 2,
    "verified": 2, "verified_on_time": 1, "intake_judged": 9, "intake_on_time": 8, "filed": 8, "filed_on_time": 7,
    "not_filed": 1, "voided": 2, "voided_filed": 1, "dispatched": 7, "dispatched_on_time": 6, "returned": 1,
    "reassigned": 0, "handled": 7, "handled_on_time": 5, "checked": 7, "checked_on_time": 7, "reworked": 2,
    "closed": 5, "closed_on_time": 4, "self_closed": 2, "self_closed_on_time": 1, "extended": 0, "suspended": 0,
    "supervised": 0,
    # live: C12 waits for dispatch, C4 and C10 for handling, C11 for closing, all past their deadlines
    "overdue_verify": 0, "overdue_dispatch": 1, "overdue_handle": 2, "overdue_check": 0, "overdue_close": 1,
    "received": 12, "concluded": 7, "should_verify": 2, "should_dispatch": 8, "should_handle": 9, "should_check": 7,
    "should_close": 6,
}
RATES_NOVEMBER = {
    "handle_rate": "77.78",  # 7 / 9
    "handle_on_time_rate": "55.56",  # 5 / 9
    "close_rate": "83.33",  # 5 / 6
    "close_on_time_rate": "66.67",  # 4 / 6
    "accurate_filing_rate": "87.50",  # (8 − 1) / 8
    "filing_on_time_rate": "87.50",  # 7 / 8
    "dispatch_on_time_rate": "75.00",  # 6 / 8
    "accurate_dispatch_rate": "62.50",  # (7 − 2) / 8
    "valid_report_rate": "83.33",  # 10 / 12
    "verify_on_time_rate": "50.00",  # 1 / 2
    "check_on_time_rate": "100.00",  # 7 / 7
    "rework_rate": "33.33",  # 2 / 6
    "conclusion_rate": "58.33",  # 7 / 12
    "intake_on_time_rate": "88.89",  # 8 / 9
    "patrol_report_rate": "58.33",  # 7 / 12
    "missed_rate": "41.67",  # 5 / 12
    "all_close_on_time_rate": "71.43",  # (4 + 1) / 7
    "unreturned_dispatch_rate": "85.71",  # (7 − 1) / 7
}


def test_every_city_count_and_rate_for_the_month(story):
    row, = queries.metrics("2026-11", now=NOW)
    assert row.counts == CITY_NOVEMBER
    assert {k: str(v) for k, v in row.rates.items()} == RATES_NOVEMBER


def test_events_count_in_the_period_they_happened(story):
    october, = queries.metrics("2026-10", now=NOW)
    assert (october["reported"], october["filed"], october["dispatched"], october["handled"]) == (1, 1, 1, 0)
    assert october["dispatch_on_time_rate"] == Decimal("100.00") and october["handle_rate"] is None
    day, = queries.metrics("2026-11-02", now=NOW)  # C13's late handling, check and closure
    assert (day["handled"], day["handled_on_time"], day["closed"], day["closed_on_time"]) == (1, 0, 1, 1)
    quarter, = queries.metrics("2026-Q4", now=NOW)
    assert quarter["reported"] == 13 and quarter["dispatched"] == 8


def test_by_department(story):
    rows = {r.key: r for r in queries.metrics("2026-11", "department", now=NOW)}
    hwz, cgj = rows["hwz"], rows["cgj"]
    # hwz: C1, C2, C3, C4, C10 (wrongly), C11 sent there; C13's handling in November too
    assert (hwz["dispatched"], hwz["handled"], hwz["handled_on_time"], hwz["overdue_handle"]) == (6, 6, 4, 1)
    assert (hwz["closed"], hwz["closed_on_time"], hwz["overdue_close"], hwz["reworked"]) == (4, 3, 1, 1)
    assert (hwz["handle_on_time_rate"], hwz["close_rate"], hwz["rework_rate"]) == (Decimal("57.14"), Decimal("80.00"), Decimal("20.00"))
    assert (cgj["dispatched"], cgj["handled"], cgj["overdue_handle"], cgj["reworked"]) == (1, 1, 1, 1)
    assert (cgj["handle_on_time_rate"], cgj["close_rate"], cgj["rework_rate"]) == (Decimal("50.00"), Decimal("100.00"), Decimal("100.00"))
    assert rows[""]["overdue_dispatch"] == 1  # C12 has no department yet
    assert hwz.label == "环境卫生管理站"


def test_by_street_community_grid_and_the_move_at_filing(story):
    streets = {r.key: r for r in queries.metrics("2026-11", "street", now=NOW)}
    assert (streets[WENLAN_STREET]["reported"], streets[CAOBA_STREET]["reported"]) == (9, 3)
    assert (streets[CAOBA_STREET]["self_closed"], streets[CAOBA_STREET]["voided_filed"]) == (2, 1)
    # C2 was reported without a category in one grid and filed as 06010 in another: all its
    # counts, the report included, now sit under the filed category and grid.
    categories = {r.key: r for r in queries.metrics("2026-11", "category", now=NOW)}
    assert "" not in categories or categories[""]["reported"] == 0
    assert categories["06010"]["reported"] == 10 and categories["07001"]["reported"] == 2
    grid = queries.metrics("2026-11", grid=story["other_grid"].code, now=NOW)[0]
    assert grid["reported"] >= 1 and grid["filed"] >= 1
    communities = queries.metrics("2026-11", "community", street=CAOBA_STREET, now=NOW)
    assert sum(r["reported"] for r in communities) == 3 and all(r.key.startswith(CAOBA_STREET) for r in communities)


def test_by_channel_and_staff_member(story, persona):
    channels = {r.key: r["reported"] for r in queries.metrics("2026-11", "channel", now=NOW)}
    assert channels == {"citizen": 4, "inspector": 7, "hotline": 1}
    staff = {r.key: r for r in queries.metrics("2026-11", "actor", now=NOW)}
    inspector = staff[str(persona("inspector_001").pk)]
    assert (inspector["reported"], inspector["valid"], inspector["verified"], inspector["checked"]) == (5, 5, 2, 7)
    operator = staff[str(persona("operator").pk)]
    assert (operator["filed"], operator["voided_filed"], operator["intake_judged"]) == (8, 1, 9)
    dispatcher = staff[str(persona("dispatcher").pk)]
    assert (dispatcher["dispatched"], dispatcher["dispatched_on_time"], dispatcher["returned"]) == (7, 6, 1)
    leader = staff[str(persona("leader").pk)]
    assert (leader["closed"], leader["self_closed"], leader["voided"]) == (5, 2, 1)


def test_a_rebuild_gives_what_the_refreshes_added_up_to(story):
    incremental = counted()
    rollup.rebuild()
    assert counted() == incremental


def counted() -> dict:
    from civicloop.evaluation.counters import NAMES
    from civicloop.evaluation.models import DailyCount

    out = {}
    for row in DailyCount.objects.values("day", "dim", "key", *NAMES):
        values = tuple(row[n] for n in NAMES)
        if any(values):
            out[(str(row["day"]), row["dim"], row["key"])] = values
    return out


def test_the_worker_catches_up_in_small_batches_to_the_same_figures(story):
    from civicloop.evaluation.models import DailyCount, PendingAttribution, RollupState

    rollup.rebuild()
    expected = counted()
    DailyCount.objects.all().delete()
    PendingAttribution.objects.all().delete()
    RollupState.objects.update(last_event_id=0, gaps=[])
    turns = 0
    while rollup.refresh(limit=7).events:
        turns += 1
    assert turns > 5 and counted() == expected


def test_an_event_that_commits_late_is_still_counted(story, persona):
    """An id taken before the watermark moved but committed after it (PostgreSQL sequences)."""
    from civicloop.cases.models import CaseEvent
    from civicloop.evaluation.models import RollupState

    last = CaseEvent.objects.order_by("-id").first()
    case = story["c2"]
    RollupState.objects.update(last_event_id=last.id + 1, gaps=[[last.id + 1, NOW.timestamp()]])
    from civicloop.core import bulk

    bulk.insert(CaseEvent, [CaseEvent(id=last.id + 1, case=case, seq=99, action="supervise", actor=persona("commander"),
                                      actor_role="commander", from_state="closed", to_state="closed",
                                      created_at=at("12:30", "2026-11-25"))])
    result = rollup.refresh(now=NOW)
    assert result.events == 1 and RollupState.objects.get().gaps == []
    assert queries.metrics("2026-11-25", now=NOW)[0]["supervised"] == 1
