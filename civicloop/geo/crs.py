"""Coordinate systems of the files surveyors deliver, and their conversion to the WGS-84 we store.

PROJ (through pyproj) does every projection: WGS-84, CGCS2000 geographic (EPSG:4490) and the
CGCS2000 3°/6° Gauss–Krüger systems (EPSG:4491–4554). GCJ-02 and BD-09 are not in PROJ — they are
offsets, not datums — so they go through civicloop.lib.coords like every incoming point does.

CGCS2000 and WGS-84 differ by a few centimetres: PROJ's CGCS2000 → WGS-84 step is a "ballpark"
(null) transformation, and we store the result as WGS-84 lon/lat as the rest of the platform does.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext as _

from civicloop.lib import coords

WGS84_EPSG = 4326
OFFSET_SYSTEMS = {"gcj02": coords.CRS.GCJ02, "bd09": coords.CRS.BD09}
GEOGRAPHIC_ALIASES = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}


class UnknownCRS(ValueError):
    """A coordinate system PROJ does not know, or one that cannot be turned into longitude/latitude."""


@dataclass(frozen=True)
class SourceCRS:
    label: str  # what the report shows: "EPSG:4543 CGCS2000 / 3-degree Gauss-Kruger CM 102E", "GCJ-02"
    convert: Callable[[np.ndarray], np.ndarray]  # (n, 2) x/y in the source → (n, 2) lon/lat WGS-84

    def to_wgs84(self, geometries: np.ndarray) -> np.ndarray:
        """Every geometry at once: one vectorised PROJ call for all their coordinates."""
        return shapely.transform(geometries, self.convert)


def parse(text: str) -> SourceCRS:
    """A CRS the user typed or a file declared: "EPSG:4545", "4545", "gcj02", "bd09", "wgs84", WKT."""
    value = (text or "").strip()
    if not value:
        raise UnknownCRS(_("No coordinate system given."))
    key = value.lower().replace("-", "").replace("_", "")
    if key in OFFSET_SYSTEMS:
        return _offset(OFFSET_SYSTEMS[key])
    if value.isdigit():
        value = f"EPSG:{value}"
    return _proj(GEOGRAPHIC_ALIASES.get(key, value))


def _proj(value: str) -> SourceCRS:
    import pyproj
    from pyproj.exceptions import CRSError

    try:
        crs = pyproj.CRS.from_user_input(value)
    except CRSError:
        raise UnknownCRS(_("Unknown coordinate system: %(crs)s") % {"crs": value[:80]}) from None
    if not (crs.is_geographic or crs.is_projected):
        raise UnknownCRS(_("The coordinate system %(crs)s is neither geographic nor projected.") % {"crs": crs.name})
    try:
        transformer = pyproj.Transformer.from_crs(crs, WGS84_EPSG, always_xy=True)
    except CRSError:
        raise UnknownCRS(_("The coordinate system %(crs)s cannot be converted to WGS-84.") % {"crs": crs.name}) from None
    epsg = crs.to_epsg()
    label = f"EPSG:{epsg} {crs.name}" if epsg else crs.name

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return SourceCRS(label, convert)


def _offset(system: coords.CRS) -> SourceCRS:
    label = {coords.CRS.GCJ02: "GCJ-02", coords.CRS.BD09: "BD-09"}[system]

    def convert(xy: np.ndarray) -> np.ndarray:
        return np.array([coords.to_wgs84(float(x), float(y), system) for x, y in xy], dtype=float).reshape(-1, 2)

    return SourceCRS(label, convert)


def lonlat_problem(geometries: np.ndarray) -> str | None:
    """After conversion everything must be longitude/latitude: metres here mean a projected file
    read as if it were geographic (a GeoJSON in Gauss–Krüger without its CRS, say)."""
    if len(geometries) == 0:
        return None
    lon_min, lat_min, lon_max, lat_max = shapely.total_bounds(geometries)
    if np.isnan(lon_min) or not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        return _("The coordinates are not longitude and latitude after conversion: is the coordinate system right?")
    return None
