"""China's statutory holidays of any year, and a year's holiday arrangement read from a file.

The statutory days come from the law (《全国年节及纪念日放假办法》 as amended in 2024, in force from
2025): 元旦 1 day, 春节 4 days (除夕 and 正月初一–初三), 清明 1, 劳动节 2 (1–2 May), 端午 1, 中秋 1,
国庆 3 (1–3 October). They are fixed by the law alone, so they are known for every year.

What the law does not fix is the State Council's yearly arrangement (节假日安排): which weekdays are
bridged off and which weekend days are worked instead (调休). It is published each autumn and
entered by the city (parse_arrangement reads it from a TOML file).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from lunar_python import Lunar, Solar

# The 2024 amendment (除夕 a day off, 劳动节 two days) applies from this year; earlier years'
# arrangements are in the chinesecalendar package.
FIRST_YEAR = 2025


class Festival(StrEnum):
    NEW_YEAR = "new_year"  # 元旦
    SPRING = "spring"  # 春节
    QINGMING = "qingming"  # 清明节
    LABOUR = "labour"  # 劳动节
    DRAGON_BOAT = "dragon_boat"  # 端午节
    MID_AUTUMN = "mid_autumn"  # 中秋节
    NATIONAL = "national"  # 国庆节

    @property
    def label_zh(self) -> str:
        return _NAMES[self]


_NAMES = {
    Festival.NEW_YEAR: "元旦", Festival.SPRING: "春节", Festival.QINGMING: "清明节", Festival.LABOUR: "劳动节",
    Festival.DRAGON_BOAT: "端午节", Festival.MID_AUTUMN: "中秋节", Festival.NATIONAL: "国庆节",
}


def _solar(lunar_year: int, month: int, day: int) -> date:
    s = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def qingming(year: int) -> date:
    """The day of the 清明 solar term (4 or 5 April, Beijing time).

    lunar-python computes the solar terms astronomically (the sun's apparent longitude reaching
    15°, in UTC+8), so it holds for any year, unlike a table; the tests check it against 2020–2030.
    """
    term = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    day = date(term.getYear(), term.getMonth(), term.getDay())
    if day.year != year or day.month != 4:  # the table spans the lunar year: make sure we got this year's
        raise ValueError(f"清明 of {year} computed as {day}")
    return day


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> Mapping[date, Festival]:
    """Every statutory day off of `year`, by the law in force from 2025, with its festival.

    13 days, or 12 dates in a year when 中秋 falls on 1–3 October (2028, as in 2020): the date is
    then listed under 国庆, and which extra day the law's 13th becomes is the arrangement's to say.
    Days that fall on a weekend are listed too; the weekday given in compensation (补假) is also the
    arrangement's to say, so it is not computed here.
    """
    if year < FIRST_YEAR:
        raise ValueError(f"the statutory holidays are computed from {FIRST_YEAR} on (the 2024 amendment), not {year}")
    new_year_day = _solar(year, 1, 1)  # 正月初一
    days = {
        date(year, 1, 1): Festival.NEW_YEAR,
        # 除夕 is the last day of the 12th lunar month, the 29th or the 30th: simply the day before 初一.
        **{d: Festival.SPRING for d in _days(new_year_day - timedelta(days=1), 4)},
        qingming(year): Festival.QINGMING,
        **{d: Festival.LABOUR for d in _days(date(year, 5, 1), 2)},
        _solar(year, 5, 5): Festival.DRAGON_BOAT,
        _solar(year, 8, 15): Festival.MID_AUTUMN,
        **{d: Festival.NATIONAL for d in _days(date(year, 10, 1), 3)},
    }
    return MappingProxyType(days)


def is_statutory_holiday(d: date) -> bool:
    return d.year >= FIRST_YEAR and d in statutory_holidays(d.year)


# --- a year's arrangement, from a file ---------------------------------------------------------

class ArrangementError(ValueError):
    """A file that cannot be taken as it is; the message says where and why."""


@dataclass(frozen=True)
class Arrangement:
    year: int
    confirmed: bool
    source: str
    notes: str
    days: Mapping[date, tuple[bool, str]]  # date → (is a working day, the holiday's name)

    @property
    def days_off(self) -> list[date]:
        return sorted(d for d, (working, _) in self.days.items() if not working)

    @property
    def working_days(self) -> list[date]:
        return sorted(d for d, (working, _) in self.days.items() if working)


_TOP_KEYS = {"year", "confirmed", "source", "notes", "holiday"}
_HOLIDAY_KEYS = {"name", "from", "to", "work"}
NOTE_LENGTH = 60  # CalendarDay.note
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_arrangement(text: str) -> Arrangement:
    """Read a year's arrangement (TOML, see docs/calendar.md); ArrangementError on any mistake."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ArrangementError(f"not a valid TOML file: {exc}") from None
    _no_unknown_keys(data, _TOP_KEYS, "the file")
    year = _year(data.get("year"))
    confirmed = data.get("confirmed")
    if not isinstance(confirmed, bool):
        raise ArrangementError("'confirmed' must be true (the State Council's notice is published) or false (a draft)")
    source, notes = _text(data, "source", 200), _text(data, "notes", 10_000)
    holidays = data.get("holiday")
    if not isinstance(holidays, list) or not holidays:
        raise ArrangementError("the file lists no [[holiday]] sections")
    days: dict[date, tuple[bool, str]] = {}
    for number, holiday in enumerate(holidays, 1):
        _add_holiday(days, holiday, number, year)
    _statutory_days_are_off(days, year)
    return Arrangement(year, confirmed, source, notes, MappingProxyType(days))


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArrangementError("'year' must be a whole number such as 2027")
    if not FIRST_YEAR <= value <= 9999:
        raise ArrangementError(f"'year' must be {FIRST_YEAR} or later (the law as amended in 2024), not {value}")
    return value


