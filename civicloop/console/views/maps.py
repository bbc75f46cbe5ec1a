"""The map: cases in view coloured by light (clustered below street zoom), unit grids and divisions.

Everything leaves the server in the tiles' coordinate system (tiles.to_display): 高德 tiles are
GCJ-02, so a bbox sent by the browser is GCJ-02 too and is turned back into the WGS-84 we store.
Clusters are made by the database (GROUP BY a lon/lat cell whose size follows the zoom), so the
answer stays small and fast with a million cases; single cases are sent only at street zoom.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Case as Switch, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import Floor, Substr
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from shapely.geometry import shape

from civicloop.cases.models import Case
from civicloop.cases.rules import Kind, State
from civicloop.geo import tiles
from civicloop.core.errors import ServiceError
from civicloop.geo.extent import extent
from civicloop.geo.models import Division, Grid
from civicloop.geo.viewport import BBox, integer_param, parse_bbox, polygon_feature, problem
from civicloop.lib import coords
from civicloop.lib.i18n import pick
from civicloop.org.roles import Scope
from civicloop.taxonomy.queries import config

POINTS_ZOOM = 15  # from this zoom on the map shows single cases; below it, clusters
MAX_POINTS = 2000  # the most urgent first; the legend still counts everything in view
CLUSTER_LEVEL_OFFSET = 2  # a cell is a quarter of a 256-pixel tile: ~64 px on screen
MAX_CELLS_ACROSS = 64  # a huge bbox at a high zoom gets coarser cells, not thousands of them
MAX_GRIDS = 1500
CLOSED_DEFAULT_DAYS = 30  # closed and void cases are ~97% of the table: always a time window
MAX_DAYS = 366
REFRESH_MS = 4000  # the page re-reads the cases this often: a change shows within 5 s
LIGHTS = ("red", "yellow", "green")
SNIPPET = 60


def json_view(view):
    """Signed-in staff only; a ServiceError becomes its JSON answer (422 for bad parameters).

    Compressed: a street-zoom view is ~660 KiB of JSON. These answers carry no secret a page
    could be made to reflect, so compression does not open the BREACH hole it opens for HTML."""
    @gzip_page
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ServiceError as error:
            return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    return wrapper


def _json(request, body: dict) -> HttpResponse:
    """JSON with an ETag: the map asks every few seconds, and an unchanged view costs a 304, not the body again."""
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    etag = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"  # the browser keeps it but always asks again
    return response


# ---------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class MapQuery:
    bbox: BBox | None
    zoom: int
    kind: str
    lights: tuple[str, ...]
    category: str | None
    street: str | None
    days: int | None


def parse_query(params) -> MapQuery:
    zoom = integer_param(params, "zoom", default=11, low=0, high=22,
                         message=_("zoom must be a whole number from 0 to 22"))
    kind = params.get("kind") or Kind.OPEN
    if kind not in Kind.values:
        raise problem("kind", _("kind must be open, closed or void"))
    lights = tuple(s for s in (params.get("light") or "").split(",") if s)
    if any(s not in LIGHTS for s in lights):
        raise problem("light", "light 须为 red/yellow/green / light must be red, yellow or green")
    if lights and kind != Kind.OPEN:
        raise problem("light", "亮灯只适用于办理中的案件 / lights apply to open cases only")
    category = params.get("category") or None
    if category and category not in config().categories:
        raise problem("category", "未知的事项 / unknown category")
    street = params.get("street") or None
    if street and not Division.objects.filter(code=street, level=Division.Level.STREET).exists():
        raise problem("street", "未知的街道 / unknown street")
    days = integer_param(params, "days", default=None if kind == Kind.OPEN else CLOSED_DEFAULT_DAYS, low=1, high=MAX_DAYS,
                    message=f"days 须为 1–{MAX_DAYS} 的整数 / days must be 1..{MAX_DAYS}")
    return MapQuery(parse_bbox(params.get("bbox")), zoom, kind, lights, category, street, days)


# ---------------------------------------------------------------------------- cases


def light_expression(now):
    """The light in SQL, as rules.clock_light: red past the deadline, yellow past the warning."""
    return Switch(
        When(stage_deadline__lt=now, then=Value("red")),
        When(stage_warn_at__lte=now, then=Value("yellow")),
        When(stage_deadline__isnull=False, then=Value("green")),
        default=Value(""), output_field=CharField(),
    )


def _light_filter(lights: tuple[str, ...], now) -> Q:
    # The same conditions as cases.queries._light, so both databases can range-scan the deadline indexes.
    parts = {"red": Q(stage_deadline__lt=now), "yellow": Q(stage_warn_at__lte=now, stage_deadline__gte=now),
             "green": Q(stage_warn_at__gt=now)}
    q = Q()
    for light in lights:
        q |= parts[light]
    return q


def cases_in_view(user, mq: MapQuery, now):
    qs = Case.objects.visible_to(user).filter(kind=mq.kind)
    if mq.bbox:
        qs = qs.filter(mq.bbox.q())
    if mq.lights and set(mq.lights) != set(LIGHTS):
        qs = qs.filter(_light_filter(mq.lights, now))
    if mq.category:
        qs = qs.filter(category_id=mq.category)
    if mq.street:
        qs = qs.filter(street_id=mq.street)
    if mq.days:
        qs = qs.filter(reported_at__gte=now - timedelta(days=mq.days))
    return qs


def cluster_level(mq: MapQuery) -> int:
    """Cells are 360/2**level degrees wide, aligned to fixed multiples so clusters stay put while panning."""
    level = mq.zoom + CLUSTER_LEVEL_OFFSET
    if mq.bbox:
        span = max(mq.bbox.max_lon - mq.bbox.min_lon, mq.bbox.max_lat - mq.bbox.min_lat)
        level = min(level, math.floor(math.log2(360 * MAX_CELLS_ACROSS / span)))
    return max(level, 0)


def _empty_counts() -> dict:
    return {"red": 0, "yellow": 0, "green": 0, "none": 0, "total": 0}


def clusters(qs, mq: MapQuery, now) -> tuple[list[dict], dict]:
    level = cluster_level(mq)
    cell = 360 / 2 ** level
    rows = (qs.annotate(cx=Floor(F("lon") / cell), cy=Floor(F("lat") / cell), light=light_expression(now))
            .values("cx", "cy", "light").annotate(n=Count("*"), sx=Sum("lon"), sy=Sum("lat")).order_by())
    cells: dict[tuple[int, int], dict] = {}
    totals = _empty_counts()
    for row in rows:
        key = (int(row["cx"]), int(row["cy"]))
        c = cells.setdefault(key, {**_empty_counts(), "sx": 0.0, "sy": 0.0})
        light = row["light"] or "none"
        for target in (c, totals):
            target[light] += row["n"]
            target["total"] += row["n"]
        c["sx"] += row["sx"]
        c["sy"] += row["sy"]
    features = [_cluster_feature(f"{level}/{x}/{y}", c) for (x, y), c in sorted(cells.items())]
    return features, totals


def _cluster_feature(key: str, c: dict) -> dict:
    lon, lat = tiles.to_display(c["sx"] / c["total"], c["sy"] / c["total"])
    counts = {k: c[k] for k in ("red", "yellow", "green", "none", "total")}
    return {"type": "Feature", "id": key, "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {"cluster": True, **counts}}


def points(qs, mq: MapQuery, now) -> tuple[list[dict], dict, bool]:
    order = ([F("stage_deadline").asc(nulls_last=True), "-id"] if mq.kind == Kind.OPEN else ["-reported_at", "-id"])
    rows = list(qs.annotate(light=light_expression(now), text=Substr("description", 1, SNIPPET + 1))
                .order_by(*order)
                .values_list("reference", "lon", "lat", "state", "light", "text", "category_id", "reported_at")
                [:MAX_POINTS + 1])
    truncated = len(rows) > MAX_POINTS
    rows = rows[:MAX_POINTS]
    if truncated:
        totals = _counts(qs, now)
    else:
        totals = _empty_counts()
        for row in rows:
            totals[row[4] or "none"] += 1
        totals["total"] = len(rows)
    return _point_features(rows), totals, truncated


def _counts(qs, now) -> dict:
    totals = _empty_counts()
    for row in qs.annotate(light=light_expression(now)).values("light").annotate(n=Count("*")).order_by():
        totals[row["light"] or "none"] += row["n"]
        totals["total"] += row["n"]
    return totals


def _point_features(rows) -> list[dict]:
    # Up to MAX_POINTS rows: everything looked up once per request, not once per row.
    to_display = _point_converter()
    language = get_language()
    labels = {state: pick(label, language) for state, label in State.choices}
    categories = config().categories
    tz = timezone.get_current_timezone()
    features = []
    for reference, lon, lat, state, light, text, category, reported_at in rows:
        x, y = to_display(lon, lat)
        info = categories.get(category) if category else None
        features.append({
            "type": "Feature", "id": reference, "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
            "properties": {"ref": reference, "light": light or "none", "state": state, "state_label": labels[state],
                           "text": text if len(text) <= SNIPPET else text[:SNIPPET] + "…",
                           "category": info.name if info else "",
                           "reported": reported_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")}})
    return features


def _point_converter():
    if tiles.display_crs() == "gcj02":
        return coords.wgs84_to_gcj02
    return lambda lon, lat: (lon, lat)


@json_view
def case_features(request):
    """GET bbox, zoom, kind, light, category, street, days → clusters or points and the light counts."""
    mq = parse_query(request.GET)
    now = timezone.now()
    qs = cases_in_view(request.user, mq, now)
    truncated = False
    if mq.zoom >= POINTS_ZOOM:
        features, counts, truncated = points(qs, mq, now)
    else:
        features, counts = clusters(qs, mq, now)
    return _json(request, {"type": "FeatureCollection", "mode": "points" if mq.zoom >= POINTS_ZOOM else "clusters",
                           "crs": tiles.display_crs(), "counts": counts, "truncated": truncated, "limit": MAX_POINTS,
                           "features": features})


# ---------------------------------------------------------------------------- geography


def _in_scope(user, grid_code: str, community: str) -> bool:
    """Is this grid the user's own area (drawn stronger)? A city-wide user has no 'own' grids to pick out."""
    if user.scope == Scope.STREET:
        return community[:9] == user.scope_division_id
    if user.scope == Scope.COMMUNITY:
        return community == user.scope_division_id
    if user.scope == Scope.GRID:
        return grid_code == user.scope_grid_id
    return False


