"""State changes of the local configuration that are more than one row's save."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from civicloop.core import changes, revisions
from civicloop.lib.holidays import Arrangement, ArrangementError
from civicloop.taxonomy.models import CalendarDay, CalendarYear, Category, TimeLimit
from civicloop.taxonomy.queries import REVISION


@dataclass(frozen=True)
class Saved:
    year: CalendarYear
    days: int
    replaced_overrides: int  # local one-day overrides on the arrangement's dates, now its days


def save_arrangement(arrangement: Arrangement, *, by=None, now: datetime | None = None,
                     via: str = changes.Via.ADMIN) -> Saved:
    """Enter (or enter again) a year's holiday arrangement: the only door to CalendarYear.

    The year's days are replaced as a whole, in one transaction; every process's cached calendar
    follows through the taxonomy revision. ArrangementError, with nothing saved, when a day
    belongs to another year's arrangement.
    """
    dates = list(arrangement.days)
    with transaction.atomic():
        check_arrangement(arrangement)
        before = _arrangement_snapshot(arrangement.year)
        year, _ = CalendarYear.objects.update_or_create(year=arrangement.year, defaults={
            "confirmed": arrangement.confirmed, "source": arrangement.source, "notes": arrangement.notes,
            "entered_by": by, "entered_at": now or timezone.now(),
        })
        CalendarDay.objects.filter(year=year).delete()
        # A city may have typed next year's days in as overrides before: the arrangement takes them over.
        replaced, _ = CalendarDay.objects.filter(date__in=dates, year__isnull=True).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=d, is_workday=working, note=name, year=year)
            for d, (working, name) in sorted(arrangement.days.items())
        )
        revisions.bump(REVISION)  # bulk writes send no signals
        changes.record(by if by is not None else f"{via}:calendar", year,
                       changes.Action.UPDATE if before else changes.Action.CREATE, before,
                       _arrangement_snapshot(year.year), via=via)
    return Saved(year, len(dates), replaced)


def _arrangement_snapshot(year: int) -> dict:
    """The year's notice and its days (date → working or the holiday's name), for the change log."""
    entered = CalendarYear.objects.filter(year=year).first()
    if entered is None:
        return {}
    days = {d.isoformat(): ("working" if working else f"off {note}".strip())
            for d, working, note in CalendarDay.objects.filter(year=entered).values_list("date", "is_workday", "note")}
    return {**changes.snapshot(entered, ["confirmed", "source", "notes"]), "days": days}


def check_arrangement(arrangement: Arrangement) -> None:
    """ArrangementError if a day of it is a day of another year's arrangement (e.g. a 31 December)."""
    taken = (CalendarDay.objects.filter(date__in=list(arrangement.days), year__isnull=False)
             .exclude(year_id=arrangement.year).order_by("date").first())
    if taken is not None:
        raise ArrangementError(f"{taken.date} is already a day of the {taken.year_id} arrangement")


# One door for the rows a city configures one at a time (the admin's saves record through
# core.changes_admin): validated, saved and recorded together; the revision bump in signals.py
# rides in the same transaction.

def save_category(actor, category: Category, *, via: str, reason: str = "") -> Category:
    return changes.save(actor, category, via=via, reason=reason)


def save_time_limit(actor, limit: TimeLimit, *, via: str, reason: str = "") -> TimeLimit:
    return changes.save(actor, limit, via=via, reason=reason)


def save_calendar_day(actor, day: CalendarDay, *, via: str, reason: str = "") -> CalendarDay:
    if day.year_id:
        raise ArrangementError(f"{day.date} belongs to the {day.year_id} arrangement: load the arrangement again")
    return changes.save(actor, day, via=via, reason=reason)


def delete_config(actor, obj: Category | TimeLimit | CalendarDay, *, via: str, reason: str = "") -> None:
    changes.delete(actor, obj, via=via, reason=reason)
