"""Patrol state changes: start, upload points in batches, end; duty check-in; the last known
position; coverage per grid per day; missed patrols flagged at the end of the working day.

A phone on a bad network retries everything, so each call is idempotent: start on a client
key, uploads on a batch id, end and check-out on the state they find.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicloop.core.errors import Forbidden, InvalidInput, NotFound
from civicloop.geo.index import locate
from civicloop.geo.models import Grid
from civicloop.geo.points import parse_point
from civicloop.org.roles import Role, Scope
from civicloop.patrols import rules
from civicloop.patrols.models import (DutyShift, GridCoverage, MissedPatrol, Patrol, PatrolBatch, PatrolDay,
                                      PatrolPoint, PatrolRequirement, WorkerPosition)
from civicloop.taxonomy.queries import config

FIELD_ROLES = frozenset({Role.INSPECTOR, Role.GRID_WORKER})
LATE_UPLOAD = timedelta(hours=24)  # a phone that was offline may send the end of its track later
CLOCK_SKEW = timedelta(minutes=5)


def is_field_worker(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", "") in FIELD_ROLES


def _require_field_worker(user) -> None:
    if not is_field_worker(user):
        raise Forbidden("只有监督员和网格员可以巡查 / only inspectors and grid workers patrol")


def get_patrol(user, patrol_id) -> Patrol:
    """The worker's own patrol (404 for anyone else's, so ids reveal nothing)."""
    _require_field_worker(user)
    patrol = Patrol.objects.filter(pk=_int(patrol_id, "patrol"), worker=user).first()
    if patrol is None:
        raise NotFound("巡查不存在 / patrol not found")
    return patrol


def active_patrol(user) -> Patrol | None:
    if not is_field_worker(user):
        return None
    return Patrol.objects.filter(worker=user, state=Patrol.State.ACTIVE).first()


def report_refs(user, patrol_id) -> dict | None:
    """{"patrol": id} when a field report was made on one of this worker's own patrols (巡查上报)."""
    if patrol_id and Patrol.objects.filter(pk=patrol_id, worker=user).exists():
        return {"patrol": patrol_id}
    return None


# ---------------------------------------------------------------------------- start and end


def start_patrol(user, *, client_key: str = "", now: datetime | None = None) -> Patrol:
    """开始巡查. A repeated key, or a patrol already running, returns that patrol."""
    _require_field_worker(user)
    key = (client_key or "").strip()[:64] or None
    if key and (same := Patrol.objects.filter(client_key=key, worker=user).first()):
        return same
    if running := active_patrol(user):
        return running
    grid_id = user.scope_grid_id if user.scope == Scope.GRID else None
    try:
        with transaction.atomic():
            return Patrol.objects.create(worker=user, grid_id=grid_id, started_at=now or timezone.now(), client_key=key)
    except IntegrityError:
        # Two taps raced: the one-active-patrol constraint let one through; that one is the answer.
        found = active_patrol(user) or (Patrol.objects.filter(client_key=key, worker=user).first() if key else None)
        if found is None:
            raise
        return found


def end_patrol(user, patrol_id, *, now: datetime | None = None) -> Patrol:
    """结束巡查; ending twice is harmless. The track's grids get their coverage at once."""
    patrol = get_patrol(user, patrol_id)
    now = now or timezone.now()
    Patrol.objects.filter(pk=patrol.pk, state=Patrol.State.ACTIVE).update(state=Patrol.State.ENDED, ended_at=now)
    patrol.refresh_from_db()
    for grid_id, day in _grid_days(patrol):
        refresh_coverage(grid_id, day)
    return patrol


def _grid_days(patrol: Patrol) -> set[tuple[str, date]]:
    rows = patrol.points.exclude(grid_id="").values_list("grid_id", "at")
    return {(grid_id, timezone.localtime(at).date()) for grid_id, at in rows}


# ---------------------------------------------------------------------------- points


def upload_points(user, patrol_id, *, batch_id: str, points: list, now: datetime | None = None) -> dict:
    """轨迹上传: one batch of points. The same batch id again changes nothing and gives the same answer.

    Points outside the patrol's time, badly located (poor accuracy) or outside China are counted
    as rejected, not fatal: one bad fix must not make the phone retry the whole batch for ever.
    """
    patrol = get_patrol(user, patrol_id)
    batch_id = (batch_id or "").strip()
    if not batch_id or len(batch_id) > 64:
        raise InvalidInput.field("batch_id", "缺少批次号 / a batch id is required (at most 64 characters)")
    if not isinstance(points, list) or len(points) > settings.PATROL_BATCH_MAX:
        raise InvalidInput.field("points", f"每批最多 {settings.PATROL_BATCH_MAX} 个点 / at most "
                                           f"{settings.PATROL_BATCH_MAX} points per batch")
    now = now or timezone.now()
    if done := PatrolBatch.objects.filter(patrol=patrol, batch_id=batch_id).first():
        return _batch_answer(done, repeated=True)
    if patrol.state == Patrol.State.ENDED and now - patrol.ended_at > LATE_UPLOAD:
        raise InvalidInput.field("patrol", "巡查已结束 / the patrol has ended")
    good, rejected = _clean_points(patrol, points, now)
    try:
        with transaction.atomic():
            batch = PatrolBatch.objects.create(patrol=patrol, batch_id=batch_id, received_at=now,
                                               accepted=len(good), rejected=rejected)
            _store(patrol, good)
    except IntegrityError:
        # The same batch arrived twice at once (a retry overtook a slow answer): the first one counts.
        return _batch_answer(PatrolBatch.objects.get(patrol=patrol, batch_id=batch_id), repeated=True)
    return _batch_answer(batch, repeated=False)


