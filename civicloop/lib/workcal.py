"""Deadlines counted in working time under China's official holiday schedule.

Case-handling limits are set in 工作时 / 工作日 (only working periods of
working days count, 调休 weekend days included) or in natural time.  Working
time is counted on the local wall clock of the calendar's time zone.

Whether a day is worked, first match wins: a day the city entered (a local override, or a day of
the year's arrangement); for a year whose arrangement is entered, the statutory holidays and
Monday–Friday; the chinesecalendar package for the years it knows; else the statutory holidays
(computed from the law, lib/holidays.py) and Monday–Friday.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping
from zoneinfo import ZoneInfo

import chinese_calendar

from civicloop.lib.holidays import is_statutory_holiday

Periods = tuple[tuple[time, time], ...]


class Unit(StrEnum):
    WORK_HOURS = "WH"  # 工作时
    WORK_DAYS = "WD"  # 工作日: one working day = the total length of one day's working periods
    NATURAL_DAYS = "ND"  # 自然日
    NATURAL_HOURS = "NH"  # 小时 (natural)
    MINUTES = "NM"  # 分钟 (natural)

    @property
    def is_working(self) -> bool:
        return self in (Unit.WORK_HOURS, Unit.WORK_DAYS)

    @property
    def label_zh(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    Unit.WORK_HOURS: ("工作时", "working hours"),
    Unit.WORK_DAYS: ("工作日", "working days"),
    Unit.NATURAL_DAYS: ("自然日", "days"),
    Unit.NATURAL_HOURS: ("小时", "hours"),
    Unit.MINUTES: ("分钟", "minutes"),
}
# Seconds per unit for units that do not depend on the working periods.
_FIXED_SECONDS = {Unit.WORK_HOURS: 3600, Unit.NATURAL_DAYS: 86400, Unit.NATURAL_HOURS: 3600, Unit.MINUTES: 60}


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        if not (math.isfinite(self.amount) and self.amount > 0):
            raise ValueError(f"limit amount must be a positive number, got {self.amount!r}")
        object.__setattr__(self, "unit", Unit(self.unit))  # accept "WH" as stored in the database


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def light(now: datetime, warn_at: datetime | None, deadline: datetime | None) -> Light | None:
    """Traffic light of a running clock; None when no clock runs."""
    if deadline is None:
        return None
    if now > deadline:
        return Light.RED
    if warn_at is not None and now >= warn_at:
        return Light.YELLOW
    return Light.GREEN


@lru_cache(maxsize=8192)
def _official_workday(d: date) -> bool | None:
    # Cached: chinese_calendar scans its whole table on every call (~50 µs).
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:  # year outside the library's data
        return None


def official_year_known(year: int) -> bool:
    """Whether the chinesecalendar package has the State Council's arrangement for `year`."""
    return _official_workday(date(year, 1, 1)) is not None


