"""Counting tries in the database, so a limit holds across every app server and restart.

One table (`core.Throttle`: key, at, count) and three uses:

* tries in a sliding window — `hit` a key, count its `hits` over the last window (an anonymous
  caller's look-ups);
* a lockout after N failures — `hit` on each failure, `locked_until` says when the lock ends (a
  window after the N-th newest failure), `clear` forgives a key's failures (a staff member who signs
  in is counted afresh);
* a fixed-window rate limit — `take` counts one try in the current window and refuses it over the
  limit, in one statement (Open311 POSTs: its hot path).

A try is a row at its instant (count > 1 only when tries share it); a fixed window is one row at the
window's start whose count goes up. Keys name what is counted: "login-user:…", "citizen-code-ip:…",
"open311:<client id>".
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from civicloop.core import bulk
from civicloop.core.models import Throttle

KEY_LENGTH = 120
KEEP = timedelta(days=2)  # longer than any window a caller counts over


def hit(key: str, *, now: datetime | None = None) -> None:
    _add(key[:KEY_LENGTH], now or timezone.now())


def hits(key: str, window: timedelta, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    found = Throttle.objects.filter(key=key[:KEY_LENGTH], at__gt=now - window).aggregate(n=Sum("count"))["n"]
    return found or 0


def oldest_within(key: str, window: timedelta, limit: int, *, now: datetime | None = None) -> datetime | None:
    """When the limit-th newest try inside the window happened (None if fewer)."""
    now = now or timezone.now()
    counted = 0
    for at, count in (Throttle.objects.filter(key=key[:KEY_LENGTH], at__gt=now - window)
                      .order_by("-at").values_list("at", "count")[:limit]):
        counted += count
        if counted >= limit:
            return at
    return None


def locked_until(key: str, window: timedelta, limit: int, *, now: datetime | None = None) -> datetime | None:
    """A key with `limit` failures inside the window is locked until a window after the one that
    reached the limit (then it drops out of the window and the count is below the limit again)."""
    first = oldest_within(key, window, limit, now=now)
    return first + window if first else None


def clear(key: str) -> None:
    Throttle.objects.filter(key=key[:KEY_LENGTH]).delete()


def take(key: str, *, window: timedelta, limit: int, now: datetime | None = None) -> bool:
    """Count one try in the key's current fixed window unless it already holds `limit`: True when counted.

    One statement, an upsert that adds only below the limit, so the limit holds across app servers on
    SQLite and PostgreSQL. Inside `bulk.batch()` it goes out with the rows waiting there (it reads
    only this table), and in the caller's transaction: a try that is rolled back counts nothing."""
    now = now or timezone.now()
    seconds = int(window.total_seconds())
    start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=dt_timezone.utc)
    counted = bulk.execute_after(_upsert(f" WHERE {_q(Throttle._meta.db_table)}.{_q('count')} < %s") +
                                 f" RETURNING {_q('count')}", [key[:KEY_LENGTH], _db_time(start), limit])
    return bool(counted)


def totals(prefix: str, since: datetime) -> dict[str, int]:
    """Tries per key since a time, for the keys that start with `prefix` (a console's "last hour")."""
    return dict(Throttle.objects.filter(key__startswith=prefix, at__gte=since).values("key")
                .annotate(n=Sum("count")).values_list("key", "n"))


def forget_old(*, now: datetime | None = None) -> int:
    """Worker job: old tries are no longer counted, so they are deleted (they hold IP addresses)."""
    now = now or timezone.now()
    ids = list(Throttle.objects.filter(at__lt=now - KEEP).values_list("pk", flat=True)[:5000])
    return Throttle.objects.filter(pk__in=ids).delete()[0] if ids else 0


def _add(key: str, at: datetime) -> None:
    """Tries at the same instant share a row (key and at are unique together, for the windows)."""
    with connection.cursor() as cursor:
        cursor.execute(_upsert(""), [key, _db_time(at)])


def _upsert(guard: str) -> str:
    table, key, at, count = (_q(n) for n in (Throttle._meta.db_table, "key", "at", "count"))
    return (f"INSERT INTO {table} ({key}, {at}, {count}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key}, {at}) DO UPDATE SET {count} = {table}.{count} + 1{guard}")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _db_time(value: datetime):
    """As the ORM would store it (SQLite keeps naive UTC text; a raw parameter would keep the offset)."""
    return connection.ops.adapt_datetimefield_value(value)
