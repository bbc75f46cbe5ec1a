"""The deployment's jurisdiction: its root division (settings.JURISDICTION) and everything below it.

"Inside" means inside the root's boundary (its `geometry`); where no boundary is loaded, inside one
of the active grids under the root (the grid index answers that without building their union); with
neither loaded there is nothing to refuse a point by. The root is cached per process and rebuilt when
a division changes (the "divisions" revision); the grids follow their own revision (geo.index).
"""
from __future__ import annotations

from dataclasses import dataclass

import shapely
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from civicloop.core.revisions import RevisionCache
from civicloop.geo.index import grid_index
from civicloop.geo.models import Division
from civicloop.geo.shapes import stored_area

REVISION = "divisions"


@dataclass(frozen=True)
class Root:
    code: str
    name: str
    boundary: object | None  # a prepared shapely geometry, WGS-84
    bounds: tuple[float, float, float, float] | None

    def contains(self, lon: float, lat: float) -> bool:
        if self.boundary is not None:
            return _in_box(self.bounds, lon, lat) and bool(shapely.intersects_xy(self.boundary, lon, lat))
        index = grid_index()
        if len(index) == 0:
            return True
        if not _in_box(index.bounds, lon, lat):
            return False
        hit = index.locate(lon, lat)
        return hit is not None and hit.community_code.startswith(self.code)


def _in_box(bounds, lon: float, lat: float) -> bool:
    x0, y0, x1, y1 = bounds
    return x0 <= lon <= x1 and y0 <= lat <= y1


def _boundary(text: str):
    """The root's boundary, or None when none is loaded or it is unusable (then the grids decide)."""
    geom = stored_area(text)
    if geom is not None:
        shapely.prepare(geom)
    return geom


def _load() -> Root:
    code = settings.JURISDICTION
    row = Division.objects.filter(code=code).values_list("name", "geometry").first()
    name, text = row if row else (settings.CITY_NAME, "")
    boundary = _boundary(text)
    bounds = tuple(boundary.bounds) if boundary is not None else None
    return Root(code, name, boundary, bounds)


_cache: RevisionCache[Root] = RevisionCache(REVISION, _load)


@receiver(setting_changed)
def _jurisdiction_changed(*, setting, **kwargs):
    if setting in ("JURISDICTION", "CITY_NAME"):  # tests switch cities
        _cache.invalidate()


def root() -> Root:
    return _cache.get()


def contains(lon: float, lat: float) -> bool:
    """Is this WGS-84 point inside the jurisdiction?"""
    return root().contains(lon, lat)
