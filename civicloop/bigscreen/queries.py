"""What the command centre's wall screen shows (一图知全局), read in one go for one viewer's scope.

Counts come from the evaluation's daily counters (evaluation.queries), never from a scan of the
case table; only what is live by nature is read from cases: open cases by light (the deadline
indexes) and the most urgent of them for the map. Everything is in WGS-84 except the map points,
which go out in the display system of the configured tiles (geo.tiles).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from civicloop.cases.models import Case
from civicloop.cases.rules import Kind
from civicloop.citizens.models import Rating
from civicloop.geo import tiles
from civicloop.console.views.maps import light_expression
from civicloop.evaluation import queries as evaluation
from civicloop.evaluation.models import DailyCount
from civicloop.evaluation.periods import Period
from civicloop.geo.models import Division, Grid
from civicloop.org import scoping
from civicloop.org.roles import Scope

MAX_POINTS = 3000  # the most urgent open cases on the map; the light counts cover all of them
TREND_DAYS = 30
HOT_DAYS = 30
TOP = 10
SATISFIED_STARS = 4  # 满意: 4 or 5 stars of 5


def snapshot(user, now: datetime) -> dict:
    today = timezone.localdate(now)  # the city's day, not UTC's
    month = Period(today.replace(day=1), today, f"{today:%Y-%m}")
    places = grid_reports(user, today)
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "scope": scope_name(user),
        "kpi": kpis(user, now, today, month),
        "lights": lights(user, now),
        "points": urgent_points(user, now),
        "heat": heat(places),
        "trend": trend(user, today),
        "categories": breakdown(user, month, "category"),
        "channels": breakdown(user, month, "channel"),
        "hotspots": hotspots(places),
        "ranking": department_ranking(user, month, now),
    }


def scope_name(user) -> str:
    from django.conf import settings

    if user.scope == Scope.CITY:
        return settings.CITY_NAME
    if user.scope in (Scope.DISTRICT, Scope.STREET, Scope.COMMUNITY) and user.scope_division_id:
        return Division.objects.filter(code=user.scope_division_id).values_list("name", flat=True).first() or ""
    if user.scope == Scope.GRID and user.scope_grid_id:
        return Grid.objects.filter(code=user.scope_grid_id).values_list("name", flat=True).first() or ""
    return str(user.department or "")


def kpis(user, now: datetime, today, month: Period) -> dict:
    day = evaluation.metrics(Period(today, today, f"{today}"), user=user, now=now)[0]
    mtd = evaluation.metrics(month, user=user, now=now)[0]
    overdue = Case.objects.visible_to(user).filter(kind=Kind.OPEN, stage_deadline__lt=now).count()
    return {
        "reported": day.counts["reported"], "filed": day.counts["filed"], "dispatched": day.counts["dispatched"],
        "closed": day.counts["concluded"], "overdue": overdue,
        "close_rate": _number(mtd.rates["close_rate"]), "close_on_time_rate": _number(mtd.rates["close_on_time_rate"]),
        "satisfaction": satisfaction(user, month),
    }


def satisfaction(user, month: Period) -> float | None:
    """满意率 of the month's ratings: the share of 4 and 5 stars."""
    start, end = month.bounds()
    rated = Rating.objects.filter(created_at__gte=start, created_at__lt=end)
    if user.scope != Scope.CITY:
        rated = rated.filter(case__in=Case.objects.visible_to(user).values("pk"))
    rated = rated.aggregate(n=Count("pk"), happy=Count("pk", filter=Q(stars__gte=SATISFIED_STARS)))
    return round(rated["happy"] * 100 / rated["n"], 2) if rated["n"] else None


def lights(user, now: datetime) -> dict:
    """Open cases by light: three range counts on the deadline indexes, not a pass over every open case."""
    open_cases = Case.objects.visible_to(user).filter(kind=Kind.OPEN)
    return {"red": open_cases.filter(stage_deadline__lt=now).count(),
            "yellow": open_cases.filter(stage_warn_at__lte=now, stage_deadline__gte=now).count(),
            "green": open_cases.filter(stage_warn_at__gt=now).count()}


