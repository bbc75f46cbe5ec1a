"""Where every facility is, in memory (numpy), for the map layer: a viewport of 100,000 facilities is
filtered and clustered in a few milliseconds instead of a GROUP BY over most of the table.

Only what rarely changes is held here: id, point, street, community and grid. States change with
every case and are read from the database for the points actually drawn. The arrays are rebuilt
when the "facilities" revision moves (a facility added, moved or deleted: see signals in services).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from civicloop.core.revisions import RevisionCache
from civicloop.facilities.models import Facility

REVISION = "facilities"


@dataclass
class FacilityIndex:
    ids: np.ndarray  # object (str)
    lon: np.ndarray
    lat: np.ndarray
    areas: dict[str, tuple[np.ndarray, dict[str, int]]]  # "street" → (codes per facility as ints, code → int)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, bbox: tuple[float, float, float, float], area: tuple[str, str] | None = None) -> np.ndarray:
        west, south, east, north = bbox
        inside = (self.lon >= west) & (self.lon <= east) & (self.lat >= south) & (self.lat <= north)
        if area is not None:
            kind, code = area
            values, numbers = self.areas[kind]
            inside &= values == numbers.get(code, -1)
        return inside

    def clusters(self, inside: np.ndarray, bbox, cells: int) -> list[tuple[float, float, int]]:
        """(lon, lat, count) per non-empty cell of a cells × cells grid over the viewport; the marker
        sits at its members' centre."""
        west, south, east, north = bbox
        lon, lat = self.lon[inside], self.lat[inside]
        cx = np.minimum(((lon - west) / (east - west) * cells).astype(np.int64), cells - 1)
        cy = np.minimum(((lat - south) / (north - south) * cells).astype(np.int64), cells - 1)
        key = cy * cells + cx
        counts = np.bincount(key, minlength=cells * cells)
        sum_lon = np.bincount(key, weights=lon, minlength=cells * cells)
        sum_lat = np.bincount(key, weights=lat, minlength=cells * cells)
        used = np.nonzero(counts)[0]
        return [(float(sum_lon[k] / counts[k]), float(sum_lat[k] / counts[k]), int(counts[k])) for k in used]


def _categorical(values: tuple[str, ...]) -> tuple[np.ndarray, dict[str, int]]:
    numbers: dict[str, int] = {}
    array = np.fromiter((numbers.setdefault(v, len(numbers)) for v in values), dtype=np.int32, count=len(values))
    return array, numbers


def _load() -> FacilityIndex:
    rows = list(Facility.objects.order_by().values_list("id", "lon", "lat", "street_id", "community_id", "grid_id"))
    if not rows:
        empty = np.array([], dtype=np.float64)
        return FacilityIndex(np.array([], dtype=object), empty, empty,
                             {k: (np.array([], dtype=np.int32), {}) for k in ("district", "street", "community", "grid")})
    ids, lon, lat, street, community, grid = zip(*rows)
    return FacilityIndex(np.array(ids, dtype=object), np.array(lon, dtype=np.float64), np.array(lat, dtype=np.float64),
                         {"district": _categorical(tuple(code[:6] for code in street)), "street": _categorical(street),
                          "community": _categorical(community), "grid": _categorical(grid)})


_cache: RevisionCache[FacilityIndex] = RevisionCache(REVISION, _load)


def facility_index() -> FacilityIndex:
    return _cache.get()
