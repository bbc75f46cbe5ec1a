"""The road a point is on, for other apps (core/extensions.py: road_at, road_name): cases keep the nearest
road's code, so staff list cases by road (门前五包 and departments are assigned by road).

Answered from the geocoder's per-process STRtrees of road and segment lines (geocoding.RoadIndex), rebuilt
when the gazetteer revision moves; with no roads the indexes have no tree and the answer is "" at once.
Cases keep the road, not the segment: the segment follows from the road and the case's point whenever a
report needs it (segment_at), and a re-cut survey would otherwise leave cases on segments that are gone.
"""
from __future__ import annotations

from civicloop.gazetteer import geocoding
from civicloop.gazetteer.models import Road


def road_at(lon: float, lat: float, max_m: float) -> str:
    """The code of the nearest road whose line — or one of whose segments' lines, where the survey drew
    the segments more exactly than the road — passes within max_m metres; "" when none (or no code)."""
    road = _nearest(geocoding._road_cache.get(), lon, lat, max_m)
    segment = _nearest(geocoding._segment_cache.get(), lon, lat, max_m)
    nearest = min((n for n in (road, segment) if n is not None), key=lambda n: n[0], default=None)
    return nearest[1] if nearest is not None else ""


def segment_at(lon: float, lat: float, max_m: float) -> str:
    """The code of the nearest road segment within max_m metres; "" when none (or it has no code)."""
    found = geocoding._segment_cache.get()
    i = found.nearest(lon, lat, max_m)
    near = found.nearby(i, lon, lat, max_m) if i is not None else None
    return near.code if near is not None else ""


def _nearest(index: geocoding.RoadIndex, lon: float, lat: float, max_m: float) -> tuple[float, str] | None:
    """(distance, road code) of the index's nearest line within max_m; None when none."""
    i = index.nearest(lon, lat, max_m)
    near = index.nearby(i, lon, lat, max_m) if i is not None else None
    return (near.distance_m, index.roads[i][1] or "") if near is not None else None


def road_name(code: str) -> str:
    if not code:
        return ""
    return Road.objects.filter(code=code).values_list("name", flat=True).first() or ""
