"""Statutory holidays computed from the law, and a year's arrangement read from its file (no database)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from civicloop.lib import holidays
from civicloop.lib.holidays import ArrangementError, Festival, parse_arrangement, qingming, statutory_holidays
from civicloop.lib.workcal import Limit, Unit, WorkCalendar, official_year_known

SH = ZoneInfo("Asia/Shanghai")
FILES = Path(__file__).resolve().parents[2] / "civicloop" / "taxonomy" / "data" / "calendar"


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def festival_days(year: int, festival: Festival) -> list[date]:
    return sorted(d for d, f in statutory_holidays(year).items() if f is festival)


# --- the law ---------------------------------------------------------------------------------

# 清明 by the published almanacs (紫金山天文台), 2020–2030.
QINGMING = {2020: 4, 2021: 4, 2022: 5, 2023: 5, 2024: 4, 2025: 4, 2026: 5, 2027: 5, 2028: 4, 2029: 4, 2030: 5}


@pytest.mark.parametrize("year, day", QINGMING.items())
def test_qingming_is_the_day_of_the_solar_term(year, day):
    assert qingming(year) == date(year, 4, day)


def test_spring_festival_2027_starts_on_chuxi_5_february():
    assert festival_days(2027, Festival.SPRING) == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7),
                                                    date(2027, 2, 8)]


def test_chuxi_is_the_29th_when_the_twelfth_month_is_short():
    # The 12th month of 2024's lunar year has 29 days: 除夕 was 腊月廿九, 28 January 2025.
    assert festival_days(2025, Festival.SPRING)[0] == date(2025, 1, 28)
    assert festival_days(2026, Festival.SPRING)[0] == date(2026, 2, 16)  # 腊月廿九 too


def test_a_year_has_thirteen_statutory_days_by_the_2024_amendment():
    days = statutory_holidays(2027)
    assert len(days) == 13
    assert festival_days(2027, Festival.LABOUR) == [date(2027, 5, 1), date(2027, 5, 2)]
    assert festival_days(2027, Festival.NATIONAL) == [date(2027, 10, d) for d in (1, 2, 3)]
    assert festival_days(2027, Festival.DRAGON_BOAT) == [date(2027, 6, 9)]
    assert festival_days(2027, Festival.MID_AUTUMN) == [date(2027, 9, 15)]
    assert festival_days(2027, Festival.NEW_YEAR) == [date(2027, 1, 1)]


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_computed_statutory_day_is_a_holiday_in_the_official_arrangement(year):
    assert official_year_known(year)
    for d, festival in statutory_holidays(year).items():
        assert chinese_calendar.is_holiday(d), (d, festival)


def test_years_before_the_amendment_are_not_computed():
    with pytest.raises(ValueError, match="from 2025"):
        statutory_holidays(2024)


# --- the calendar for a year nobody has entered ------------------------------------------------

def test_a_2027_deadline_in_working_hours_skips_the_spring_festival():
    cal = WorkCalendar()  # no overrides; chinesecalendar does not know 2027
    assert not official_year_known(2027)
    # Thu 4 Feb 17:00–18:00 is one hour; Fri 5 (除夕) to Mon 8 (初三) are off by law; then Tue 9.
    assert cal.deadline(sh(2027, 2, 4, 17), Limit(2, Unit.WORK_HOURS)) == sh(2027, 2, 9, 9, 30)
    assert cal.elapsed(sh(2027, 2, 4, 17), sh(2027, 2, 9, 9, 30), working=True) == 2 * 3600


def test_an_arranged_year_does_not_ask_chinesecalendar():
    # 2026's 调休 Saturday 14 February is worked by chinesecalendar's copy; entered with no days,
    # the year is statutory holidays plus Monday–Friday only.
    assert WorkCalendar().is_workday(date(2026, 2, 14))
    assert not WorkCalendar(arranged_years=frozenset({2026})).is_workday(date(2026, 2, 14))


# --- a year's arrangement from its file -----------------------------------------------------------

@pytest.mark.parametrize("year", [2025, 2026])
def test_the_shipped_files_give_the_same_year_as_the_official_arrangement(year):
    arrangement = parse_arrangement((FILES / f"{year}.toml").read_text(encoding="utf-8"))
    assert arrangement.year == year and arrangement.confirmed
    cal = WorkCalendar(overrides={d: w for d, (w, _) in arrangement.days.items()}, arranged_years=frozenset({year}))
    official = WorkCalendar()
    d = date(year, 1, 1)
    while d.year == year:
        assert cal.is_workday(d) == official.is_workday(d), d
        d += timedelta(days=1)


GOOD = """
year = 2027
confirmed = true
source = "a test arrangement"

