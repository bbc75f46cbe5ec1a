"""What a report shows, read once from the metrics API (evaluation.queries) into plain values.

The Excel and PDF builders take a Figures and return bytes; they never query, so both formats of
one report show the same numbers and the builders can be tested with hand-made figures.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from civicloop.evaluation import queries
from civicloop.evaluation.models import DailyCount, Ranking
from civicloop.evaluation.periods import Period, parse
from civicloop.evaluation.queries import Row, Scored

# Report kinds by the period's shape; the label is the report's title (Chinese first).
KINDS = {
    "day": "日报 daily report",
    "week": "周报 weekly report",
    "month": "月报 monthly report",
    "quarter": "季报 quarterly report",
    "year": "年报 annual report",
    "custom": "统计报表 report",
}
RANKED = ("department", "street")  # the 红黑榜 subjects (evaluation.models.Ranking.Subject)
DEFAULT_LIST_SIZE = 3
TREND_MAX_DAYS = 92  # a longer period's trend is drawn by month, not by day


@dataclass(frozen=True)
class TrendPoint:
    label: str  # "10-05" for a day, "2026-10" for a month
    reported: int
    concluded: int  # 办结数: closed after checking plus self-handled closed


@dataclass
class Board:
    """One subject's ranking: every ranked unit, best first, and the size of its 红/黑 lists."""

    subject: str
    rows: list[dict]
    list_size: int
    published: bool  # frozen rows of a published month, not computed now

    def mark(self, index: int) -> str:
        """'red', 'black' or '' for the row at index (never both: queries.red_and_black)."""
        red, black = queries.red_and_black(self.rows, self.list_size)
        if index < len(red):
            return "red"
        return "black" if index >= len(self.rows) - len(black) else ""


@dataclass
class Figures:
    city_name: str
    kind: str
    period: Period
    generated_at: datetime
    city: Row
    departments: list[Row]
    streets: list[Row]
    categories: list[Row]
    channels: list[Row]
    department_scores: list[Scored]
    street_scores: list[Scored]
    boards: dict[str, Board] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)
    districts: list[Row] = field(default_factory=list)  # a jurisdiction above county level (两级指挥)

    @property
    def title(self) -> str:
        zh, en = _split(KINDS[self.kind])
        return f"{self.city_name}数字城管{zh} {self.period.label} · {en}"

    @property
    def span(self) -> str:
        return f"{self.period.start:%Y-%m-%d} 至 {self.period.end:%Y-%m-%d}（{self.period.days} 天 days）"


def _split(label: str) -> tuple[str, str]:
    zh, _, en = label.partition(" ")
    return zh, en


def kind_of(period: Period) -> str:
    label = period.label
    if period.days == 1:
        return "day"
    if re.fullmatch(r"\d{4}-W\d{2}", label):
        return "week"
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return "month"
    if re.fullmatch(r"\d{4}-Q\d", label):
        return "quarter"
    return "year" if re.fullmatch(r"\d{4}", label) else "custom"


def gather(period: Period | str, *, now: datetime | None = None) -> Figures:
    """Everything a report shows for the period, city-wide (callers check who may see it)."""
    period = period if isinstance(period, Period) else parse(period)
    now = now or timezone.now()
    return Figures(
        city_name=settings.CITY_NAME, kind=kind_of(period), period=period, generated_at=now,
        city=queries.metrics(period, now=now)[0],
        departments=_ordered(queries.metrics(period, "department", now=now)),
        streets=_ordered(queries.metrics(period, "street", now=now)),
        categories=sorted(queries.metrics(period, "category", now=now), key=lambda r: (-r["reported"], r.key)),
        channels=sorted(queries.metrics(period, "channel", now=now), key=lambda r: (-r["reported"], r.key)),
        department_scores=[s for s in queries.scores(period, "department", now=now)],
        street_scores=[s for s in queries.scores(period, "area", area="street", now=now)],
        boards={subject: board(period, subject, now=now) for subject in RANKED},
        trend=trend(period, until=timezone.localdate(now)),
        districts=_ordered(queries.metrics(period, "district", now=now)) if has_districts() else [],
    )


def has_districts() -> bool:
    """A province or prefecture-level jurisdiction reports by district too; a county is one district."""
    return len(settings.JURISDICTION) < 6


def _ordered(rows: list[Row]) -> list[Row]:
    """By code, with the no-key row (before 派遣 an event has no department) last."""
    return sorted(rows, key=lambda r: (r.key == "", r.key))


def board(period: Period, subject: str, *, now: datetime) -> Board:
    """A month's published 红黑榜 as it was announced; otherwise the ranking computed now."""
    if kind_of(period) == "month":
        frozen = Ranking.objects.filter(month=period.start, subject=subject, published_at__isnull=False).first()
        if frozen is not None:
            return Board(subject, frozen.rows, frozen.list_size, published=True)
    return Board(subject, queries.ranking(period, subject, now=now), DEFAULT_LIST_SIZE, published=False)


def trend(period: Period, *, until: date | None = None) -> list[TrendPoint]:
    """Reports and closures per day (per month past TREND_MAX_DAYS), from the city's daily
    counters in one query; metrics(day) sums the same rows, one query set per day. A running
    period stops at `until` (today) instead of drawing the days to come as zeros."""
    rows = (DailyCount.objects.filter(dim="city", day__gte=period.start, day__lte=period.end)
            .values("day").annotate(reported=Sum("reported"), closed=Sum("closed"), self_closed=Sum("self_closed"))
            .order_by())
    by_day = {r["day"]: (int(r["reported"] or 0), int(r["closed"] or 0) + int(r["self_closed"] or 0)) for r in rows}
    days = [period.start + timedelta(days=i) for i in range(period.days)]
    days = [d for d in days if until is None or d <= until] or days[:1]
    if period.days <= TREND_MAX_DAYS:
        return [TrendPoint(f"{d:%m-%d}", *by_day.get(d, (0, 0))) for d in days]
    return _by_month(days, by_day)


def _by_month(days: list[date], by_day: dict) -> list[TrendPoint]:
    months: dict[str, list[int]] = {}
    for d in days:
        total = months.setdefault(f"{d:%Y-%m}", [0, 0])
        reported, concluded = by_day.get(d, (0, 0))
        total[0] += reported
        total[1] += concluded
    return [TrendPoint(label, r, c) for label, (r, c) in months.items()]
