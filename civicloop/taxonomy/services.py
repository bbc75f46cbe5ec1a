"""State changes of the local configuration that are more than one row's save."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from civicloop.core import revisions
from civicloop.lib.holidays import Arrangement, ArrangementError
from civicloop.taxonomy.models import CalendarDay, CalendarYear
from civicloop.taxonomy.queries import REVISION


@dataclass(frozen=True)
class Saved:
    year: CalendarYear
    days: int
    replaced_overrides: int  # local one-day overrides on the arrangement's dates, now its days


def save_arrangement(arrangement: Arrangement, *, by=None, now: datetime | None = None) -> Saved:
    """Enter (or enter again) a year's holiday arrangement: the only door to CalendarYear.

    The year's days are replaced as a whole, in one transaction; every process's cached calendar
    follows through the taxonomy revision. ArrangementError, with nothing saved, when a day
    belongs to another year's arrangement.
    """
    dates = list(arrangement.days)
    with transaction.atomic():
        check_arrangement(arrangement)
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
    return Saved(year, len(dates), replaced)


def check_arrangement(arrangement: Arrangement) -> None:
    """ArrangementError if a day of it is a day of another year's arrangement (e.g. a 31 December)."""
    taken = (CalendarDay.objects.filter(date__in=list(arrangement.days), year__isnull=False)
             .exclude(year_id=arrangement.year).order_by("date").first())
    if taken is not None:
        raise ArrangementError(f"{taken.date} is already a day of the {taken.year_id} arrangement")
