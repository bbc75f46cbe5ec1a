"""Stored shapes: a division's boundary or a grid's polygon is GeoJSON text (WGS-84) in the database."""
from __future__ import annotations

import shapely


def stored_area(text: str | None):
    """The polygon or multipolygon stored as GeoJSON text, or None when there is none or it is unusable
    (empty, not an area, not GeoJSON): callers then fall back (to the grids, to the parent, …)."""
    if not text:
        return None
    try:
        geom = shapely.from_geojson(text)
    except (shapely.errors.GEOSException, ValueError):
        return None
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return geom