def _text(data: dict, key: str, longest: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > longest:
        raise ArrangementError(f"'{key}' must be text of at most {longest} characters")
    return value.strip()


def _no_unknown_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ArrangementError(f"{where} has unknown keys {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def _add_holiday(days: dict, holiday: Any, number: int, year: int) -> None:
    if not isinstance(holiday, dict):
        raise ArrangementError(f"holiday {number} must be a [[holiday]] section")
    name = holiday.get("name")
    where = f"holiday {number} ({name})" if isinstance(name, str) and name.strip() else f"holiday {number}"
    _no_unknown_keys(holiday, _HOLIDAY_KEYS, where)
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NOTE_LENGTH:
        raise ArrangementError(f"{where}: 'name' must be text of 1 to {NOTE_LENGTH} characters")
    first, last = _day(holiday.get("from"), where, "from", year), _day(holiday.get("to"), where, "to", year)
    if last < first:
        raise ArrangementError(f"{where}: 'to' ({last}) is before 'from' ({first})")
    work = holiday.get("work", [])
    if not isinstance(work, list):
        raise ArrangementError(f"{where}: 'work' must be a list of dates, e.g. [2027-02-20]")
    for d in _days(first, (last - first).days + 1):
        _put(days, d, (False, name.strip()), where)
    for value in work:
        d = _day(value, where, "work", year)
        if d.weekday() < 5:
            raise ArrangementError(f"{where}: {d} is a {_WEEKDAYS[d.weekday()]}; only a Saturday or Sunday can be "
                                   f"made a working day (调休上班)")
        _put(days, d, (True, name.strip()), where)


def _day(value: Any, where: str, key: str, year: int) -> date:
    # TOML has dates of its own (2027-02-05, unquoted); a date-time or a quoted string is a mistake.
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ArrangementError(f"{where}: '{key}' must be a date written like 2027-02-05 (no quotes), got {value!r}")
    # 元旦's days off may start on 31 December, and a 调休 day may fall in the January after.
    if not (value.year == year or (value.year == year - 1 and value.month == 12)
            or (value.year == year + 1 and value.month == 1)):
        raise ArrangementError(f"{where}: {value} is not in {year} (nor the December before or January after)")
    return value


def _put(days: dict, d: date, value: tuple[bool, str], where: str) -> None:
    if d in days:
        raise ArrangementError(f"{where}: {d} is already given by {days[d][1]}")
    days[d] = value


def _statutory_days_are_off(days: Mapping[date, tuple[bool, str]], year: int) -> None:
    for d, festival in statutory_holidays(year).items():
        if d not in days or days[d][0]:
            raise ArrangementError(f"{d} is a statutory holiday ({festival.label_zh}) by law but no holiday in "
                                   f"the file gives it off: check the year and the dates")
