"""A map's viewport in a request: the bbox and zoom parameters (sent in the tiles' coordinate system, turned
back into the WGS-84 we store) and polygons sent back as GeoJSON features in the tiles' system. Shared by
the console map, the wall screen, the tile-less basemap and the citizen app's pin map."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.db.models import Q

from civicloop.core.errors import InvalidInput
from civicloop.geo import tiles
from civicloop.lib import coords


def problem(field: str, message: str) -> InvalidInput:
    """A 422 whose detail is the Chinese-first message itself (no 'field:' prefix)."""
    return InvalidInput(message, errors=[{"field": field, "message": message}])


@dataclass(frozen=True)
class BBox:
    """WGS-84 bounds, whatever system the browser sent them in."""
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}lon__gte": self.min_lon, f"{prefix}lon__lte": self.max_lon,
                    f"{prefix}lat__gte": self.min_lat, f"{prefix}lat__lte": self.max_lat})

    def overlapping(self) -> Q:
        """Rows with their own bounds (grids) that touch this box."""
        return Q(min_lon__lte=self.max_lon, max_lon__gte=self.min_lon, min_lat__lte=self.max_lat,
                 max_lat__gte=self.min_lat)


_BBOX_PROBLEM = "范围参数 bbox 须为“最小经度,最小纬度,最大经度,最大纬度” / bbox must be minlon,minlat,maxlon,maxlat"


def parse_bbox(raw: str | None, *, required: bool = False) -> BBox | None:
    if not raw:
        if required:
            raise problem("bbox", "缺少范围参数 bbox / bbox is required")
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise problem("bbox", _BBOX_PROBLEM) from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise problem("bbox", _BBOX_PROBLEM)
    x0, y0, x1, y1 = values
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise problem("bbox", _BBOX_PROBLEM)
    return _bbox_to_wgs84(x0, y0, x1, y1)


def _bbox_to_wgs84(x0: float, y0: float, x1: float, y1: float) -> BBox:
    if tiles.display_crs() != "gcj02":
        return BBox(x0, y0, x1, y1)
    # The GCJ-02 offset varies across a box, so every corner is converted and the box enclosing them kept.
    corners = [coords.gcj02_to_wgs84(x, y) for x in (x0, x1) for y in (y0, y1)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return BBox(min(xs), min(ys), max(xs), max(ys))


def integer_param(params, name: str, *, default: int | None, low: int, high: int, message: str) -> int | None:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise problem(name, message) from None
    if not low <= value <= high:
        raise problem(name, message)
    return value


def polygon_feature(code: str, geometry: str, properties: dict) -> dict:
    return {"type": "Feature", "id": code, "geometry": tiles.geometry_to_display(json.loads(geometry)),
            "properties": {"code": code, **properties}}
