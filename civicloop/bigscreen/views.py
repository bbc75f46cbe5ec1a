"""The command-centre wall screen (指挥大屏) at /screen/: 1920×1080, ECharts, refreshed every 4 s.

One JSON answer carries everything the screen draws. Several screens (and leaders' laptops) ask
every few seconds, so an answer is kept for SNAPSHOT_SECONDS per scope and language: the database
sees one set of queries per scope every few seconds however many screens are on.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from civicloop.bigscreen import queries
from civicloop.geo import tiles
from civicloop.console.views.maps import _json, json_view
from civicloop.geo.models import Division
from civicloop.geo.viewport import polygon_feature
from civicloop.org import scoping
from civicloop.org.roles import Scope

REFRESH_MS = 3000  # with the shared answer (SNAPSHOT_SECONDS) a change shows on the wall within 5 s
SNAPSHOT_SECONDS = 2


def _scope_key(user) -> str:
    area = scoping.own_area(user)
    return f"{area.level}:{area.code}" if area else f"none:{user.pk}"


@login_required
def screen(request):
    config = {"data": reverse("bigscreen:data"), "map": reverse("bigscreen:map"), "refreshMs": REFRESH_MS,
              "crs": tiles.display_crs(), "timeZone": settings.TIME_ZONE, "bounds": _city_bounds(request.user)}
    return render(request, "bigscreen/screen.html", {"config": config, "city_name": settings.CITY_NAME})


def _city_bounds(user) -> list | None:
    """A city-wide screen opens on the jurisdiction ([[west, north], [east, south]], ECharts' boundingCoords);
    a scoped viewer's map holds only their own area, which ECharts fits by itself."""
    if user.scope not in (Scope.CITY, Scope.DEPARTMENT):
        return None
    bounds = tiles.map_config()["bounds"]
    return [[bounds[0][1], bounds[1][0]], [bounds[1][1], bounds[0][0]]]


@json_view
def data(request):
    user = request.user
    cache_key = f"bigscreen:{_scope_key(user)}:{get_language()}"
    body = cache.get(cache_key)
    if body is None:
        body = queries.snapshot(user, timezone.now())
        cache.set(cache_key, body, SNAPSHOT_SECONDS)
    return _json(request, body)


@json_view
def boundaries(request):
    """The areas the screen's map draws: the city's streets, or a scoped viewer's own area and its communities."""
    user = request.user
    rows = Division.objects.exclude(geometry="")
    if user.scope in (Scope.STREET, Scope.COMMUNITY) and user.scope_division_id:
        rows = rows.filter(code__startswith=user.scope_division_id).exclude(level=Division.Level.COUNTY)
    else:
        rows = rows.filter(level=Division.Level.STREET)
    features = [polygon_feature(code, geometry, {"name": name})
                for code, name, geometry in rows.values_list("code", "name", "geometry")]
    return _json(request, {"type": "FeatureCollection", "features": features})
