"""Stage deadlines through the services, on the 2026 State Council schedule, with lights and pauses."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.taxonomy.models import CalendarDay, TimeLimit
from tests.conftest import WENLAN

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def local(value: datetime) -> str:
    return value.astimezone(SH).strftime("%Y-%m-%d %H:%M")


def dispatched(persona, when: str, category: str = "06010") -> Case:
    case = services.report_case(actor=persona("operator"), channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                                description="暴露垃圾", category=category, now=at(when))
    services.file_case(case, persona("operator"), now=at(when))
    return services.dispatch_case(case, persona("dispatcher"), now=at(when))


def test_handling_in_working_days_skips_national_day(persona):
    """06012 道路不洁 is 3 WH in the demo; 06013 道路破损 5 WD: from Wed 30 Sep 15:00 across 1–7 Oct."""
    case = dispatched(persona, "2026-09-30 15:00", category="06013")
    # 5 WD = 35 working hours: Sep 30 3h, Oct 8 (Thu) 7h, Oct 9 (Fri) 7h, Oct 10 (调休 Sat) 7h,
    # Oct 12 (Mon) 7h = 31h, and the last 4h on Tue Oct 13 08:30–12:00 (3.5h) + 14:30–15:00.
    assert local(case.stage_deadline) == "2026-10-13 15:00"


def test_a_limit_in_working_hours_spans_lunch_and_night(persona):
    case = dispatched(persona, "2026-11-24 11:00")  # 06010 暴露垃圾: 4 working hours
    assert local(case.stage_deadline) == "2026-11-24 17:30"  # 11:00–12:00, 14:30–17:30
    late = dispatched(persona, "2026-11-24 17:00")
    assert local(late.stage_deadline) == "2026-11-25 11:30"  # 17:00–18:00, then 08:30–11:30


def test_the_light_turns_yellow_at_80_percent_and_red_when_overdue(persona, api):
    from django.utils import timezone

    case = dispatched(persona, "2026-11-24 09:00")  # 4 WH: warn at 3.2 WH = 12:00 + 0.2h → 14:42
    assert local(case.stage_warn_at) == "2026-11-24 14:42"
    assert local(case.stage_deadline) == "2026-11-24 15:30"
    Case.objects.filter(pk=case.pk).update(stage_warn_at=timezone.now(), stage_deadline=timezone.now())
    assert api("operator").get(f"/cases/{case.reference}").json()["light"] == "red"
    assert case.reference in [c["reference"] for c in api("operator").get("/cases", light="red").json()["items"]]


def test_handling_late_is_recorded_as_not_on_time(persona):
    case = dispatched(persona, "2026-11-24 09:00")
    services.sign_case(case, persona("handler_hwz"), now=at("2026-11-24 09:10"))
    services.handle_case(case, persona("handler_hwz"), note="已清运", now=at("2026-11-24 16:00"))
    case.refresh_from_db()
    assert case.handle_on_time is False and case.dispatch_on_time is True
    assert case.events.get(action="handle").on_time is False


def test_suspension_pauses_the_clock_and_resume_gives_back_the_time_left(persona):
    case = dispatched(persona, "2026-11-24 09:00")  # deadline 15:30, 4 WH
    services.sign_case(case, persona("handler_hwz"), now=at("2026-11-24 09:30"))
    services.request_suspension(case, persona("handler_hwz"), reason="需改造", now=at("2026-11-24 10:00"))
    services.approve_suspension(case, persona("dispatcher"), now=at("2026-11-24 11:00"))
    assert case.stage_deadline is None and case.stage_consumed == 3600  # 09:00–10:00 used, then paused
    services.resume_case(case, persona("dispatcher"), now=at("2026-11-30 09:00"))
    assert local(case.stage_deadline) == "2026-11-30 12:00"  # 3 WH left: 09:00–12:00
    services.handle_case(case, persona("handler_hwz"), note="好了", now=at("2026-11-30 14:00"))
    assert case.handle_on_time is True  # 19 days later, but within its working time


def test_an_extension_request_does_not_stop_the_clock_but_its_approval_moves_it(persona):
    case = dispatched(persona, "2026-11-24 09:00")
    services.sign_case(case, persona("handler_hwz"), now=at("2026-11-24 09:10"))
    services.request_extension(case, persona("handler_hwz"), amount=1, unit="WD", reason="渣土车", now=at("2026-11-24 10:00"))
    assert local(case.stage_deadline) == "2026-11-24 15:30"
    services.approve_extension(case, persona("dispatcher"), now=at("2026-11-24 10:30"))
    assert local(case.stage_deadline) == "2026-11-25 15:30"  # +7 working hours
    services.handle_case(case, persona("handler_hwz"), note="好了", now=at("2026-11-25 15:00"))
    assert case.handle_on_time is True


def test_an_administrators_calendar_override_moves_deadlines(persona):
    CalendarDay.objects.create(date=at("2026-11-25 00:00").date(), is_workday=False, note="临时放假")
    case = dispatched(persona, "2026-11-24 17:00")
    assert local(case.stage_deadline) == "2026-11-26 11:30"


def test_a_condition_has_its_own_limit(persona):
    case = dispatched(persona, "2026-11-24 09:00")
    assert case.stage_limit_seconds == 4 * 3600
    heap_limit = TimeLimit.objects.get(category_id="06010", condition="成堆、成片", stage="handle")
    heap_limit.amount = 2
    heap_limit.save()
    heap = services.report_case(actor=persona("operator"), channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                                description="成堆垃圾", category="06010", now=at("2026-11-24 09:00"))
    services.file_case(heap, persona("operator"), condition="成堆、成片", now=at("2026-11-24 09:00"))
    services.dispatch_case(heap, persona("dispatcher"), now=at("2026-11-24 09:00"))
    assert heap.stage_limit_seconds == 2 * 7 * 3600  # 2 WD


def test_manhole_covers_run_on_natural_hours_at_night(persona):
    case = dispatched(persona, "2026-11-24 22:00", category="01002")
    assert local(case.stage_deadline) == "2026-11-25 00:00" and case.priority == 3
