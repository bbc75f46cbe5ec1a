"""Daily counters kept in step with the case event log.

refresh() counts the events past the watermark (the worker calls it every loop; tests call it
explicitly); rebuild() recounts the whole log. Both run the same SQL (one INSERT … SELECT …
GROUP BY per dimension, added onto existing rows with ON CONFLICT), only over different event
ids, so a rebuild gives exactly what the refreshes added up to. See docs/metrics.md.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from civicloop.evaluation import counters
from civicloop.evaluation.counters import DIMENSIONS, MUTABLE, NAMES
from civicloop.evaluation.models import DailyCount, PendingAttribution, RollupState

# A transaction can take an event id and commit after a later one (PostgreSQL sequences): an
# id missing below the watermark is looked for again until it is this old, then given up
# (its transaction rolled back).
GAP_SECONDS = 600
MAX_GAPS = 10_000
REBUILD_CHUNK = 500_000  # event ids per rebuild step (one progress line each)
WORKER_BATCH = 50_000  # event ids per worker turn: a big import is caught up over several turns
PRE_FILING = ("reported", "verifying")  # states in which 立案 may still change category or grid

_TABLE = DailyCount._meta.db_table
_PENDING = PendingAttribution._meta.db_table


@dataclass
class Result:
    events: int  # event ids counted (found in the range, plus late arrivals)
    moved: int  # cases whose earlier counts moved to the place or category set at 立案
    last_event_id: int
    seconds: float


# ---------------------------------------------------------------------------- SQL


def day_sql() -> str:
    """The event's local date. PostgreSQL knows the zone; SQLite gets the zone's offset now,
    which is exact for zones without daylight saving (China has none since 1991)."""
    if connection.vendor == "postgresql":
        return f"CAST(timezone('{settings.TIME_ZONE}', e.created_at) AS date)"
    offset = timezone.now().astimezone(timezone.get_current_timezone()).utcoffset()
    return f"date(e.created_at, '{int(offset.total_seconds() // 60):+d} minutes')"


def _upsert(dim: str, actor_key: str, *, where: str, key: str | None = None, sign: int = 1,
            join: str = "") -> str:
    """INSERT … SELECT the counters of one dimension (one attribution) for the events in `where`."""
    wanted = {c.name: c for c in counters.counters_for(dim, actor_key)}
    sums = ", ".join(
        f"SUM(CASE WHEN {wanted[n].condition} THEN {sign} ELSE 0 END)" if n in wanted else "0" for n in NAMES)
    relevant = " OR ".join(f"({c.condition})" for c in wanted.values())
    columns = ", ".join(NAMES)
    updates = ", ".join(f"{n} = {_TABLE}.{n} + excluded.{n}" for n in NAMES)
    key = key or counters.key_sql(dim, actor_key)
    return (f"INSERT INTO {_TABLE} (day, dim, key, {columns}) "
            f"SELECT {day_sql()}, '{dim}', {key}, {sums} "
            f"FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id {join} "
            f"WHERE ({where}) AND ({relevant}) GROUP BY 1, 3 "
            f"ON CONFLICT (dim, day, key) DO UPDATE SET {updates}")


# Two passes over the events, each grouped as finely as its dimensions need; every dimension
# then sums one of these small tables. The conditions (the costly part) run twice, not per dimension.
_GROUPS = {
    "evaluation_place_facts": (("street", "c.street_id"), ("community", "c.community_id"), ("grid", "c.grid_id"),
                               ("category", "c.category_id")),
    "evaluation_unit_facts": (("department", "e.department_id"), ("channel", "c.channel"), ("actor", "e.actor_id")),
}
_SOURCE = {"street": "evaluation_place_facts", "community": "evaluation_place_facts",
           "grid": "evaluation_place_facts", "category": "evaluation_place_facts",
           "city": "evaluation_unit_facts", "department": "evaluation_unit_facts",
           "channel": "evaluation_unit_facts", "actor": "evaluation_unit_facts"}


def _count(where: str) -> None:
    with connection.cursor() as cursor:
        for table, columns in _GROUPS.items():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(_facts(table, columns, where))
        for dim in DIMENSIONS:
            cursor.execute(_sum_facts(dim))
        for actor_key in (counters.REPORTER, counters.FILER, counters.DISPATCHER):
            cursor.execute(_upsert("actor", actor_key, where=where))
        for table in _GROUPS:
            cursor.execute(f"DROP TABLE {table}")


def _facts(table: str, columns, where: str) -> str:
    sums = ", ".join(f"SUM(CASE WHEN {c.condition} THEN 1 ELSE 0 END) AS {c.name}" for c in counters.COUNTERS)
    relevant = " OR ".join(f"({c.condition})" for c in counters.COUNTERS)
    keys = ", ".join(f"{expr} AS {name}" for name, expr in columns)
    group = ", ".join(str(i) for i in range(1, len(columns) + 2))
    return (f"CREATE TEMPORARY TABLE {table} AS SELECT {day_sql()} AS day, {keys}, {sums} "
            f"FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id WHERE ({where}) AND ({relevant}) "
            f"GROUP BY {group}")


def _sum_facts(dim: str) -> str:
    wanted = {c.name for c in counters.counters_for(dim, counters.ACTOR)}
    sums = ", ".join(f"SUM({n})" if n in wanted else "0" for n in NAMES)
    key = "''" if dim == "city" else f"COALESCE(CAST({dim} AS TEXT), '')"
    only = " OR ".join(f"{n} > 0" for n in wanted) if dim == "actor" else "1 = 1"
    columns = ", ".join(NAMES)
    updates = ", ".join(f"{n} = {_TABLE}.{n} + excluded.{n}" for n in NAMES)
    return (f"INSERT INTO {_TABLE} (day, dim, key, {columns}) SELECT day, '{dim}', {key}, {sums} "
            f"FROM {_SOURCE[dim]} WHERE {only} GROUP BY 1, 3 ON CONFLICT (dim, day, key) DO UPDATE SET {updates}")


def _ids(values) -> str:
    return ", ".join(str(int(v)) for v in values) or "NULL"


# ---------------------------------------------------------------------------- refresh


def run_due() -> int:
    """The worker's job: count the next batch of new events; returns how many (0: idle)."""
    return refresh(limit=WORKER_BATCH).events


