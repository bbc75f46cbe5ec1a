"""Working-time deadlines under China's official holiday schedule."""
from __future__ import annotations

import timeit
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicloop.lib.workcal import Light, Limit, Unit, WorkCalendar, light

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
H = 3600


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


# --- the 2026 State Council schedule -------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 10, 1), False),  # National Day, Thu
        (date(2026, 10, 2), False),
        (date(2026, 10, 5), False),  # Mon, in lieu
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),  # Thu, first day back
        (date(2026, 10, 10), True),  # Sat, 调休
        (date(2026, 9, 20), True),  # Sun, 调休 for National Day
        (date(2026, 2, 14), True),  # Sat, 调休 for Spring Festival
        (date(2026, 2, 28), True),  # Sat, 调休 for Spring Festival
        (date(2026, 2, 16), False),  # Mon, Spring Festival
        (date(2026, 2, 23), False),  # Mon, last day of the 9-day Spring Festival break
        (date(2026, 1, 4), True),  # Sun, 调休 for New Year
        (date(2026, 5, 9), True),  # Sat, 调休 for Labour Day
        (date(2026, 11, 24), True),  # ordinary Tuesday
        (date(2026, 11, 22), False),  # ordinary Sunday
    ],
)
def test_2026_schedule_includes_holidays_and_tiaoxiu_weekend_days(day: date, working: bool) -> None:
    assert CAL.is_workday(day) is working


def test_one_working_day_across_national_day_resumes_on_october_8() -> None:
    # Wed Sep 30 15:00-18:00 = 3h; Oct 1-7 off; Thu Oct 8 (a working day) 08:30-12:00 = 3.5h,
    # then the last 0.5h from 14:30 -> 15:00.  7h = one working day.
    assert CAL.deadline(sh(2026, 9, 30, 15), Limit(1, Unit.WORK_DAYS)) == sh(2026, 10, 8, 15)


def test_working_hours_continue_on_tiaoxiu_saturday() -> None:
    # Fri Oct 9 17:00-18:00 = 1h, Sat Oct 10 is a working day: 08:30-09:30.
    assert CAL.deadline(sh(2026, 10, 9, 17), Limit(2, Unit.WORK_HOURS)) == sh(2026, 10, 10, 9, 30)


def test_working_days_skip_the_whole_spring_festival() -> None:
    # Fri Feb 13 18:00: Sat Feb 14 is a full working day; Feb 15-23 off; Tue Feb 24 full day.
    assert CAL.deadline(sh(2026, 2, 13, 18), Limit(1, Unit.WORK_DAYS)) == sh(2026, 2, 14, 18)
    assert CAL.deadline(sh(2026, 2, 13, 18), Limit(2, Unit.WORK_DAYS)) == sh(2026, 2, 24, 18)


# --- periods within a day -------------------------------------------------------------


def test_working_hours_skip_the_lunch_break() -> None:
    # Tue 11:00-12:00 (1h) + 14:30-17:30 (3h).
    assert CAL.deadline(sh(2026, 11, 24, 11), Limit(4, Unit.WORK_HOURS)) == sh(2026, 11, 24, 17, 30)


def test_working_hours_skip_the_night() -> None:
    # Tue 17:00-18:00 (1h) + Wed 08:30-09:30 (1h).
    assert CAL.deadline(sh(2026, 11, 24, 17), Limit(2, Unit.WORK_HOURS)) == sh(2026, 11, 25, 9, 30)


def test_advance_ending_at_a_period_end_returns_that_end_not_the_next_start() -> None:
    assert CAL.advance(sh(2026, 11, 24, 8, 30), 3.5 * H, working=True) == sh(2026, 11, 24, 12)
    assert CAL.deadline(sh(2026, 11, 24, 8, 30), Limit(1, Unit.WORK_DAYS)) == sh(2026, 11, 24, 18)


def test_clock_started_outside_working_time_starts_at_next_period() -> None:
    assert CAL.advance(sh(2026, 11, 24, 12, 30), 1 * H, working=True) == sh(2026, 11, 24, 15, 30)
    assert CAL.advance(sh(2026, 11, 21, 10), 1 * H, working=True) == sh(2026, 11, 23, 9, 30)  # Sat -> Mon
    assert CAL.advance(sh(2026, 11, 24, 6), 1 * H, working=True) == sh(2026, 11, 24, 9, 30)


def test_zero_working_seconds_returns_start_even_outside_working_time() -> None:
    sunday_night = sh(2026, 11, 22, 3)
    assert CAL.advance(sunday_night, 0, working=True) == sunday_night


def test_result_keeps_the_timezone_of_the_start() -> None:
    start = datetime(2026, 9, 30, 7, tzinfo=timezone.utc)  # 15:00 in Shanghai
    end = CAL.deadline(start, Limit(1, Unit.WORK_DAYS))
    assert end.tzinfo is timezone.utc
    assert end == datetime(2026, 10, 8, 7, tzinfo=timezone.utc)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.advance(datetime(2026, 11, 24, 9), 60, working=True)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.elapsed(sh(2026, 11, 24, 9), datetime(2026, 11, 24, 10), working=False)


