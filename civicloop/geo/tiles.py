"""Map tile sources for every map, chosen in settings (conventions rule 4); docs/maps.md.

A provider is one or two tile layers (天地图 draws its labels as a second layer over the base), the
coordinate system its tiles are drawn in, and what it needs from the city (a key, a URL, a file).
The map draws everything in the tiles' system: 高德 and 腾讯 tiles are GCJ-02, so points and
polygons are converted on the server before they are sent. With no tiles, the city's own layers
(civicloop.basemap) are drawn as the basemap, which works on a closed network.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.geo.extent import extent
from civicloop.lib import coords

_TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
             "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")
# 天地图's Web-Mercator (_w) layers: a base and the labels drawn over it (注记), as two layers.
TIANDITU_LAYERS = {"vec": ("vec", "cva"), "img": ("img", "cia")}


@dataclass(frozen=True)
class Provider:
    urls: tuple[str, ...]  # base first, then overlays (labels)
    attribution: str
    crs: str  # "wgs84" or "gcj02": the system the tiles are drawn in
    subdomains: str = ""
    max_zoom: int = 18


PROVIDERS = {
    "none": Provider((), "", "wgs84"),
    "osm": Provider(("https://tile.openstreetmap.org/{z}/{x}/{y}.png",), "© OpenStreetMap contributors", "wgs84", "", 19),
    "tianditu": Provider((), "© 天地图", "wgs84", "01234567", 18),  # urls from TIANDITU_STYLE and the key
    "amap": Provider(("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",),
                     "© 高德地图", "gcj02", "1234", 18),
    # 腾讯 numbers its rows from the south (TMS): Leaflet's {-y} counts them that way.
    "tencent": Provider(("https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&styleid=1",),
                        "© 腾讯地图", "gcj02", "0123", 18),
    "xyz": Provider((), "", "wgs84"),  # everything from the MAP_TILE_* settings
    "file": Provider((), "", "wgs84"),  # the city's MBTiles/PMTiles file, served by basemap.views.tile
}


def _urls(name: str, provider: Provider) -> list[str]:
    if name == "tianditu":
        return [_TIANDITU.replace("{layer}", layer) for layer in TIANDITU_LAYERS[settings.TIANDITU_STYLE]]
    if name == "file":
        return [reverse("basemap:tile", args=[0, 0, 0]).replace("0/0/0", "{z}/{x}/{y}")]
    return list(provider.urls)


def _layers(name: str, provider: Provider) -> list[str]:
    urls = _urls(name, provider)
    if settings.MAP_TILE_URL:  # an intranet mirror of the provider, or the xyz template itself
        urls = [settings.MAP_TILE_URL, *urls[1:]]
    if settings.MAP_TILE_LABEL_URL:
        urls = [*urls[:1], settings.MAP_TILE_LABEL_URL]
    if name == "none":
        return []
    return [url.replace("{key}", settings.TIANDITU_KEY) for url in urls if url]


def attribution(base: str) -> str:
    """The provider's credit and, when the city has one, the basemap's 审图号 (shown by law on a published map)."""
    parts = [settings.MAP_TILE_ATTRIBUTION or base]
    if settings.MAP_REVIEW_NUMBER:
        parts.append(_("Map review number: %(number)s") % {"number": settings.MAP_REVIEW_NUMBER})
    return " | ".join(p for p in parts if p)


def provider_name() -> str:
    """The configured provider; a URL given with `none` (how an intranet server was set before `xyz`) is xyz."""
    if settings.MAP_TILES == "none" and settings.MAP_TILE_URL:
        return "xyz"
    return settings.MAP_TILES


def tile_config() -> dict:
    """The tile layers as Leaflet wants them; `url` and `subdomains` are the base layer's (older callers)."""
    name = provider_name()
    provider = PROVIDERS.get(name, PROVIDERS["none"])
    urls = _layers(name, provider)
    subdomains = settings.MAP_TILE_SUBDOMAINS or provider.subdomains
    max_zoom = settings.MAP_TILE_MAX_ZOOM if name in ("xyz", "file") else provider.max_zoom
    return {"name": name, "url": urls[0] if urls else "", "subdomains": subdomains, "crs": display_crs(),
            "attribution": attribution(provider.attribution), "maxZoom": max_zoom,
            "layers": [{"url": url, "subdomains": subdomains, "maxZoom": max_zoom} for url in urls],
            "basemap": "" if urls else reverse("basemap:features")}  # no tiles: the city's own layers


def map_config() -> dict:
    """Everything a map page needs to open: tiles, attribution, the jurisdiction's centre and bounds in
    the tiles' system."""
    config = tile_config()
    view = extent()
    x0, y0 = to_display(view.bounds[0], view.bounds[1])
    x1, y1 = to_display(view.bounds[2], view.bounds[3])
    config["center"] = [round(v, 6) for v in to_display(*view.centre)]
    config["bounds"] = [[round(y0, 6), round(x0, 6)], [round(y1, 6), round(x1, 6)]]  # Leaflet's [[s, w], [n, e]]
    return config


def display_crs() -> str:
    """Cheap (called per point): the system the configured tiles are drawn in."""
    name = provider_name()
    if name in ("xyz", "file"):
        return settings.MAP_TILE_CRS
    return PROVIDERS.get(name, PROVIDERS["none"]).crs


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
    """A GeoJSON geometry converted vertex by vertex (no-op for WGS-84 tiles)."""
    if display_crs() != "gcj02" or not geometry:
        return geometry
    kind, coordinates = geometry["type"], geometry.get("coordinates")
    if kind == "Point":
        return {"type": kind, "coordinates": list(coords.wgs84_to_gcj02(*coordinates[:2]))}
    if kind in ("LineString", "MultiPoint"):
        return {"type": kind, "coordinates": ring_to_display(coordinates)}
    if kind in ("Polygon", "MultiLineString"):
        return {"type": kind, "coordinates": [ring_to_display(r) for r in coordinates]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[ring_to_display(r) for r in poly] for poly in coordinates]}
    return geometry


def tile_hosts() -> list[str]:
    """The map tile origins the maps draw from (every layer, 天地图's labels too): GeoConfig.image_sources,
    which core.security puts in the content security policy.

    A `{s}` subdomain pattern (t{s}.tianditu.gov.cn, webrd0{s}.is.autonavi.com) becomes a wildcard on
    its first label. Tiles served by this site (a city's MBTiles/PMTiles file) are 'self' already."""
    hosts = []
    for layer in tile_config()["layers"]:
        host = _origin(layer["url"])
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def _origin(url: str) -> str:
    parts = urlsplit(url.replace("{s}", "0"))
    if not parts.scheme or not parts.netloc:
        return ""  # a relative URL: tiles served by this site ('self')
    host = parts.netloc
    if "{s}" in urlsplit(url).netloc.split(".")[0]:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"