def refresh(*, now: datetime | None = None, limit: int | None = None) -> Result:
    """Count the events written since the last refresh. Idempotent: the watermark moves in the
    same transaction as the counters, so a crash counts nothing twice."""
    started = time.perf_counter()
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            # One snapshot for every statement: the case rows read match each other.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        state = _state()
        result = _refresh(state, now or timezone.now(), limit)
    result.seconds = time.perf_counter() - started
    return result


def _state() -> RollupState:
    RollupState.objects.get_or_create(pk=1)
    return RollupState.objects.select_for_update().get(pk=1)


def _refresh(state: RollupState, now: datetime, limit: int | None) -> Result:
    low = state.last_event_id
    high = _max_event_id() if limit is None else _limit_id(low, limit)
    waiting = [(int(i), float(t)) for i, t in state.gaps]
    arrived = _existing([i for i, _ in waiting])
    where = f"(e.id > {low} AND e.id <= {high})"
    if arrived:
        where += f" OR e.id IN ({_ids(arrived)})"
    moved = _move_attribution(low, arrived, where)
    found = 0
    if high > low or arrived:
        _count(where)
        found = _count_events(low, high) + len(arrived)
        _remember_unfiled(where)
    state.gaps = _gaps(waiting, arrived, low, high, found - len(arrived), now.timestamp())
    state.last_event_id = high
    state.refreshed_at = now
    state.save(update_fields=["last_event_id", "gaps", "refreshed_at"])
    return Result(events=found, moved=moved, last_event_id=high, seconds=0.0)


def _max_event_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM cases_caseevent")
        return cursor.fetchone()[0] or 0


