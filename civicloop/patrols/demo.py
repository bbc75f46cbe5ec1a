"""Demo patrols for 蒙自: five grid workers in 文澜街道's first grids, each grid requiring a daily
patrol; yesterday's tracks (one grid walked only a fifth of the way, so it is flagged as missed) and this
morning's, with positions and duty check-ins so the desk sees a nearest worker to send."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicloop.geo.models import Grid
from civicloop.org.models import User
from civicloop.org.roles import Role, Scope
from civicloop.patrols import services
from civicloop.patrols.models import DutyShift, Patrol, PatrolRequirement

WORKERS = 5
NAMES = ["杨芳", "李建国", "王秀英", "张伟", "刘洋洋"]


def seed(stdout, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    grids = list(Grid.objects.filter(community__parent_id="532503001").order_by("code")[:WORKERS])
    workers = [_worker(i, grid) for i, grid in enumerate(grids)]
    if Patrol.objects.filter(worker__in=workers).exists():
        stdout.write("  巡查 patrols: already seeded\n")
        return
    for grid in grids:
        PatrolRequirement.objects.get_or_create(grid=grid, defaults={"min_coverage": 0.6})
    today = timezone.localtime(now).date()
    yesterday = services.day_to_close(datetime.combine(today, time(0, 1), tzinfo=now.tzinfo)) or today - timedelta(days=1)
    for i, (worker, grid) in enumerate(zip(workers, grids)):
        _walk(worker, grid, day=yesterday, start=time(9, 0), share=0.2 if i == 2 else 1.0)
        if timezone.localtime(now).time() > time(8, 40):
            _walk(worker, grid, day=today, start=time(8, 30), share=0.5, until=now)
    for worker in workers:
        if not services.open_shift(worker):
            DutyShift.objects.create(user=worker, started_at=now - timedelta(hours=1))
        services.set_position(worker, lon=_centre(worker.scope_grid)[0], lat=_centre(worker.scope_grid)[1], at=now)
    inspector = User.objects.filter(username="inspector_001").first()
    if inspector:
        services.check_in(inspector, now=now - timedelta(hours=1))
        services.set_position(inspector, lon=103.3855, lat=23.3672, at=now)
    flagged = services.flag_missed(now=now, day=yesterday)
    stdout.write(f"  巡查 patrols: {Patrol.objects.count()} with tracks, day-end check {flagged}\n")


def _worker(i: int, grid: Grid) -> User:
    if i == 0 and (existing := User.objects.filter(username="gridworker").first()):
        return existing
    user, created = User.objects.get_or_create(username=f"gridworker_{i + 1:02d}", defaults={
        "display_name": f"网格员 {NAMES[i % len(NAMES)]}", "role": Role.GRID_WORKER, "scope": Scope.GRID,
        "scope_grid": grid, "password": make_password("civicloop-demo")})
    if created:
        grid.workers.add(user)
    return user


def _centre(grid: Grid) -> tuple[float, float]:
    c = grid.polygon().centroid
    return c.x, c.y


def _walk(worker: User, grid: Grid, *, day, start: time, share: float, until: datetime | None = None) -> None:
    """A lawn-mower walk across the grid's box (rows 30 m apart), one fix every 10 s."""
    tz = timezone.get_current_timezone()
    begin = datetime.combine(day, start, tzinfo=tz)
    if until is not None and until <= begin:
        return
    rows = max(2, int((grid.max_lat - grid.min_lat) * 111_320 / 30))
    path = []
    for r in range(int(rows * share) + 1):
        lat = grid.min_lat + (r + 0.5) * (grid.max_lat - grid.min_lat) / (rows + 1)
        ends = (grid.min_lon + 1e-5, grid.max_lon - 1e-5)
        a, b = ends if r % 2 == 0 else ends[::-1]
        path += [(a + (b - a) * k / 8, lat) for k in range(9)]
    patrol = services.start_patrol(worker, client_key=f"demo-{worker.pk}-{day}", now=begin)
    points = [{"t": (begin + timedelta(seconds=10 * k)).timestamp() * 1000, "lon": lon, "lat": lat, "acc": 8}
              for k, (lon, lat) in enumerate(path) if until is None or begin + timedelta(seconds=10 * k) <= until]
    for n in range(0, len(points), 50):
        services.upload_points(worker, patrol.pk, batch_id=f"demo-{n}", points=points[n:n + 50],
                               now=begin + timedelta(seconds=10 * len(points) + 60))
    if until is None:
        services.end_patrol(worker, patrol.pk, now=begin + timedelta(seconds=10 * len(points) + 60))
