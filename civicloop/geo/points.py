"""Points as they arrive: validated, in any coordinate system, returned in the WGS-84 we store."""
from __future__ import annotations

import math

from civicloop.core.errors import InvalidInput
from civicloop.geo import jurisdiction
from civicloop.lib import coords


def parse_point(lon, lat, crs: str = "wgs84") -> tuple[float, float]:
    """Validates a point in any supported system and returns it in WGS-84."""
    try:
        system = coords.CRS(str(crs or "wgs84").strip().lower())
    except ValueError:
        raise InvalidInput.field("crs", "不支持的坐标系，可用 wgs84/cgcs2000/gcj02/bd09 / unknown coordinate system") from None
    values = {}
    for name, raw in (("lon", lon), ("lat", lat)):
        if raw is None or raw == "":
            raise InvalidInput.field(name, "缺少坐标 / coordinate is required")
        try:
            values[name] = float(raw)
        except (TypeError, ValueError):
            raise InvalidInput.field(name, "坐标须为数字 / coordinate must be a number") from None
        if not math.isfinite(values[name]):
            raise InvalidInput.field(name, "坐标须为有限数字 / coordinate must be finite")
    # China's box first: cheap, and the offsets of GCJ-02 and BD-09 are defined only inside it.
    if not coords.in_china(values["lon"], values["lat"]):
        raise InvalidInput.field("location", "位置不在中国境内 / the point is outside China")
    lon, lat = coords.to_wgs84(values["lon"], values["lat"], system)
    area = jurisdiction.root()
    if not area.contains(lon, lat):
        raise InvalidInput.field("location", f"位置不在{area.name}辖区的网格范围内 / the point is outside the city ({area.name})")
    return lon, lat