[[holiday]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03

[[holiday]]
name = "春节"
from = 2027-02-05
to = 2027-02-11
work = [2027-02-20]

[[holiday]]
name = "清明节"
from = 2027-04-05
to = 2027-04-05

[[holiday]]
name = "劳动节"
from = 2027-05-01
to = 2027-05-05

[[holiday]]
name = "端午节"
from = 2027-06-09
to = 2027-06-09

[[holiday]]
name = "中秋节"
from = 2027-09-15
to = 2027-09-15

[[holiday]]
name = "国庆节"
from = 2027-10-01
to = 2027-10-07
work = [2027-09-26, 2027-10-09]
"""


def test_a_good_file_is_read_into_days_off_and_working_weekend_days():
    arrangement = parse_arrangement(GOOD)
    assert arrangement.working_days == [date(2027, 2, 20), date(2027, 9, 26), date(2027, 10, 9)]
    assert len(arrangement.days_off) == 3 + 7 + 1 + 5 + 1 + 1 + 7
    assert arrangement.days[date(2027, 2, 20)] == (True, "春节")


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("year = 2027", "year = 2027\nyear = 2028"), "not a valid TOML file"),
    (lambda t: t.replace("year = 2027", 'year = "2027"'), "'year' must be a whole number"),
    (lambda t: t.replace("year = 2027", "year = 2024"), "2025 or later"),
    (lambda t: t.replace("confirmed = true", "confirmed = 1"), "'confirmed' must be true"),
    (lambda t: t.replace("confirmed = true", "confirmed = true\nconfimred = true"), "unknown keys confimred"),
    (lambda t: t.split("[[holiday]]")[0], "no [[holiday]] sections"),
    (lambda t: t.replace("to = 2027-02-11", "to = 2027-02-01"), "holiday 2 (春节): 'to' (2027-02-01) is before"),
    (lambda t: t.replace("from = 2027-02-05", 'from = "2027-02-05"'), "must be a date written like"),
    (lambda t: t.replace("work = [2027-02-20]", "work = [2027-02-22]"), "2027-02-22 is a Monday"),
    (lambda t: t.replace("to = 2027-01-03", "to = 2027-02-05"), "2027-02-05 is already given by 元旦"),
    (lambda t: t.replace("from = 2027-02-05", "from = 2027-02-06"), "2027-02-05 is a statutory holiday (春节)"),
    (lambda t: t.replace("2027-06-09", "2026-06-09"), "2026-06-09 is not in 2027"),
    (lambda t: t.replace('name = "元旦"', 'title = "元旦"'), "holiday 1 has unknown keys title"),
])
def test_a_malformed_file_is_refused_with_a_message_saying_what_is_wrong(change, message):
    with pytest.raises(ArrangementError) as refused:
        parse_arrangement(change(GOOD))
    assert message in str(refused.value)


def test_new_years_days_off_may_start_on_the_last_day_of_december():
    text = GOOD.replace("from = 2027-01-01\nto = 2027-01-03", "from = 2026-12-31\nto = 2027-01-02")
    assert parse_arrangement(text).days[date(2026, 12, 31)] == (False, "元旦")
    assert holidays.is_statutory_holiday(date(2027, 1, 1)) and not holidays.is_statutory_holiday(date(2026, 12, 31))


@pytest.mark.parametrize("year", range(2025, 2101))
def test_every_year_to_2100_has_its_thirteen_days_where_the_calendar_puts_them(year):
    days = statutory_holidays(year)
    mid_autumn = _solar_mid_autumn(year)
    assert len(days) == (12 if mid_autumn in (date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)) else 13)
    spring = festival_days(year, Festival.SPRING)
    assert date(year, 1, 20) <= spring[0] <= date(year, 2, 19)  # 除夕 falls between 20 Jan and 19 Feb
    assert [b - a for a, b in zip(spring, spring[1:])] == [timedelta(days=1)] * 3
    assert qingming(year).day in (4, 5)
    assert date(year, 5, 25) <= festival_days(year, Festival.DRAGON_BOAT)[0] <= date(year, 6, 26)
    assert date(year, 9, 7) <= mid_autumn <= date(year, 10, 8)


def _solar_mid_autumn(year: int) -> date:
    return holidays._solar(year, 8, 15)


def test_when_mid_autumn_falls_on_national_day_the_date_is_listed_once():
    days = statutory_holidays(2028)
    assert holidays._solar(2028, 8, 15) == date(2028, 10, 3)
    assert len(days) == 12 and days[date(2028, 10, 3)] is Festival.NATIONAL