@json_view
def grid_features(request):
    """GET bbox → the active unit grids touching it (too many: none, and the browser asks to zoom in)."""
    bbox = parse_bbox(request.GET.get("bbox"), required=True)
    rows = list(Grid.objects.filter(bbox.overlapping(), active=True).order_by("code")
                .values_list("code", "name", "community_id", "geometry")[:MAX_GRIDS + 1])
    if len(rows) > MAX_GRIDS:
        return _json(request, {"type": "FeatureCollection", "too_many": True, "limit": MAX_GRIDS, "features": []})
    user = request.user
    features = [polygon_feature(code, geometry, {"name": name, "mine": _in_scope(user, code, community)})
                for code, name, community, geometry in rows]
    return _json(request, {"type": "FeatureCollection", "too_many": False, "limit": MAX_GRIDS, "features": features})


@json_view
def division_features(request):
    """GET level=county|street|community → the boundaries, for the division layer and the tile-less map."""
    level = request.GET.get("level") or Division.Level.STREET
    if level not in Division.Level.values:
        raise problem("level", "level 须为 county/street/community / level must be county, street or community")
    rows = Division.objects.filter(level=level).exclude(geometry="").values_list("code", "name", "geometry")
    features = [polygon_feature(code, geometry, {"name": name, "level": level}) for code, name, geometry in rows]
    return _json(request, {"type": "FeatureCollection", "features": features})


