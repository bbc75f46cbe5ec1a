"""Road segments (路段): what meets a segment's ends, and a road cut into segments at its crossings.

A city's segment file often names the cross streets at each end (起点/止点); when it does not, the
import names them from the roads whose lines pass within END_REACH_M of the end. The demo gazetteer
cuts its roads where they cross.
"""
from __future__ import annotations

import math

import shapely
from shapely import STRtree
from shapely.geometry import Point
from shapely.ops import substring

from civicloop.gazetteer.models import Road

M_PER_DEG = 111_320.0
END_REACH_M = 30.0  # a cross street this close to a segment's end is the one it ends at
SAME_PLACE = 1e-9  # crossings closer than this along a line (as a share of it) are one


def _degrees(metres: float, lat: float) -> float:
    """A reach in degrees, the longer (east–west) way round."""
    return metres / (M_PER_DEG * math.cos(math.radians(lat)))


class Crossings:
    """Every road's line in an STRtree, to name the road that meets a point (a segment's end)."""

    def __init__(self, rows: list[tuple[int, str, str]]):
        self.ids = [pk for pk, _name, _geometry in rows]
        self.names = [name for _pk, name, _geometry in rows]
        self.lines = shapely.from_geojson([geometry for _pk, _name, geometry in rows]) if rows else []
        self.tree = STRtree(self.lines) if rows else None

    @classmethod
    def load(cls) -> Crossings:
        return cls(list(Road.objects.values_list("id", "name", "geometry").iterator(chunk_size=2000)))

    def name_at(self, lon: float, lat: float, *, own_id: int | None, own_name: str) -> str:
        """The nearest other road within END_REACH_M of the point, by name; "" when none."""
        if self.tree is None:
            return ""
        point = Point(lon, lat)
        found = [int(i) for i in self.tree.query(point, predicate="dwithin", distance=_degrees(END_REACH_M, lat))]
        others = [i for i in found if self.ids[i] != own_id and self.names[i] != own_name]
        if not others:
            return ""
        return self.names[min(others, key=lambda i: self.lines[i].distance(point))]


def end_names(line, *, crossings: Crossings, own_id: int | None, own_name: str) -> tuple[str, str]:
    """The cross streets at a segment's two ends (its first and last point)."""
    part = line if line.geom_type == "LineString" else line.geoms[0]
    last = line if line.geom_type == "LineString" else line.geoms[-1]
    (x0, y0), (x1, y1) = part.coords[0], last.coords[-1]
    return (crossings.name_at(x0, y0, own_id=own_id, own_name=own_name),
            crossings.name_at(x1, y1, own_id=own_id, own_name=own_name))


def cut(line, others: list[tuple[str, object]]) -> list[tuple[str, str, object]]:
    """A road's line cut where the other roads cross it: (from name, to name, piece), in order along it.
    An end that no road crosses has "" for its name."""
    at = {}
    for name, other in others:
        meet = line.intersection(other)
        for p in (g for g in getattr(meet, "geoms", [meet]) if g.geom_type == "Point" and not g.is_empty):
            at.setdefault(round(line.project(p, normalized=True), 9), name)
    stops = sorted(at.items())
    if not stops or stops[0][0] > SAME_PLACE:
        stops.insert(0, (0.0, ""))
    if stops[-1][0] < 1 - SAME_PLACE:
        stops.append((1.0, ""))
    return [(a_name, b_name, substring(line, a, b, normalized=True))
            for (a, a_name), (b, b_name) in zip(stops, stops[1:]) if b - a > SAME_PLACE]