def _limit_id(low: int, limit: int) -> int:
    """The id of the limit-th event after `low` (or the last one): a batch of events, not of ids,
    so holes in the ids (deleted cases, rolled-back inserts) never make a turn look idle."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM cases_caseevent WHERE id > %s ORDER BY id LIMIT 1 OFFSET %s", [low, limit - 1])
        row = cursor.fetchone()
    return row[0] if row else max(low, _max_event_id())


def _count_events(low: int, high: int) -> int:
    if high <= low:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM cases_caseevent WHERE id > %s AND id <= %s", [low, high])
        return cursor.fetchone()[0]


def _existing(ids: list[int]) -> list[int]:
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM cases_caseevent WHERE id IN ({_ids(ids)})")
        return sorted(row[0] for row in cursor.fetchall())


def _gaps(waiting, arrived, low: int, high: int, found: int, now_s: float) -> list[list]:
    """Ids still missing: the old ones not yet arrived (until they are too old) and new holes."""
    done = set(arrived)
    kept = [[i, t] for i, t in waiting if i not in done and now_s - t < GAP_SECONDS]
    if found < high - low:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM cases_caseevent WHERE id > %s AND id <= %s", [low, high])
            present = {row[0] for row in cursor.fetchall()}
        holes = [i for i in range(max(low + 1, high - MAX_GAPS), high + 1) if i not in present]
        kept += [[i, now_s] for i in holes]
    return kept[-MAX_GAPS:]


# ---------------------------------------------------------------------------- 立案 moves counts


_MISMATCH = ("p.street <> c.street_id OR p.community <> c.community_id OR p.grid <> c.grid_id "
             "OR p.category <> COALESCE(c.category_id, '')")


def _move_attribution(low: int, arrived: list[int], where: str) -> int:
    """Cases whose place or category changed since their events were counted (立案 chose the
    category or corrected the grid): take the counted events off the old keys, onto the new.

    Only cases with an event in this batch are looked at: a case changes only with an event, and
    whenever one of its events is counted (under its current keys) its earlier counts move too,
    so every count of a case always sits under one set of keys."""
    touched = f"SELECT e.case_id FROM cases_caseevent e WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.case_id FROM {_PENDING} p JOIN cases_case c ON c.id = p.case_id "
                       f"WHERE ({_MISMATCH}) AND p.case_id IN ({touched})")
        moved = [row[0] for row in cursor.fetchall()]
        if moved:
            where = f"e.case_id IN ({_ids(moved)}) AND e.id <= {low}"
            if arrived:
                where += f" AND e.id NOT IN ({_ids(arrived)})"
            for dim in MUTABLE:
                cursor.execute(_upsert(dim, counters.ACTOR, where=where, key=f"p.{dim}", sign=-1,
                                       join=f"JOIN {_PENDING} p ON p.case_id = e.case_id"))
                cursor.execute(_upsert(dim, counters.ACTOR, where=where))
        # Filed cases never change place or category again; a moved one is remembered afresh.
        cursor.execute(f"DELETE FROM {_PENDING} WHERE case_id IN (SELECT c.id FROM cases_case c "
                       f"WHERE c.state NOT IN {PRE_FILING} AND c.id IN ({touched}))")
        if moved:
            cursor.execute(f"DELETE FROM {_PENDING} WHERE case_id IN ({_ids(moved)})")
            _remember_unfiled(f"e.case_id IN ({_ids(moved)})")
    return len(moved)


def _remember_unfiled(where: str) -> None:
    """New reports not filed yet: remember where they were counted."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_PENDING} (case_id, street, community, grid, category) "
            f"SELECT c.id, c.street_id, c.community_id, c.grid_id, COALESCE(c.category_id, '') "
            f"FROM cases_case c WHERE c.state IN {PRE_FILING} AND c.id IN "
            f"(SELECT e.case_id FROM cases_caseevent e WHERE ({where}) AND e.action = 'report') "
            f"ON CONFLICT (case_id) DO NOTHING")


# ---------------------------------------------------------------------------- rebuild


def rebuild(*, progress=None, chunk: int = REBUILD_CHUNK) -> Result:
    """Recount everything from the event log, in one transaction: readers see the old figures
    until the new ones are complete. progress(done_ids, total_ids) after every chunk."""
    started = time.perf_counter()
    with transaction.atomic():
        state = _state()
        high = _max_event_id()
        DailyCount.objects.all().delete()
        PendingAttribution.objects.all().delete()
        for low in range(0, high, chunk):
            _count(f"e.id > {low} AND e.id <= {min(low + chunk, high)}")
            if progress:
                progress(min(low + chunk, high), high)
        _remember_all_unfiled()
        now = timezone.now()
        state.gaps = _gaps([], [], max(0, high - MAX_GAPS), high, _count_events(max(0, high - MAX_GAPS), high),
                           now.timestamp())
        state.last_event_id = high
        state.rebuilt_at = state.refreshed_at = now
        state.save(update_fields=["last_event_id", "gaps", "rebuilt_at", "refreshed_at"])
        events = _count_events(0, high)
    return Result(events=events, moved=0, last_event_id=high, seconds=time.perf_counter() - started)


def _remember_all_unfiled() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_PENDING} (case_id, street, community, grid, category) "
            f"SELECT c.id, c.street_id, c.community_id, c.grid_id, COALESCE(c.category_id, '') "
            f"FROM cases_case c WHERE c.state IN {PRE_FILING}")


def lag(now: datetime | None = None) -> timedelta | None:
    """How long ago the counters were last brought up to date (None: never)."""
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.refreshed_at is None:
        return None
    return (now or timezone.now()) - state.refreshed_at