# ---------------------------------------------------------------------------- the page


def _scope_bounds(user) -> list[float] | None:
    """The user's own area as [min_lon, min_lat, max_lon, max_lat] (WGS-84): where the map opens."""
    geometry = ""
    if user.scope in (Scope.STREET, Scope.COMMUNITY) and user.scope_division_id:
        geometry = Division.objects.filter(code=user.scope_division_id).values_list("geometry", flat=True).first() or ""
    elif user.scope == Scope.GRID and user.scope_grid_id:
        geometry = Grid.objects.filter(code=user.scope_grid_id).values_list("geometry", flat=True).first() or ""
    if geometry:
        return list(shape(json.loads(geometry)).bounds)
    return list(extent().bounds)  # city-wide: the jurisdiction (geo.extent)


def _display_bounds(bounds: list[float] | None) -> list[list[float]] | None:
    """[[south, west], [north, east]] in the display system, as Leaflet's fitBounds wants it."""
    if not bounds:
        return None
    x0, y0 = tiles.to_display(bounds[0], bounds[1])
    x1, y1 = tiles.to_display(bounds[2], bounds[3])
    return [[y0, x0], [y1, x1]]


def _strings() -> dict:
    return {
        "red": _("Overdue"), "yellow": _("Due soon"), "green": _("Within the time limit"), "none": _("No clock running"),
        "open": _("Open case"), "reported": _("Reported"), "updated": _("Updated"),
        "offline": _("Cannot reach the server; retrying."), "zoomGrids": _("Zoom in to see the unit grids."),
        "tooManyGrids": _("Too many grids in view; zoom in."),
        "truncated": _("Showing the %(n)s most urgent cases; zoom in to see all.") % {"n": MAX_POINTS},
        "casesHere": _("{n} cases here"), "zoomIn": _("Click to zoom in"),
    }


@login_required
def map_page(request):
    user = request.user
    streets = []
    if user.scope in (Scope.CITY, Scope.DEPARTMENT):
        streets = list(Division.objects.filter(level=Division.Level.STREET).values_list("code", "name"))
    categories = sorted(((c.code, c.name) for c in config().categories.values() if c.active))
    settings_for_js = {
        "tiles": tiles.map_config(), "crs": tiles.display_crs(), "bounds": _display_bounds(_scope_bounds(user)),
        "urls": {"cases": reverse("console:map_cases"), "grids": reverse("console:map_grids"),
                 "divisions": reverse("console:map_divisions"),
                 "case": reverse("console:case", args=["REFERENCE"]).replace("REFERENCE", "{ref}")},
        "pointsZoom": POINTS_ZOOM, "gridsZoom": POINTS_ZOOM, "refreshMs": REFRESH_MS, "strings": _strings(),
    }
    return render(request, "console/map.html", {
        "map_settings": settings_for_js, "streets": streets, "categories": categories,
        "kinds": [(k, pick(label, get_language())) for k, label in Kind.choices],
        "closed_default_days": CLOSED_DEFAULT_DAYS,
    })
