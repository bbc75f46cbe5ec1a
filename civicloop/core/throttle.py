"""Counting failed tries in the database, so a limit holds across every app server and restart."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from civicloop.core.models import Throttle

KEEP = timedelta(days=2)  # longer than any window a caller counts over


def hit(key: str, *, now: datetime | None = None) -> None:
    Throttle.objects.create(key=key[:120], at=now or timezone.now())


def hits(key: str, window: timedelta, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Throttle.objects.filter(key=key[:120], at__gt=now - window).count()


def oldest_within(key: str, window: timedelta, limit: int, *, now: datetime | None = None) -> datetime | None:
    """When the limit-th newest hit inside the window happened (None if fewer): the lock ends a window after it."""
    now = now or timezone.now()
    times = list(Throttle.objects.filter(key=key[:120], at__gt=now - window)
                 .order_by("-at").values_list("at", flat=True)[:limit])
    return times[-1] if len(times) >= limit else None


def forget_old(*, now: datetime | None = None) -> int:
    """Worker job: old tries are no longer counted, so they are deleted (they hold IP addresses)."""
    now = now or timezone.now()
    ids = list(Throttle.objects.filter(at__lt=now - KEEP).values_list("pk", flat=True)[:5000])
    return Throttle.objects.filter(pk__in=ids).delete()[0] if ids else 0
