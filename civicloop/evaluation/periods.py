"""Periods of the calendar in the city's time zone: a day, ISO week, month, quarter, year or range."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from civicloop.core.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """Whole local days from `start` to `end`, both included."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[first instant, first instant after) as aware datetimes in the city's zone."""
        tz = timezone.get_current_timezone()
        return (datetime.combine(self.start, time.min, tzinfo=tz),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz))

    def __str__(self) -> str:
        return self.label


def parse(text: str, *, today: date | None = None) -> Period:
    """"2026-10", "2026-Q3", "2026-W42", "2026-10-05", "2026-10-01..2026-10-31", "2026", "today",
    "yesterday", "this-month", "last-month"."""
    text = (text or "").strip()
    today = today or timezone.localdate()
    try:
        return _parse(text, today)
    except ValueError:
        pass
    raise InvalidInput.field("period", f"无法识别的统计周期 {text!r} / unknown period (2026-10, 2026-Q3, 2026-W42, "
                                       "2026-10-01..2026-10-31, today)")


def _parse(text: str, today: date) -> Period:
    named = _named(text, today)
    if named:
        return named
    if ".." in text:
        first, last = (date.fromisoformat(part.strip()) for part in text.split("..", 1))
        if last < first:
            raise ValueError("end before start")
        return Period(first, last, f"{first}..{last}")
    if m := _MONTH.match(text):
        return month(int(m[1]), int(m[2]))
    if m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        return Period(date(year, 3 * q - 2, 1), _month_end(year, 3 * q), f"{year}-Q{q}")
    if m := _WEEK.match(text):
        year, week = int(m[1]), int(m[2])
        first = date.fromisocalendar(year, week, 1)
        return Period(first, first + timedelta(days=6), f"{year}-W{week:02d}")
    if m := _YEAR.match(text):
        year = int(m[1])
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    day = date.fromisoformat(text)
    return Period(day, day, day.isoformat())


def _named(text: str, today: date) -> Period | None:
    if text == "today":
        return Period(today, today, today.isoformat())
    if text == "yesterday":
        day = today - timedelta(days=1)
        return Period(day, day, day.isoformat())
    if text == "this-month":
        return month(today.year, today.month)
    if text == "last-month":
        previous = today.replace(day=1) - timedelta(days=1)
        return month(previous.year, previous.month)
    return None


def month(year: int, number: int) -> Period:
    if not 1 <= number <= 12:
        raise ValueError("month")
    return Period(date(year, number, 1), _month_end(year, number), f"{year}-{number:02d}")


def _month_end(year: int, number: int) -> date:
    following = date(year + number // 12, number % 12 + 1, 1)
    return following - timedelta(days=1)