_DAY = timedelta(days=1)
_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class WorkCalendar:
    def __init__(
        self,
        *,
        periods: Periods = ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0))),
        overrides: Mapping[date, bool] | None = None,
        arranged_years: frozenset[int] = frozenset(),
        tz: str = "Asia/Shanghai",
    ) -> None:
        self.periods = self._validate(tuple(periods))
        # A read-only copy: is_workday() memoises, so the days must not change afterwards.
        self.overrides: Mapping[date, bool] = MappingProxyType(dict(overrides or {}))
        # Years whose whole arrangement is among the overrides: chinesecalendar is not asked about them.
        self.arranged_years = frozenset(arranged_years)
        self.tz = ZoneInfo(tz)
        self._known: dict[date, bool] = {}
        self._day_seconds = sum(_seconds(a, b) for a, b in self.periods)

    @staticmethod
    def _validate(periods: Periods) -> Periods:
        if not periods:
            raise ValueError("at least one working period is required")
        for start, end in periods:
            if start >= end:
                raise ValueError(f"working period {start:%H:%M}-{end:%H:%M} must end after it starts")
        for (_, prev_end), (start, _) in zip(periods, periods[1:]):
            if start < prev_end:
                raise ValueError(f"working periods must be sorted and not overlap ({start:%H:%M} < {prev_end:%H:%M})")
        return periods

    @classmethod
    def parse_periods(cls, text: str) -> Periods:
        """Parse "08:30-12:00,14:30-18:00"."""
        periods = []
        for part in text.split(","):
            m = _PERIOD_RE.match(part)
            if not m:
                raise ValueError(f"bad working period {part.strip()!r}: expected HH:MM-HH:MM")
            h1, m1, h2, m2 = map(int, m.groups())
            try:
                periods.append((time(h1, m1), time(h2, m2)))
            except ValueError:
                raise ValueError(f"bad working period {part.strip()!r}: not a time of day") from None
        return cls._validate(tuple(periods))

    def is_workday(self, d: date) -> bool:
        """Overrides, then the State Council schedule, then the statutory holidays and Monday–Friday."""
        known = self._known.get(d)
        if known is None:  # memoised per calendar: advance() asks about every day it crosses
            if d in self.overrides:
                known = self.overrides[d]
            else:
                official = None if d.year in self.arranged_years else _official_workday(d)
                known = (d.weekday() < 5 and not is_statutory_holiday(d)) if official is None else official
            self._known[d] = known
        return known

    def day_seconds(self) -> float:
        return self._day_seconds

    def limit_seconds(self, limit: Limit) -> float:
        if limit.unit is Unit.WORK_DAYS:
            return limit.amount * self._day_seconds
        return limit.amount * _FIXED_SECONDS[limit.unit]

    def advance(self, start: datetime, seconds: float, *, working: bool) -> datetime:
        """The instant at which `seconds` of clock have run from `start`."""
        _require_aware(start)
        if not (math.isfinite(seconds) and seconds >= 0):  # NaN or inf would never end the loop
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        if not working:
            # In UTC, so a DST change cannot stretch or shrink natural time.
            return (start.astimezone(timezone.utc) + timedelta(seconds=seconds)).astimezone(start.tzinfo)
        if seconds == 0:
            return start
        wall = start.astimezone(self.tz).replace(tzinfo=None)  # wall clock of the calendar
        remaining, d, not_before = seconds, wall.date(), wall
        while True:
            if self.is_workday(d):
                if not_before is None and remaining > self._day_seconds:
                    remaining -= self._day_seconds  # a whole working day at once
                else:
                    for a, b in self.periods:
                        s, e = datetime.combine(d, a), datetime.combine(d, b)
                        if not_before is not None and not_before > s:
                            s = not_before
                        if s >= e:
                            continue
                        avail = (e - s).total_seconds()
                        if remaining <= avail:  # `<=`: ending exactly at a period's end returns that end
                            return _localize(s + timedelta(seconds=remaining), self.tz, start)
                        remaining -= avail
            d, not_before = d + _DAY, None  # later days are counted from midnight

    def elapsed(self, start: datetime, end: datetime, *, working: bool) -> float:
        """Seconds of clock between start and end; 0 if end <= start."""
        _require_aware(start)
        _require_aware(end)
        if end <= start:
            return 0.0
        if not working:
            return (end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds()
        t0 = start.astimezone(self.tz).replace(tzinfo=None)
        t1 = end.astimezone(self.tz).replace(tzinfo=None)
        total, d, first, last = 0.0, t0.date(), t0.date(), t1.date()
        while d <= last:
            if self.is_workday(d):
                if first < d < last:
                    total += self._day_seconds  # a whole working day at once
                else:
                    for a, b in self.periods:
                        s, e = max(t0, datetime.combine(d, a)), min(t1, datetime.combine(d, b))
                        if s < e:
                            total += (e - s).total_seconds()
            d += _DAY
        return total

    def deadline(self, start: datetime, limit: Limit) -> datetime:
        return self.advance(start, self.limit_seconds(limit), working=limit.unit.is_working)

    def warn_at(self, start: datetime, limit: Limit, fraction: float = 0.8) -> datetime:
        """When the light turns yellow: after `fraction` of the limit."""
        _require_fraction(fraction)
        return self.advance(start, fraction * self.limit_seconds(limit), working=limit.unit.is_working)

    def resume(
        self, resumed_at: datetime, limit: Limit, consumed_seconds: float, fraction: float = 0.8
    ) -> tuple[datetime, datetime]:
        """(deadline, warn_at) after a pause, with `consumed_seconds` already used."""
        _require_fraction(fraction)
        total, working = self.limit_seconds(limit), limit.unit.is_working
        # Clamped at 0: an overdue or already-yellow clock lands on resumed_at itself.
        deadline = self.advance(resumed_at, max(total - consumed_seconds, 0.0), working=working)
        warn = self.advance(resumed_at, max(fraction * total - consumed_seconds, 0.0), working=working)
        return deadline, warn


def _seconds(a: time, b: time) -> float:
    return (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()


def _localize(wall: datetime, tz: ZoneInfo, like: datetime) -> datetime:
    return wall.replace(tzinfo=tz).astimezone(like.tzinfo)


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {dt.isoformat()}")


def _require_fraction(fraction: float) -> None:
    if not 0 <= fraction <= 1:
        raise ValueError(f"warning fraction must be within [0, 1], got {fraction!r}")
