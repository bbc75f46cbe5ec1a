"""The day's serial in a case reference (532503-20261122-000123).

The prefix is the county of the case's place, so a prefecture's districts give references of their
own (370811-…, 370812-…); the serial counts per day across the whole jurisdiction, which keeps every
reference unique whatever its prefix.

SQLite: one counter row per day (`CaseSequence`), bumped inside the creating transaction; SQLite has
one writer at a time anyway, so numbers stay dense.

PostgreSQL: a sequence per day (`cases_serial_20261122`), read by `cases_next_serial(day)` (migration
cases 0009), which creates the day's sequence on its first call, starting after the day's counter
row. A row lock on the counter would be held until the creating transaction commits and so queue
every creator behind the one before (several app servers, hotline, IoT and Open311 at once);
`nextval` never waits. The price is a gap in the day's numbers when a report's transaction rolls
back after taking its serial, as with any database sequence. References stay unique and increasing.

The worker (`keep_day_serials`) makes today's and tomorrow's sequences ahead, each in a short
transaction of its own: one made by a report would make that day's other creators wait for the
report's commit, once. It also copies a past day's last value back into its counter row and drops
the sequence, so the table keeps every day's count and the catalogue does not grow.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from civicloop.cases.models import CaseSequence

KEEP_DAYS = 3  # yesterday's reports may still be filed with yesterday's date for a while
_prepared: dict[str, date] = {}  # database → the day this worker last made sequences for


def next_serial(day: date, *, ids_for=()) -> tuple[int, list[int | None]]:
    """The day's next serial and, on PostgreSQL, fresh primary keys for the given models from their
    id sequences, in the same round trip: rows whose keys are known can then be sent together
    (bulk.batch). SQLite gives None for each key (the insert assigns it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            ids = ", nextval(%s::regclass)" * len(ids_for)
            cursor.execute(f"SELECT cases_next_serial(%s){ids}", [day, *(_id_sequence(m) for m in ids_for)])
            serial, *keys = cursor.fetchone()
            return serial, keys
    return _count_up({day: 1})[day], [None] * len(ids_for)  # SQLite's write lock orders creators


_sequences: dict[tuple, str] = {}


def _id_sequence(model) -> str:
    """The sequence behind a model's auto primary key (an identity column's), looked up once."""
    key = (connection.settings_dict["NAME"], model._meta.db_table)
    if key not in _sequences:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                           [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column])
            _sequences[key] = cursor.fetchone()[0]
    return _sequences[key]


def reserve(counts: dict[date, int]) -> dict[date, list[int]]:
    """{day: its serials} for {day: how many}, in one statement (a batch of history spans many days).
    On PostgreSQL live intake may take numbers in between, so a day's serials need not be adjacent."""
    days = sorted(day for day, count in counts.items() if count)
    if not days:
        return {}
    if connection.vendor != "postgresql":
        last = _count_up({day: counts[day] for day in days})
        return {day: list(range(last[day] - counts[day] + 1, last[day] + 1)) for day in days}
    reserved: dict[date, list[int]] = {day: [] for day in days}
    with connection.cursor() as cursor:
        cursor.execute("SELECT d, cases_next_serial(d) FROM unnest(%s::date[], %s::int[]) AS t(d, n), "
                       "generate_series(1, n) ORDER BY 1, 2", [days, [counts[day] for day in days]])
        for day, serial in cursor.fetchall():
            reserved[day].append(serial)
    return reserved


def _count_up(counts: dict[date, int]) -> dict[date, int]:
    """SQLite: add to the days' counter rows in one upsert; {day: its last serial now}."""
    days = sorted(counts)
    values = ", ".join(["(%s, %s)"] * len(days))
    params = [v for day in days for v in (day, counts[day])]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO cases_casesequence (day, last) VALUES {values} ON CONFLICT (day) DO UPDATE "
                       "SET last = cases_casesequence.last + excluded.last RETURNING day, last", params)
        last = {str(day)[:10]: value for day, value in cursor.fetchall()}
    return {day: last[day.isoformat()] for day in days}


def raise_floor(day: date, serial: int) -> None:
    """Imported or generated cases claimed serials up to `serial` on `day`: live intake goes on after."""
    with transaction.atomic():
        CaseSequence.objects.get_or_create(day=day)
        CaseSequence.objects.filter(day=day, last__lt=serial).update(last=serial)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT cases_raise_serial(%s, %s)", [day, serial])


def keep_day_serials(now=None) -> int:
    """Worker job: today's and tomorrow's sequences ready; days more than KEEP_DAYS ago retired."""
    if connection.vendor != "postgresql":
        return 0
    today = timezone.localtime(now or timezone.now()).date()
    if _prepared.get(connection.settings_dict["NAME"]) != today:
        with transaction.atomic(), connection.cursor() as cursor:
            for day in (today, today + timedelta(days=1)):
                cursor.execute("SELECT cases_ensure_serial(%s)", [day])
            _prepared[connection.settings_dict["NAME"]] = today
        return retire_old(now)
    return 0


def retire_old(now=None) -> int:
    """Days more than KEEP_DAYS ago keep their count in the table, not in a sequence."""
    if connection.vendor != "postgresql":
        return 0
    cutoff = timezone.localtime(now or timezone.now()).date() - timedelta(days=KEEP_DAYS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT cases_retire_serials(%s)", [cutoff])
        return cursor.fetchone()[0]
