"""Which field worker to send (核实/核查): the nearest one on duty, in scope, with a recent
position, weighed against open workload. The index is read from the database at most every
DISPATCH_INDEX_TTL_S seconds per process; a suggestion is only a suggestion, the service
(cases.services._field_worker) checks the person chosen."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from civicloop.cases.models import Case
from civicloop.cases.rules import State
from civicloop.org.models import User
from civicloop.org.roles import Role, Scope
from civicloop.patrols.models import DutyShift, Patrol, WorkerPosition
from civicloop.routing.nearest import CITY, Suggestion, Worker, WorkerIndex

FIELD_ROLES = (Role.INSPECTOR, Role.GRID_WORKER)
# A field worker's open tasks: reports to verify and fixes to check that name them.
TASK_STATES = (State.VERIFYING, State.HANDLED)

_lock = threading.Lock()
_cached: tuple[float, WorkerIndex] | None = None


def build_index(now: datetime | None = None) -> WorkerIndex:
    now = now or timezone.now()
    fresh = now - timedelta(minutes=settings.DISPATCH_POSITION_MAX_AGE_MIN)
    on_patrol = Patrol.objects.filter(state=Patrol.State.ACTIVE).values("worker_id")
    checked_in = DutyShift.objects.filter(ended_at__isnull=True, started_at__gte=now - timedelta(
        hours=settings.DISPATCH_SHIFT_MAX_HOURS)).values("user_id")
    people = (User.objects.filter(is_active=True, role__in=FIELD_ROLES)
              .filter(Q(pk__in=on_patrol) | Q(pk__in=checked_in))
              .values_list("pk", "display_name", "username", "scope", "scope_division_id", "scope_grid_id"))
    people = {row[0]: row for row in people}
    positions = WorkerPosition.objects.filter(user_id__in=list(people), at__gte=fresh).values_list("user_id", "lon", "lat")
    load = dict(Case.objects.filter(inspector_id__in=list(people), state__in=TASK_STATES)
                .values_list("inspector_id").annotate(n=Count("id")).values_list("inspector_id", "n"))
    workers = []
    for user_id, lon, lat in positions:
        _pk, display, username, scope, division, grid = people[user_id]
        area = _area(scope, division, grid)
        if area is not None:
            workers.append(Worker(user_id, display or username, lon, lat, area, load.get(user_id, 0)))
    return WorkerIndex(workers)


def _area(scope: str, division: str | None, grid: str | None) -> str | None:
    if scope == Scope.CITY:
        return CITY
    if scope in (Scope.STREET, Scope.COMMUNITY) and division:
        return division
    if scope == Scope.GRID and grid:
        return grid
    return None  # a department-scoped field worker is not sent by place


def index(now: datetime | None = None) -> WorkerIndex:
    global _cached
    with _lock:
        if _cached is None or time.monotonic() - _cached[0] > settings.DISPATCH_INDEX_TTL_S:
            _cached = (time.monotonic(), build_index(now))
        return _cached[1]


def forget() -> None:
    """After a check-in, a patrol start or an assignment the next suggestion reads afresh."""
    global _cached
    with _lock:
        _cached = None


def suggest_for(case, *, limit: int = 3) -> list[Suggestion]:
    return index().suggest(case.lon, case.lat, grid=case.grid_id, workload_m=settings.DISPATCH_WORKLOAD_M, limit=limit)
