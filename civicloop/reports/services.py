"""Making reports: on demand (bytes for a download or the CLI) and on the worker's schedule
(each finished day, ISO week and month once, as files under settings.REPORTS_ROOT).

Who may see them is decided here (can_see): the reports are city-wide figures, so only the
city-wide staff who run the loop (值班长, 指挥长, administrator) may have them. A street, grid or
department user gets none: a report cut to one street would be a different report (docs/reports.md).
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.core.errors import Forbidden, InvalidInput
from civicloop.evaluation import rollup
from civicloop.evaluation.periods import Period, month, parse
from civicloop.org.roles import Role, Scope
from civicloop.reports import excel, pdf
from civicloop.reports.figures import Figures, gather
from civicloop.reports.models import Report

READERS = frozenset({Role.SHIFT_LEADER, Role.COMMANDER, Role.ADMIN})
FORMATS = {"xlsx": excel.build, "pdf": pdf.build}
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "pdf": "application/pdf"}
# Finished periods looked back over on each check, so a worker that was down over a few
# midnights still writes what it missed (but a fresh install does not write a year of reports).
LOOKBACK = {Report.Kind.DAY: 3, Report.Kind.WEEK: 1, Report.Kind.MONTH: 1}
RETRY_SECONDS = 300
MAX_DAYS = 366  # a longer range is a history question, not a report


def can_see(user) -> bool:
    return (getattr(user, "is_authenticated", False) and getattr(user, "role", "") in READERS
            and getattr(user, "scope", "") == Scope.CITY)


def check_reader(user) -> None:
    if not can_see(user):
        raise Forbidden("统计报表仅限全市范围的值班长、指挥长和管理员查看 / reports are for city-wide shift "
                        "leaders, commanders and administrators")


# ---------------------------------------------------------------------------- on demand


@dataclass
class Built:
    figures: Figures
    format: str
    content: bytes
    seconds: float

    @property
    def filename(self) -> str:
        return f"civicloop-{self.figures.kind}-{self.figures.period.label}.{self.format}".replace("..", "_")

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def period_of(text: str, *, today: date | None = None) -> Period:
    """periods.parse(), refusing the future and ranges too long for one report."""
    period = parse(text, today=today)
    today = today or timezone.localdate()
    if period.start > today:
        raise InvalidInput.field("period", f"{period.label} 尚未开始 / this period has not begun")
    if period.days > MAX_DAYS:
        raise InvalidInput.field("period", f"报表最长{MAX_DAYS}天 / a report covers at most {MAX_DAYS} days")
    return period


def build(period: Period | str, fmt: str, *, now: datetime | None = None) -> Built:
    """One report's bytes, city-wide (callers check the reader first)."""
    if fmt not in FORMATS:
        raise InvalidInput.field("format", "格式须为 xlsx 或 pdf / format is xlsx or pdf")
    started = time.perf_counter()
    figures = gather(period if isinstance(period, Period) else period_of(period), now=now)
    content = FORMATS[fmt](figures)
    return Built(figures, fmt, content, time.perf_counter() - started)


# ---------------------------------------------------------------------------- on a schedule


def finished_periods(today: date) -> list[tuple[str, Period]]:
    """The latest finished days, ISO weeks and months before `today` (local), newest first."""
    out = []
    for n in range(1, LOOKBACK[Report.Kind.DAY] + 1):
        out.append((Report.Kind.DAY, parse((today - timedelta(days=n)).isoformat())))
    monday = today - timedelta(days=today.weekday())
    for n in range(1, LOOKBACK[Report.Kind.WEEK] + 1):
        year, week, _ = (monday - timedelta(weeks=n)).isocalendar()
        out.append((Report.Kind.WEEK, parse(f"{year}-W{week:02d}")))
    first = today.replace(day=1)
    for _ in range(LOOKBACK[Report.Kind.MONTH]):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append((Report.Kind.MONTH, month(first.year, first.month)))
    return out


def generate_due(now: datetime | None = None) -> int:
    """Write every finished period's xlsx and pdf not written yet; the number written."""
    now = now or timezone.now()
    wanted = [(kind, period, fmt) for kind, period in finished_periods(timezone.localdate(now)) for fmt in FORMATS]
    have = set(Report.objects.filter(period_start__in={p.start for _, p, _ in wanted})
               .values_list("kind", "period_start", "format"))
    missing = [(k, p, f) for k, p, f in wanted if (k, p.start, f) not in have]
    if not missing:
        return 0
    _count_latest_events()
    return sum(1 for kind, period, fmt in missing if store(kind, period, fmt, now=now) is not None)


def _count_latest_events() -> None:
    """Reports read the daily counters: bring them up to the event log first."""
    rollup.refresh()


def store(kind: str, period: Period, fmt: str, *, now: datetime | None = None) -> Report | None:
    """Build and keep one report; None when another worker kept it first."""
    built = build(period, fmt, now=now)
    relative = f"{period.start:%Y}/{kind}-{period.label}.{fmt}"
    _write(Path(settings.REPORTS_ROOT) / relative, built.content)
    try:
        with transaction.atomic():
            return Report.objects.create(kind=kind, period=period.label, period_start=period.start,
                                         period_end=period.end, format=fmt, file=relative,
                                         size=len(built.content), seconds=round(built.seconds, 3))
    except IntegrityError:
        return None  # the same file, written by the winner too: nothing to undo


def _write(path: Path, content: bytes) -> None:
    """Write beside the target and rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, path)


def path_of(report: Report) -> Path:
    return Path(settings.REPORTS_ROOT) / report.file


class Schedule:
    """The worker's job. It asks the database once per local day (the worker loops every second),
    and after a failure (a missing font, a full disk) waits RETRY_SECONDS before trying again."""

    def __init__(self):
        self.done_for: date | None = None
        self.retry_at = 0.0

    def __call__(self) -> int:
        if not settings.REPORTS_SCHEDULE:
            return 0
        today = timezone.localdate()
        if self.done_for == today or time.monotonic() < self.retry_at:
            return 0
        try:
            written = generate_due()
        except Exception:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            raise
        self.done_for = today
        return written


run_scheduled = Schedule()
