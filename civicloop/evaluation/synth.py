"""Synthetic history in bulk for tests and benchmarks: Case and CaseEvent rows shaped exactly as
cases.services writes them (same actions, states, roles, stage and on-time flags, department on
the event), but inserted straight into the tables — a quarter of a million cases through the
services would take an hour. Only the evaluation's figures are meant to be realistic here; the
stage clocks of open cases are set so that none is overdue unless asked.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from civicloop.geo.models import Grid
from civicloop.org.models import User
from civicloop.core import bulk
from civicloop.cases.models import Case, CaseEvent
from civicloop.lib import codes

# One step: (action, from, to, pending before, pending after, stage it ends, role, minutes after report)
_S = {
    "report": ("report", "", "reported", "", "", "", "inspector", 0),
    "report_self": ("report", "", "self_handled", "", "", "", "inspector", 0),
    "file": ("file", "reported", "filed", "", "", "file", "operator", 5),
    "not_file": ("not_file", "reported", "not_filed", "", "", "file", "operator", 5),
    "request_void": ("request_void", "reported", "reported", "", "void", "", "operator", 5),
    "approve_void": ("approve_void", "reported", "void", "void", "", "", "shift_leader", 10),
    "dispatch": ("dispatch", "filed", "dispatched", "", "", "dispatch", "dispatcher", 10),
    "sign": ("sign", "dispatched", "in_progress", "", "", "", "handler", 15),
    "handle": ("handle", "in_progress", "handled", "", "", "handle", "handler", 120),
    "check": ("check", "handled", "checked", "", "", "check", "inspector", 130),
    "close": ("close", "checked", "closed", "", "", "close", "shift_leader", 140),
    "close_self": ("close", "self_handled", "closed", "", "", "close", "shift_leader", 30),
}
PATHS = {
    "closed": ("report", "file", "dispatch", "sign", "handle", "check", "close"),
    "checked": ("report", "file", "dispatch", "sign", "handle", "check"),
    "handled": ("report", "file", "dispatch", "sign", "handle"),
    "in_progress": ("report", "file", "dispatch", "sign"),
    "filed": ("report", "file"),
    "self_closed": ("report_self", "close_self"),
    "not_filed": ("report", "not_file"),
    "void": ("report", "request_void", "approve_void"),
    "reported": ("report",),
}
_STAMP = {"file": "filed_at", "dispatch": "dispatched_at", "sign": "signed_at", "handle": "handled_at",
          "check": "checked_at", "close": "closed_at"}
_OPEN_STAGE = {"reported": "file", "filed": "dispatch", "dispatched": "handle", "in_progress": "handle",
               "handled": "check", "checked": "close", "self_handled": "close"}
_KIND = {"closed": "closed", "not_filed": "void", "void": "void"}


@dataclass(frozen=True)
class Shape:
    path: str
    late: frozenset = frozenset()  # stages finished late
    channel: str = "inspector"


def exact(mix: list[tuple[int, Shape]], *, seed: int = 1) -> list[Shape]:
    """Exactly `count` cases of each shape, in a fixed shuffled order."""
    shapes = [shape for count, shape in mix for _ in range(count)]
    random.Random(seed).shuffle(shapes)
    return shapes


class _Cast:
    def __init__(self):
        people = {u.username: u for u in User.objects.exclude(role="")}
        self.grids = list(Grid.objects.values_list("code", "community_id"))
        self.inspector = {u.scope_division_id: u.pk for u in people.values() if u.role == "inspector"}
        self.handler = {u.department_id: u.pk for u in people.values() if u.role == "handler"}
        self.roles = {"operator": people["operator"].pk, "shift_leader": people["leader"].pk,
                      "dispatcher": people["dispatcher"].pk}


class _Table:
    """A model's INSERT with every column, and a row of its defaults to copy and fill in."""

    def __init__(self, model):
        fields = list(model._meta.concrete_fields)
        self.sql, adapters = bulk._statement(model, with_pk=True)
        self.adapt = {name: a for name, a in adapters if a}
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.base = [self._adapted(f.attname, f.get_default()) for f in fields]  # "" for text, None for the rest
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.copy_sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"

    def _adapted(self, name, value):
        adapt = self.adapt.get(name)
        return adapt(value) if adapt and value is not None else value

    def row(self, values: dict) -> tuple:
        """values already as the database takes them (see _db_time, _NO_DATA)."""
        row = list(self.base)
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        return tuple(row)

    def insert(self, rows: list[tuple]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: one stream instead of a round trip a row
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            for i in range(0, len(rows), 5000):
                cursor.executemany(self.sql, rows[i:i + 5000])


def generate(shapes: Iterable[Shape], *, start: datetime, end: datetime, total: int, seed: int = 2503,
             departments: tuple[str, ...] = ("hwz", "cgj", "szgs", "yls", "jtys"), category: str = "06010",
             open_deadline: datetime | None = None, chunk: int = 20_000, progress=None) -> int:
    """Insert `total` cases (report times spread evenly over [start, end)) with their events.
    Returns the number of events."""
    rng = random.Random(seed)
    cast = _Cast()
    open_deadline = open_deadline or end + timedelta(days=2)
    cases_table, events_table = _Table(Case), _Table(CaseEvent)
    case_id = bulk.reserve_ids(Case, total)
    event_id = bulk.reserve_ids(CaseEvent, 0)
    offset = timezone.now().astimezone(timezone.get_current_timezone()).utcoffset()
    db_time = _db_time()
    start = start.astimezone(dt_timezone.utc).replace(tzinfo=None)  # naive UTC from here on: fast
    open_deadline = db_time(open_deadline.astimezone(dt_timezone.utc).replace(tzinfo=None))
    step = (end.astimezone(dt_timezone.utc).replace(tzinfo=None) - start) / max(total, 1)
    events_made = 0
    iterator: Iterator[Shape] = iter(shapes)
    for lo in range(0, total, chunk):
        cases, events = [], []
        for i in range(lo, min(lo + chunk, total)):
            reported = start + step * i
            case, made = _case(next(iterator), case_id, reported, (reported + offset).date(), rng, cast,
                               departments, category, open_deadline, db_time)
            for n, values in enumerate(made, 1):
                events.append(events_table.row({"id": event_id, "case_id": case_id, "seq": n, **values}))
                event_id += 1
            cases.append(cases_table.row(case))
            case_id += 1
        with transaction.atomic():
            cases_table.insert(cases)
            events_table.insert(events)
        events_made += len(events)
        if progress:
            progress(min(lo + chunk, total), total)
    if connection.vendor == "postgresql":
        bulk.reset_sequence(Case)
        bulk.reset_sequence(CaseEvent)
    return events_made


def _db_time():
    """A naive UTC datetime as the database driver takes it (SQLite: Django's text form)."""
    if connection.vendor == "sqlite":
        return lambda naive: naive.isoformat(" ")
    return lambda naive: naive.replace(tzinfo=dt_timezone.utc)


_NO_DATA = "{}"  # the JSON of an empty `data`, as bulk.insert sends it


def _case(shape, case_id, reported, local_day, rng, cast, departments, category, open_deadline, db_time):
    grid, community = rng.choice(cast.grids)
    street = community[:9]
    department = rng.choice(departments)
    actors = {**cast.roles, "inspector": cast.inspector.get(street), "handler": cast.handler.get(department)}
    steps = PATHS[shape.path]
    patrol = shape.channel in ("inspector", "grid_worker")
    dispatched = "dispatch" in steps
    case = {"id": case_id, "channel": shape.channel, "lon": 103.38, "lat": 23.36, "grid_id": grid,
            "community_id": community, "street_id": street, "category_id": category, "description": "synthetic",
            # unique: ids a million apart are never reported on the same day here
            "reference": codes.case_reference(codes.county_of(community), local_day, case_id % 1_000_000),
            "reported_at": db_time(reported), "stage_limit_seconds": 3600.0, "self_handled": shape.path == "self_closed",
            "reporter_id": actors["inspector"] if patrol else None,
            "department_id": department if dispatched else None,
            "assignee_id": actors["handler"] if "sign" in steps else None}
    made, state, at = [], "", reported
    for name in steps:
        action, source, target, p_from, p_to, stage, role, minutes = _S[name]
        at = reported + timedelta(minutes=minutes)
        on_time = (stage not in shape.late) if stage else None
        actor = None if (name == "report" and not patrol) else actors[role]
        made.append({"action": action, "actor_id": actor, "actor_role": role if actor else "", "from_state": source,
                     "to_state": target, "pending_from": p_from, "pending_to": p_to, "data": _NO_DATA, "stage": stage,
                     "on_time": on_time, "created_at": db_time(at),
                     "department_id": department if dispatched and action in _UNIT_ACTIONS else None})
        if stage:
            case[f"{stage}_on_time"] = on_time
        if action in _STAMP:
            case[_STAMP[action]] = db_time(at)
        state = target
    case.update(updated_at=db_time(at), state=state, kind=_KIND.get(state, "open"))
    if case["kind"] == "open":
        case.update(stage=_OPEN_STAGE[state], stage_run_from=db_time(at), stage_deadline=open_deadline,
                    stage_warn_at=open_deadline)
    return case, made


# The event carries the case's department once it has one (engine.plan: the department after the action).
_UNIT_ACTIONS = frozenset({"dispatch", "sign", "handle", "check", "close"})
