"""Map tile sources for the consoles, chosen in settings (conventions rule 4).

The map draws everything in the tiles' coordinate system: 高德 tiles are GCJ-02, so points and
polygons are converted on the server before they are sent; with no tiles the map is a plain
background with boundaries and grids, which works on a closed network.
"""
from __future__ import annotations

from django.conf import settings

from civicloop.lib import coords

SOURCES = {
    "none": {"url": "", "attribution": "", "crs": "wgs84", "subdomains": ""},
    "osm": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attribution": "© OpenStreetMap contributors", "crs": "wgs84", "subdomains": ""},
    # 天地图 vector tiles in Web Mercator; the key is the city's own (tianditu.gov.cn).
    "tianditu": {"url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                        "&TILECOL={x}&tk={key}", "attribution": "© 天地图", "crs": "wgs84", "subdomains": "01234567"},
    "amap": {"url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
             "attribution": "© 高德地图", "crs": "gcj02", "subdomains": "1234"},
}


def tile_config() -> dict:
    source = dict(SOURCES.get(settings.MAP_TILES, SOURCES["none"]))
    if settings.MAP_TILE_URL:
        source["url"] = settings.MAP_TILE_URL
    source["url"] = source["url"].replace("{key}", settings.TIANDITU_KEY)
    source["name"] = settings.MAP_TILES
    return source


def display_crs() -> str:
    return tile_config()["crs"]


def to_display(lon: float, lat: float) -> tuple[float, float]:
    """A stored WGS-84 point in the coordinate system the tiles are drawn in."""
    if display_crs() == "gcj02":
        return coords.wgs84_to_gcj02(lon, lat)
    return lon, lat


def ring_to_display(ring: list) -> list:
    if display_crs() != "gcj02":
        return ring
    return [list(coords.wgs84_to_gcj02(x, y)) for x, y in ring]


def geometry_to_display(geometry: dict) -> dict:
    """A GeoJSON Polygon/MultiPolygon converted ring by ring (no-op for WGS-84 tiles)."""
    if display_crs() != "gcj02" or not geometry:
        return geometry
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring_to_display(r) for r in geometry["coordinates"]]}
    if geometry["type"] == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [[ring_to_display(r) for r in poly] for poly in geometry["coordinates"]]}
    return geometry