def urgent_points(user, now: datetime) -> list[list]:
    """[lon, lat, light, reference] of open cases, the most overdue first."""
    rows = (Case.objects.visible_to(user).filter(kind=Kind.OPEN, stage_deadline__isnull=False)
            .annotate(light=light_expression(now)).order_by("stage_deadline", "-id")
            .values_list("lon", "lat", "light", "reference")[:MAX_POINTS])
    out = []
    for lon, lat, light, reference in rows:
        x, y = tiles.to_display(lon, lat)
        out.append([round(x, 6), round(y, 6), light, reference])
    return out


def grid_reports(user, today) -> dict[str, int]:
    """Reports per grid over the last 30 days, inside the viewer's area, straight from the daily
    counters (the overdue figures and names that metrics() adds are not needed here)."""
    since = today - timedelta(days=HOT_DAYS - 1)
    rows = DailyCount.objects.filter(dim="grid", day__gte=since, day__lte=today, reported__gt=0)
    area = scoping.own_area(user)
    if area is None or area.level == Scope.DEPARTMENT:
        return {}  # a department's screen: its cases have no area of their own to map
    if area.level != Scope.CITY:
        rows = rows.filter(key__startswith=area.code)  # grid codes begin with their area's
    return {row["key"]: row["n"] for row in rows.values("key").annotate(n=Sum("reported")).order_by() if row["key"]}


def heat(counts: dict[str, int]) -> list[list]:
    """[lon, lat, reports] at each grid's centre: where problems were reported in the last 30 days."""
    boxes = Grid.objects.filter(code__in=list(counts)).values_list("code", "min_lon", "min_lat", "max_lon", "max_lat")
    out = []
    for code, x0, y0, x1, y1 in boxes:
        x, y = tiles.to_display((x0 + x1) / 2, (y0 + y1) / 2)
        out.append([round(x, 6), round(y, 6), counts[code]])
    return out


def hotspots(counts: dict[str, int]) -> list[dict]:
    """The ten grids with the most reports in the last 30 days (高发点位)."""
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    names = dict(Grid.objects.filter(code__in=[k for k, _ in top]).values_list("code", "name"))
    return [{"name": names.get(code, code), "value": n} for code, n in top]  # a grid's name says its street


def trend(user, today) -> dict:
    """Reports and closures per day over the last 30 days."""
    start = today - timedelta(days=TREND_DAYS - 1)
    days = [start + timedelta(days=i) for i in range(TREND_DAYS)]
    by_day = {d: (0, 0) for d in days}
    dim, key = _own_counter(user)
    if dim is not None:
        # A district has no counter row of its own: its streets' rows add up to it.
        own = {"dim": "street", "key__startswith": key} if dim == "district" else {"dim": dim, "key": key}
        rows = (DailyCount.objects.filter(day__gte=start, day__lte=today, **own)
                .values("day").annotate(r=Sum("reported"), c=Sum("closed"), s=Sum("self_closed")))
        for row in rows:
            by_day[row["day"]] = (row["r"], row["c"] + row["s"])
    return {"days": [f"{d:%m-%d}" for d in days], "reported": [by_day[d][0] for d in days],
            "closed": [by_day[d][1] for d in days]}


def _own_counter(user) -> tuple[str | None, str]:
    """The counter row that is exactly this viewer's scope: the counters' dimensions are named as the scopes are."""
    area = scoping.own_area(user)
    return (area.level, area.code) if area else (None, "")


def breakdown(user, month: Period, by: str) -> list[dict]:
    """This month's reports by category or by channel, largest first (the top ten)."""
    if user.scope != Scope.CITY:
        return []  # the counters are kept per dimension, not per dimension within an area
    rows = [r for r in evaluation.metrics(month, by, user=user) if r.counts["reported"]]
    rows.sort(key=lambda r: -r.counts["reported"])
    return [{"name": _short(r.label), "value": r.counts["reported"]} for r in rows[:TOP]]


def department_ranking(user, month: Period, now: datetime) -> list[dict]:
    """The month so far: departments by 综合评价 score, best first."""
    if user.scope != Scope.CITY:
        return []
    rows = evaluation.ranking(month, "department", now=now)
    return [{"name": r["label"], "score": float(r["score"]), "grade": r["grade"],
             "close_on_time_rate": _number(r["rates"]["close_on_time_rate"])} for r in rows[:TOP]]


def _number(value) -> float | None:
    return None if value is None else float(value)


def _short(label: str) -> str:
    """'群众随手拍 citizen snap-report' → '群众随手拍': the wall is read from across the room."""
    return label.split(" ")[0] if label and not label[0].isascii() else label
