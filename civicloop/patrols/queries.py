"""Read helpers for the patrol pages: which grids a staff member may look at, and the day's figures."""
from __future__ import annotations

from datetime import date

from civicloop.org import scoping
from civicloop.org.roles import Role, Scope
from civicloop.patrols.models import GridCoverage, MissedPatrol, Patrol, PatrolPoint, PatrolRequirement
from civicloop.patrols.services import day_bounds

VIEWERS = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.COMMANDER, Role.ADMIN,
                     Role.INSPECTOR, Role.GRID_WORKER})


def area_prefix(user) -> str | None:
    """Grid codes start with their street's and community's codes: "" = every grid, None = none."""
    area = scoping.own_area(user)
    if area is None or user.role not in VIEWERS:
        return None
    return area.code if area.level in (Scope.CITY, Scope.STREET, Scope.COMMUNITY, Scope.GRID) else None


def day_table(prefix: str, day: date) -> list[dict]:
    """Required grids first (with their verdict), then other grids patrolled that day."""
    required = {r.grid_id: r for r in PatrolRequirement.objects.filter(active=True, grid__code__startswith=prefix)
                .select_related("grid")}
    covered = {c.grid_id: c for c in GridCoverage.objects.filter(day=day, grid__code__startswith=prefix).select_related("grid")}
    missed = set(MissedPatrol.objects.filter(day=day, grid__code__startswith=prefix).values_list("grid_id", flat=True))
    rows = []
    for code in sorted(set(required) | set(covered), key=lambda c: (c not in required, c)):
        req, cov = required.get(code), covered.get(code)
        fraction = cov.fraction if cov else 0.0
        rows.append({"grid": (req or cov).grid, "required": req.min_coverage if req else None, "coverage": cov,
                     "fraction": fraction, "short": bool(req) and fraction < req.min_coverage, "missed": code in missed})
    return rows


def missed_recent(prefix: str, *, limit: int = 50):
    return MissedPatrol.objects.filter(grid__code__startswith=prefix).select_related("grid")[:limit]


def patrols_on(prefix: str, day: date, *, limit: int = 100):
    start, end = day_bounds(day)
    ids = PatrolPoint.objects.filter(at__gte=start, at__lt=end, grid_id__startswith=prefix).values("patrol_id")
    started = Patrol.objects.filter(started_at__gte=start, started_at__lt=end, grid__code__startswith=prefix).values("pk") \
        if prefix else Patrol.objects.filter(started_at__gte=start, started_at__lt=end).values("pk")
    return (Patrol.objects.filter(pk__in=ids) | Patrol.objects.filter(pk__in=started)).distinct() \
        .select_related("worker", "grid").order_by("-started_at")[:limit]


def can_see_patrol(user, patrol: Patrol) -> bool:
    if patrol.worker_id == user.pk:
        return True
    prefix = area_prefix(user)
    if prefix is None:
        return False
    if prefix == "" or (patrol.grid_id or "").startswith(prefix):
        return True
    return patrol.points.filter(grid_id__startswith=prefix).exists()