@pytest.mark.parametrize("seconds", [-1.0, float("nan"), float("inf")])
def test_advance_rejects_negative_or_non_finite_seconds(seconds: float) -> None:
    with pytest.raises(ValueError):
        CAL.advance(sh(2026, 11, 24, 9), seconds, working=True)


def test_elapsed_counts_only_working_time() -> None:
    # Fri Oct 9 17:00 -> Mon Oct 12 09:30: Fri 1h + Sat (调休) 7h + Sun 0 + Mon 1h.
    assert CAL.elapsed(sh(2026, 10, 9, 17), sh(2026, 10, 12, 9, 30), working=True) == 9 * H
    assert CAL.elapsed(sh(2026, 10, 1, 9), sh(2026, 10, 7, 17), working=True) == 0
    assert CAL.elapsed(sh(2026, 10, 12), sh(2026, 10, 9), working=True) == 0


# --- overrides and years without data --------------------------------------------------


def test_years_without_library_data_fall_back_to_statutory_holidays_and_monday_to_friday() -> None:
    assert CAL.is_workday(date(2027, 1, 4))  # Monday
    assert not CAL.is_workday(date(2027, 1, 9))  # Saturday
    assert not CAL.is_workday(date(2027, 10, 1))  # a Friday, but National Day by law (lib/holidays.py)
    assert CAL.is_workday(date(2027, 10, 4))  # the Monday after: no arrangement, so no bridged days
    assert not CAL.is_workday(date(2003, 1, 4))  # before the data, too (Saturday)


def test_overrides_win_over_fallback_and_official_schedule() -> None:
    overrides = {date(2027, 1, 4): False, date(2027, 1, 9): True, date(2026, 10, 1): True, date(2026, 10, 10): False}
    cal = WorkCalendar(overrides=overrides)
    assert not cal.is_workday(date(2027, 1, 4))
    assert cal.is_workday(date(2027, 1, 9))
    assert cal.is_workday(date(2026, 10, 1))
    assert not cal.is_workday(date(2026, 10, 10))
    # Fri Jan 8 17:00-18:00, then the overridden working Saturday.
    assert cal.deadline(sh(2027, 1, 8, 17), Limit(2, Unit.WORK_HOURS)) == sh(2027, 1, 9, 9, 30)


def test_overrides_are_copied_so_later_edits_do_not_leak_in() -> None:
    days = {date(2027, 1, 4): False}
    cal = WorkCalendar(overrides=days)
    days[date(2027, 1, 4)] = True
    assert not cal.is_workday(date(2027, 1, 4))


# --- custom periods --------------------------------------------------------------------


def test_custom_single_period_changes_the_working_day_length() -> None:
    cal = WorkCalendar(periods=WorkCalendar.parse_periods("09:00-17:00"))
    assert cal.day_seconds() == 8 * H
    assert cal.limit_seconds(Limit(2, Unit.WORK_DAYS)) == 16 * H
    assert cal.deadline(sh(2026, 11, 23, 9), Limit(1, Unit.WORK_DAYS)) == sh(2026, 11, 23, 17)
    assert cal.deadline(sh(2026, 11, 23, 16), Limit(2, Unit.WORK_HOURS)) == sh(2026, 11, 24, 10)


def test_parse_periods_accepts_the_default_text_with_spaces() -> None:
    assert WorkCalendar.parse_periods(" 08:30-12:00 , 14:30 - 18:00") == (
        (time(8, 30), time(12)),
        (time(14, 30), time(18)),
    )


def test_default_day_is_seven_hours() -> None:
    assert CAL.day_seconds() == 25200


@pytest.mark.parametrize(
    "text, message",
    [
        ("25:00-26:00", "not a time of day"),
        ("12:00-08:00", "must end after it starts"),
        ("08:00-12:00,11:00-14:00", "overlap"),
        ("14:30-18:00,08:30-12:00", "sorted"),
        ("8.30-12", "expected HH:MM-HH:MM"),
        ("", "expected HH:MM-HH:MM"),
        ("08:30-12:00;14:30-18:00", "expected HH:MM-HH:MM"),
    ],
)
def test_parse_periods_rejects_bad_text_with_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar.parse_periods(text)


def test_constructor_validates_periods() -> None:
    with pytest.raises(ValueError, match="must end after"):
        WorkCalendar(periods=((time(12), time(8)),))
    with pytest.raises(ValueError, match="at least one"):
        WorkCalendar(periods=())


# --- units and limits ------------------------------------------------------------------


def test_natural_units_ignore_holidays_and_nights() -> None:
    start = sh(2026, 9, 30, 15)
    assert CAL.deadline(start, Limit(1, Unit.NATURAL_DAYS)) == sh(2026, 10, 1, 15)
    assert CAL.deadline(start, Limit(10, Unit.NATURAL_HOURS)) == sh(2026, 10, 1, 1)
    assert CAL.deadline(start, Limit(90, Unit.MINUTES)) == sh(2026, 9, 30, 16, 30)
    assert CAL.elapsed(start, sh(2026, 10, 2, 15), working=False) == 2 * 86400