def _batch_answer(batch: PatrolBatch, *, repeated: bool) -> dict:
    return {"batch_id": batch.batch_id, "accepted": batch.accepted, "rejected": batch.rejected, "repeated": repeated}


def _clean_points(patrol: Patrol, points: list, now: datetime) -> tuple[list[PatrolPoint], int]:
    earliest = patrol.started_at - CLOCK_SKEW
    latest = min(now, patrol.ended_at or now) + CLOCK_SKEW
    good, rejected = [], 0
    for raw in points:
        point = _point(raw)
        if point is None or not (earliest <= point.at <= latest):
            rejected += 1
            continue
        point.patrol = patrol
        good.append(point)
    good.sort(key=lambda p: p.at)
    return good, rejected


def _point(raw) -> PatrolPoint | None:
    """{"t": epoch milliseconds, "lon", "lat", "acc": metres, "crs": "wgs84"|"gcj02"} or None when unusable."""
    if not isinstance(raw, dict):
        return None
    try:
        lon, lat = parse_point(raw.get("lon"), raw.get("lat"), raw.get("crs") or "wgs84")
        at = datetime.fromtimestamp(float(raw["t"]) / 1000, tz=timezone.get_current_timezone())
        accuracy = float(raw["acc"]) if raw.get("acc") is not None else None
    except (InvalidInput, KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    if accuracy is not None and (not math.isfinite(accuracy) or accuracy > settings.PATROL_MAX_ACCURACY_M):
        return None
    hit = locate(lon, lat)
    return PatrolPoint(at=at, lon=round(lon, 7), lat=round(lat, 7), accuracy_m=accuracy, grid_id=hit.code if hit else "")


def _store(patrol: Patrol, good: list[PatrolPoint]) -> None:
    if not good:
        return
    PatrolPoint.objects.bulk_create(good)
    last = patrol.points.filter(at__lt=good[0].at).order_by("-at").values_list("lon", "lat").first()
    metres = _metres(([last] if last else []) + [(p.lon, p.lat) for p in good])
    newest = good[-1]
    Patrol.objects.filter(pk=patrol.pk).update(point_count=F("point_count") + len(good), distance_m=F("distance_m") + metres,
                                               last_point_at=newest.at)
    set_position(patrol.worker, lon=newest.lon, lat=newest.lat, accuracy=newest.accuracy_m, at=newest.at)
    for grid_id, day in {(p.grid_id, timezone.localtime(p.at).date()) for p in good if p.grid_id}:
        _mark_dirty(grid_id, day)


def _metres(lonlats: list[tuple[float, float]]) -> float:
    if len(lonlats) < 2:
        return 0.0
    proj = rules.Projection(*lonlats[0])
    xs, ys = proj.xy([p[0] for p in lonlats], [p[1] for p in lonlats])
    parts = rules.runs(list(zip(range(len(xs)), xs, ys)), max_gap_s=math.inf, max_jump_m=settings.PATROL_MAX_JUMP_M)
    return rules.path_length(parts)


def _mark_dirty(grid_id: str, day: date) -> None:
    if not GridCoverage.objects.filter(grid_id=grid_id, day=day).update(dirty=True):
        try:
            with transaction.atomic():
                GridCoverage.objects.create(grid_id=grid_id, day=day, dirty=True)
        except IntegrityError:
            GridCoverage.objects.filter(grid_id=grid_id, day=day).update(dirty=True)


# ---------------------------------------------------------------------------- position and duty


def set_position(user, *, lon, lat, accuracy=None, at: datetime | None = None, crs: str = "wgs84") -> WorkerPosition:
    """The worker's last known position; an older fix never overwrites a newer one."""
    lon, lat = parse_point(lon, lat, crs)
    at = at or timezone.now()
    fields = {"lon": round(lon, 7), "lat": round(lat, 7), "accuracy_m": accuracy, "at": at}
    if WorkerPosition.objects.filter(user=user, at__lte=at).update(**fields):
        return WorkerPosition(user=user, **fields)
    try:
        with transaction.atomic():
            return WorkerPosition.objects.create(user=user, **fields)
    except IntegrityError:  # it exists and is newer (or a twin call just wrote it)
        return WorkerPosition.objects.get(user=user)


def report_position(user, *, lon, lat, accuracy=None, crs: str = "wgs84") -> WorkerPosition:
    _require_field_worker(user)
    return set_position(user, lon=lon, lat=lat, accuracy=_float(accuracy, "accuracy"), crs=crs)


def check_in(user, *, now: datetime | None = None) -> DutyShift:
    """上班签到; checking in twice keeps the first shift."""
    _require_field_worker(user)
    if shift := open_shift(user):
        return shift
    try:
        with transaction.atomic():
            return DutyShift.objects.create(user=user, started_at=now or timezone.now())
    except IntegrityError:
        return open_shift(user)


def check_out(user, *, now: datetime | None = None) -> None:
    _require_field_worker(user)
    DutyShift.objects.filter(user=user, ended_at__isnull=True).update(ended_at=now or timezone.now())


def open_shift(user) -> DutyShift | None:
    return DutyShift.objects.filter(user=user, ended_at__isnull=True).first()


# ---------------------------------------------------------------------------- coverage


def day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)


