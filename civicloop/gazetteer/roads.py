"""The road a point is on, for other apps (core/extensions.py: road_at, road_name): cases keep the nearest
road's code, so staff list cases by road (门前五包 and departments are assigned by road).

Answered from the geocoder's per-process STRtree of road lines (geocoding.RoadIndex), rebuilt when the
gazetteer revision moves; with no roads the index has no tree and the answer is "" at once.
"""
from __future__ import annotations

from shapely.geometry import Point
from shapely.ops import nearest_points

from civicloop.gazetteer import geocoding
from civicloop.gazetteer.models import Road


def road_at(lon: float, lat: float, max_m: float) -> str:
    """The code of the nearest road whose line passes within max_m metres; "" when none (or it has no code)."""
    index = geocoding._road_cache.get()
    if index.tree is None:
        return ""
    i = index.nearest(lon, lat, max_m)
    if i is None:
        return ""
    on_line = nearest_points(index.lines[i], Point(lon, lat))[0]
    if geocoding.metres(lon, lat, on_line.x, on_line.y) > max_m:
        return ""
    return index.codes[i] or ""


def road_name(code: str) -> str:
    if not code:
        return ""
    return Road.objects.filter(code=code).values_list("name", flat=True).first() or ""
