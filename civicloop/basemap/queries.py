"""The city's own basemap for one view: reference features, division outlines and grids in a box,
simplified to what the zoom can show (a vertex closer than a pixel to the line is not drawn)."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from civicloop.basemap.models import ReferenceFeature
from civicloop.geo import tiles
from civicloop.core.revisions import RevisionCache
from civicloop.geo.jurisdiction import REVISION as DIVISIONS
from civicloop.geo.models import Division, Grid

Layer = ReferenceFeature.Layer
# From which zoom each layer is drawn: below it a layer is clutter (and a lot of data).
MIN_ZOOM = {Layer.WATER: 0, Layer.ROAD: 11, Layer.BUILDING: 15}
COMMUNITY_ZOOM = 14
GRID_ZOOM = 16
MAX_FEATURES = 3000  # per view; the rest is left out and the answer says so
MAX_GRIDS = 1500
PIXEL = 0.7  # simplification tolerance, in screen pixels


def tolerance(zoom: int) -> float:
    """Degrees per PIXEL at this zoom (a 256-pixel tile spans 360 / 2**zoom degrees)."""
    return PIXEL * 360 / (256 * 2 ** zoom)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    geom: object  # shapely, WGS-84
    label: tuple[float, float]  # a point inside, where the name goes


def _load_areas() -> list[Area]:
    rows = (Division.objects.filter(code__startswith=settings.JURISDICTION[:2]).exclude(geometry="")
            .values_list("code", "name", "level", "geometry"))
    areas = []
    for code, name, level, text in rows:
        if not (code.startswith(settings.JURISDICTION) or settings.JURISDICTION.startswith(code)):
            continue  # another county's divisions loaded beside ours
        try:
            geom = shapely.from_geojson(text)
        except (shapely.errors.GEOSException, ValueError):
            continue
        if geom.is_empty:
            continue
        at = geom.point_on_surface()
        areas.append(Area(code, name, level, geom, (round(at.x, 6), round(at.y, 6))))
    return areas


_areas: RevisionCache[list[Area]] = RevisionCache(DIVISIONS, _load_areas)


def _shown_levels(zoom: int) -> set[str]:
    levels = {"province", "prefecture", "county", "street"}
    if zoom >= COMMUNITY_ZOOM:
        levels.add("community")
    return levels


def _geometry(geom, zoom: int) -> dict:
    simple = shapely.simplify(geom, tolerance(zoom), preserve_topology=True)
    simple = shapely.transform(simple, lambda xy: np.round(xy, 6))
    return tiles.geometry_to_display(json.loads(shapely.to_geojson(simple)))


def _feature(kind: str, geom, zoom: int, **properties) -> dict:
    return {"type": "Feature", "geometry": _geometry(geom, zoom), "properties": {"layer": kind, **properties}}


def area_features(bbox, zoom: int) -> list[dict]:
    box = shapely.box(bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat)
    levels = _shown_levels(zoom)
    features = []
    for area in _areas.get():
        if area.level in levels and area.geom.intersects(box):
            label = list(tiles.to_display(*area.label))
            features.append(_feature("area", area.geom, zoom, code=area.code, name=area.name, level=area.level,
                                     label=[round(v, 6) for v in label]))
    return features


def grid_features(bbox, zoom: int) -> list[dict]:
    if zoom < GRID_ZOOM:
        return []
    rows = list(Grid.objects.filter(bbox.overlapping(), active=True).order_by("code")
                .values_list("code", "geometry")[:MAX_GRIDS])
    return [_feature("grid", shapely.from_geojson(text), zoom, code=code) for code, text in rows]


def _clip_lines(geoms, bbox) -> list:
    """Roads cut to the view (and a margin): a 20 km road sends only what shows, and its name goes on
    the part in view. Polygons are left whole: a cut would draw the cut as an edge."""
    dx, dy = (bbox.max_lon - bbox.min_lon) * 0.1, (bbox.max_lat - bbox.min_lat) * 0.1
    rect = (bbox.min_lon - dx, bbox.min_lat - dy, bbox.max_lon + dx, bbox.max_lat + dy)
    return [shapely.clip_by_rect(g, *rect) if g.geom_type.endswith("LineString") else g for g in geoms]


def reference_features(bbox, zoom: int) -> tuple[list[dict], bool]:
    layers = [layer for layer, low in MIN_ZOOM.items() if zoom >= low]
    rows = list(ReferenceFeature.objects.filter(bbox.overlapping(), layer__in=layers).order_by("id")
                .values_list("layer", "name", "geometry")[:MAX_FEATURES + 1])
    truncated = len(rows) > MAX_FEATURES
    rows = rows[:MAX_FEATURES]
    geoms = _clip_lines(shapely.from_geojson([text for _layer, _name, text in rows]), bbox) if rows else []
    return [_feature(layer, geom, zoom, name=name) for (layer, name, _text), geom in zip(rows, geoms)
            if not geom.is_empty], truncated


def features(bbox, zoom: int, *, areas: bool) -> dict:
    """The view's basemap as GeoJSON; `areas` adds the division outlines (with a label point) and grids."""
    found, truncated = reference_features(bbox, zoom)
    if areas:
        found = area_features(bbox, zoom) + grid_features(bbox, zoom) + found
    return {"type": "FeatureCollection", "truncated": truncated, "features": found}


def invalidate() -> None:
    _areas.invalidate()


@receiver(setting_changed)
def _jurisdiction_changed(*, setting, **kwargs):
    if setting == "JURISDICTION":  # tests switch cities
        invalidate()
