"""Where every map opens: the jurisdiction's centre and bounds, from whatever geography the city has loaded.

In order: the root division's own boundary; else the union of the boundaries below it (its streets,
or a prefecture's counties); else the extent of its unit grids; else of every active grid loaded;
else China, so a city with nothing loaded yet still sees a map and not the sea off Africa.

Cached per process: the division part follows the "divisions" revision, the grid part the grid
index (which follows "grids"), so an import shows on the next page without a restart.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from civicloop.core.revisions import RevisionCache
from civicloop.geo.index import GridIndex, grid_index
from civicloop.geo.jurisdiction import REVISION
from civicloop.geo.models import Division
from civicloop.geo.shapes import stored_area

CHINA = (73.5, 18.0, 135.1, 53.6)  # lon/lat bounds of the mainland, the last resort


@dataclass(frozen=True)
class Extent:
    centre: tuple[float, float]  # lon, lat WGS-84; inside the area where the area allows it
    bounds: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    source: str  # "boundary", "divisions", "grids", "all-grids" or "none": what it was taken from


def _from_geometry(geom, source: str) -> Extent:
    x0, y0, x1, y1 = (float(v) for v in geom.bounds)
    middle = shapely.Point((x0 + x1) / 2, (y0 + y1) / 2)
    # A crescent-shaped county's box middle may lie outside it; the map should open on the county.
    centre = middle if geom.intersects(middle) else geom.point_on_surface()
    return Extent((float(centre.x), float(centre.y)), (x0, y0, x1, y1), source)


def _division_extent() -> Extent | None:
    code = settings.JURISDICTION
    root = stored_area(Division.objects.filter(code=code).values_list("geometry", flat=True).first() or "")
    if root is not None:
        return _from_geometry(root, "boundary")
    texts = (Division.objects.filter(code__startswith=code).exclude(code=code).exclude(geometry="")
             .values_list("geometry", flat=True))
    # The union of the children is only needed for its box and a point inside; a collection of them
    # gives both without dissolving thousands of shared edges.
    parts = [g for g in map(stored_area, texts) if g is not None]
    if not parts:
        return None
    return _from_geometry(shapely.GeometryCollection(parts), "divisions")


def _grid_extent(index: GridIndex) -> Extent | None:
    if len(index) == 0:
        return None
    own = np.array([c.startswith(settings.JURISDICTION) for c in index._communities], dtype=bool)
    if own.any():
        return _from_geometry(shapely.GeometryCollection(list(index._geoms[own])), "grids")
    return _from_geometry(shapely.GeometryCollection(list(index._geoms)), "all-grids")


_divisions: RevisionCache[tuple[Extent | None]] = RevisionCache(REVISION, lambda: (_division_extent(),))
_grids_memo: dict[int, tuple[GridIndex, Extent | None]] = {}  # one entry: the index it was built from


def _from_grids() -> Extent | None:
    index = grid_index()
    held = _grids_memo.get(0)
    if held is None or held[0] is not index:
        held = (index, _grid_extent(index))
        _grids_memo[0] = held
    return held[1]


def extent() -> Extent:
    """The jurisdiction's extent (WGS-84), never None."""
    found = _divisions.get()[0] or _from_grids()
    if found is not None:
        return found
    x0, y0, x1, y1 = CHINA
    return Extent(((x0 + x1) / 2, (y0 + y1) / 2), CHINA, "none")


def invalidate() -> None:
    _divisions.invalidate()
    _grids_memo.clear()


@receiver(setting_changed)
def _jurisdiction_changed(*, setting, **kwargs):
    if setting == "JURISDICTION":  # tests switch cities
        invalidate()