def refresh_coverage(grid_id: str, day: date, *, now: datetime | None = None) -> GridCoverage:
    """The day's coverage of one grid from every patrol's points near it."""
    grid = Grid.objects.get(pk=grid_id)
    polygon = grid.polygon()
    proj = rules.Projection(*polygon.centroid.coords[0])
    centres = rules.cells(proj.geometry(polygon), cell_m=settings.PATROL_CELL_M, max_cells=settings.PATROL_MAX_CELLS)
    tracks = _tracks_near(grid, day)
    parts = []
    for track in tracks.values():
        xs, ys = proj.xy([p[1] for p in track], [p[2] for p in track])
        parts += rules.runs(list(zip((p[0] for p in track), xs, ys)), max_gap_s=settings.PATROL_MAX_GAP_S,
                            max_jump_m=settings.PATROL_MAX_JUMP_M)
    result = rules.coverage(centres, rules.track_geometry(parts), see_m=settings.PATROL_SEE_M)
    fields = {"cells_total": result.total, "cells_visited": result.visited, "fraction": round(result.fraction, 4),
              "patrols": len(tracks), "points": sum(len(t) for t in tracks.values()), "dirty": False,
              "computed_at": now or timezone.now()}
    row, _created = GridCoverage.objects.update_or_create(grid_id=grid_id, day=day, defaults=fields)
    return row


def _tracks_near(grid: Grid, day: date) -> dict[int, list[tuple[float, float, float]]]:
    """Each patrol's points of the day inside the grid's box widened by what a walker sees."""
    dlat = settings.PATROL_SEE_M / rules.M_PER_DEG_LAT
    dlon = dlat / max(0.1, math.cos(math.radians(grid.min_lat)))
    start, end = day_bounds(day)
    rows = (PatrolPoint.objects.filter(at__gte=start, at__lt=end, lon__range=(grid.min_lon - dlon, grid.max_lon + dlon),
                                       lat__range=(grid.min_lat - dlat, grid.max_lat + dlat))
            .order_by("patrol_id", "at").values_list("patrol_id", "at", "lon", "lat"))
    tracks: dict[int, list] = defaultdict(list)
    for patrol_id, at, lon, lat in rows:
        tracks[patrol_id].append((at.timestamp(), lon, lat))
    return tracks


def refresh_dirty(*, limit: int = 200) -> int:
    """Worker job: recompute the coverage rows new points have arrived for."""
    done = 0
    for grid_id, day in GridCoverage.objects.filter(dirty=True).values_list("grid_id", "day")[:limit]:
        refresh_coverage(grid_id, day)
        done += 1
    return done


# ---------------------------------------------------------------------------- missed patrols


def day_to_close(now: datetime) -> date | None:
    """The latest working day whose working hours are over."""
    calendar = config().calendar
    local = timezone.localtime(now)
    day = local.date() if local.time() >= calendar.periods[-1][1] else local.date() - timedelta(days=1)
    for _ in range(15):
        if calendar.is_workday(day):
            return day
        day -= timedelta(days=1)
    return None


def flag_missed(*, now: datetime | None = None, day: date | None = None) -> int:
    """Worker job (漏巡): once per working day, after its end, every required grid whose coverage
    fell short gets a MissedPatrol row. Returns 0 when the day was already closed."""
    now = now or timezone.now()
    day = day or day_to_close(now)
    if day is None or PatrolDay.objects.filter(day=day).exists():
        return 0
    try:
        return _close_day(day, now)
    except IntegrityError:  # another worker closed the same day at the same moment
        return 0


def _close_day(day: date, now: datetime) -> int:
    missed = 0
    with transaction.atomic():
        for req in PatrolRequirement.objects.filter(active=True, grid__active=True):
            row = GridCoverage.objects.filter(grid_id=req.grid_id, day=day).first()
            if row is not None and row.dirty:
                row = refresh_coverage(req.grid_id, day, now=now)
            fraction = row.fraction if row else 0.0
            if fraction < req.min_coverage:
                _, created = MissedPatrol.objects.get_or_create(
                    grid_id=req.grid_id, day=day,
                    defaults={"coverage": fraction, "required": req.min_coverage, "flagged_at": now})
                missed += created
        PatrolDay.objects.create(day=day, closed_at=now, missed=missed)
    return 1 + missed


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput.field(name, "须为整数 / must be a whole number") from None


def _float(value, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput.field(name, "须为数字 / must be a number") from None
    return number if math.isfinite(number) else None