def test_limit_seconds_per_unit() -> None:
    assert CAL.limit_seconds(Limit(2, Unit.WORK_HOURS)) == 7200
    assert CAL.limit_seconds(Limit(1.5, Unit.WORK_DAYS)) == 1.5 * 25200
    assert CAL.limit_seconds(Limit(2, Unit.NATURAL_DAYS)) == 172800
    assert CAL.limit_seconds(Limit(2, Unit.NATURAL_HOURS)) == 7200
    assert CAL.limit_seconds(Limit(2, Unit.MINUTES)) == 120


@pytest.mark.parametrize("amount", [0, -1, float("nan"), float("inf")])
def test_limit_amount_must_be_positive(amount: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Limit(amount, Unit.WORK_HOURS)


def test_limit_accepts_stored_unit_codes() -> None:
    assert Limit(3, "WD").unit is Unit.WORK_DAYS  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Limit(3, "XX")  # type: ignore[arg-type]


def test_unit_labels_and_working_flag() -> None:
    assert [u.is_working for u in Unit] == [True, True, False, False, False]
    assert [u.label_zh for u in Unit] == ["工作时", "工作日", "自然日", "小时", "分钟"]
    assert [u.label_en for u in Unit] == ["working hours", "working days", "days", "hours", "minutes"]


# --- warnings, pauses and the light -----------------------------------------------------


def test_warn_at_is_eighty_percent_of_working_time() -> None:
    # 4 WH from Tue 11:00: 3.2h = 11:00-12:00 + 2.2h from 14:30 -> 16:42.
    assert CAL.warn_at(sh(2026, 11, 24, 11), Limit(4, Unit.WORK_HOURS)) == sh(2026, 11, 24, 16, 42)
    assert CAL.warn_at(sh(2026, 11, 24, 11), Limit(4, Unit.WORK_HOURS), 0.5) == sh(2026, 11, 24, 15, 30)
    with pytest.raises(ValueError):
        CAL.warn_at(sh(2026, 11, 24, 11), Limit(4, Unit.WORK_HOURS), 1.5)


def test_resume_continues_from_consumed_time() -> None:
    # 3h of 4 WH used; 1h remains from Mon 08:30; yellow at 3.2h, i.e. 12 minutes in.
    deadline, warn = CAL.resume(sh(2026, 11, 23, 8, 30), Limit(4, Unit.WORK_HOURS), 3 * H)
    assert deadline == sh(2026, 11, 23, 9, 30)
    assert warn == sh(2026, 11, 23, 8, 42)


def test_resume_of_an_overdue_clock_is_due_at_once() -> None:
    resumed = sh(2026, 11, 23, 8, 30)
    assert CAL.resume(resumed, Limit(4, Unit.WORK_HOURS), 5 * H) == (resumed, resumed)


def test_light_boundaries() -> None:
    warn, due = sh(2026, 11, 23, 8, 42), sh(2026, 11, 23, 9, 30)
    tick = timedelta(microseconds=1)
    assert light(due + tick, warn, None) is None
    assert light(warn - tick, warn, due) is Light.GREEN
    assert light(warn, warn, due) is Light.YELLOW
    assert light(due, warn, due) is Light.YELLOW  # due, not yet overdue
    assert light(due + tick, warn, due) is Light.RED
    assert light(due, None, due) is Light.GREEN


# --- properties and speed --------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59),
    timezones=st.sampled_from([SH, timezone.utc, timezone(timedelta(hours=-5))]),
)
work_seconds = st.floats(min_value=0, max_value=30 * 25200, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(start=starts, seconds=work_seconds)
def test_elapsed_inverts_advance(start: datetime, seconds: float) -> None:
    end = CAL.advance(start, seconds, working=True)
    assert CAL.elapsed(start, end, working=True) == pytest.approx(seconds, abs=1e-3)
    assert CAL.elapsed(start, CAL.advance(start, seconds, working=False), working=False) == pytest.approx(
        seconds, abs=1e-3
    )


@settings(max_examples=300, deadline=None)
@given(start=starts, a=work_seconds, b=work_seconds)
def test_advance_is_monotonic_in_seconds(start: datetime, a: float, b: float) -> None:
    a, b = sorted((a, b))
    assert start <= CAL.advance(start, a, working=True) <= CAL.advance(start, b, working=True)


def test_twenty_working_days_across_spring_festival_is_fast() -> None:
    start, limit = sh(2026, 2, 10, 10), Limit(20, Unit.WORK_DAYS)
    # Tue Feb 10 10:00-18:00 = 5.5h; Feb 11-13 + Sat Feb 14 (调休) = 4 days; Feb 15-23 off;
    # Feb 24-27, Sat Feb 28 (调休), Mar 2-6, Mar 9-13 = 15 days; the last 1.5h: Mar 16 08:30-10:00.
    assert CAL.deadline(start, limit) == sh(2026, 3, 16, 10)
    per_call = min(timeit.repeat(lambda: CAL.deadline(start, limit), number=200, repeat=5)) / 200
    assert per_call < 1e-3  # ~30 µs here; a per-minute or uncached walk is far slower
