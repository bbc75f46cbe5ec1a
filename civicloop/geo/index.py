"""Point → unit grid lookup through an in-memory STRtree that follows grid changes."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from civicloop.core.revisions import RevisionCache
from civicloop.geo.models import Grid

REVISION = "grids"


@dataclass(frozen=True)
class GridHit:
    code: str
    community_code: str
    street_code: str


class GridIndex:
    """Holds every active grid's polygon; locate() answers in tens of microseconds."""

    def __init__(self, rows: list[tuple[str, str, object]]):
        self._codes = [row[0] for row in rows]
        self._communities = [row[1] for row in rows]
        geoms = [row[2] for row in rows]
        for geom in geoms:
            shapely.prepare(geom)
        self._geoms = np.array(geoms, dtype=object)
        self._tree = STRtree(self._geoms) if rows else None
        self.bounds = shapely.total_bounds(self._geoms) if rows else None

    def __len__(self) -> int:
        return len(self._codes)

    def locate(self, lon: float, lat: float) -> GridHit | None:
        if self._tree is None:
            return None
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # A point on a shared edge touches two grids; the lower code wins so the answer is stable.
        i = int(hits[0]) if len(hits) == 1 else min(hits.tolist(), key=self._codes.__getitem__)
        community = self._communities[i]
        return GridHit(self._codes[i], community, community[:9])


def _load() -> GridIndex:
    rows = Grid.objects.filter(active=True).values_list("code", "community_id", "geometry")
    return GridIndex([(code, community, shapely.from_geojson(geo)) for code, community, geo in rows])


_cache: RevisionCache[GridIndex] = RevisionCache(REVISION, _load)


def grid_index() -> GridIndex:
    return _cache.get()


def locate(lon: float, lat: float) -> GridHit | None:
    return grid_index().locate(lon, lat)


def as_geojson(geom) -> str:
    return json.dumps(shapely.geometry.mapping(geom), ensure_ascii=False)
