"""Patrol coverage as pure functions: a lattice of cells inside the grid, and the cells a track
passed close enough to see. No ORM; services.py loads the points and saves the figures.

Coordinates are projected to local metres around the grid (equirectangular: under 0.1 % error
across a grid), so distances are plain Euclidean ones.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Coverage:
    visited: int
    total: int

    @property
    def fraction(self) -> float:
        return self.visited / self.total if self.total else 0.0


@dataclass(frozen=True)
class Projection:
    lon0: float
    lat0: float

    @property
    def k(self) -> float:
        return M_PER_DEG_LAT * math.cos(math.radians(self.lat0))

    def xy(self, lon, lat):
        return (np.asarray(lon, dtype=float) - self.lon0) * self.k, (np.asarray(lat, dtype=float) - self.lat0) * M_PER_DEG_LAT

    def geometry(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda c: np.column_stack(self.xy(c[:, 0], c[:, 1])))


def cells(polygon_m: BaseGeometry, *, cell_m: float, max_cells: int) -> np.ndarray:
    """Centres (n × 2, metres) of a square lattice inside the polygon. A big rural grid gets
    bigger cells so no grid has more than max_cells; a sliver still has its one centre."""
    size = max(cell_m, math.sqrt(polygon_m.area / max_cells)) if polygon_m.area > 0 else cell_m
    minx, miny, maxx, maxy = polygon_m.bounds
    xs = np.arange(minx + size / 2, maxx, size)
    ys = np.arange(miny + size / 2, maxy, size)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(polygon_m, gx, gy) if len(gx) else np.zeros(0, dtype=bool)
    if not inside.any():
        c = polygon_m.representative_point()
        return np.array([[c.x, c.y]])
    return np.column_stack([gx[inside], gy[inside]])


def runs(track: Sequence[tuple[float, float, float]], *, max_gap_s: float, max_jump_m: float) -> list[list[tuple[float, float]]]:
    """Split a track of (seconds, x, y), in time order, where the phone lost the signal: a long
    pause or a jump is not a walk, so no line is drawn across it."""
    out: list[list[tuple[float, float]]] = []
    prev = None
    for t, x, y in track:
        if prev is None or t - prev[0] > max_gap_s or math.hypot(x - prev[1], y - prev[2]) > max_jump_m:
            out.append([])
        out[-1].append((x, y))
        prev = (t, x, y)
    return out


def track_geometry(parts: list[list[tuple[float, float]]]) -> BaseGeometry | None:
    lines = [LineString(p) for p in parts if len(p) >= 2]
    points = [Point(p[0]) for p in parts if len(p) == 1]
    geoms = ([MultiLineString(lines)] if lines else []) + points
    if not geoms:
        return None
    return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)


def coverage(centres: np.ndarray, track: BaseGeometry | None, *, see_m: float) -> Coverage:
    """A cell counts as visited when the walked line passed within see_m of its centre."""
    total = len(centres)
    if track is None or total == 0:
        return Coverage(0, total)
    shapely.prepare(track)
    seen = shapely.dwithin(track, shapely.points(centres[:, 0], centres[:, 1]), see_m)
    return Coverage(int(np.count_nonzero(seen)), total)


def path_length(parts: list[list[tuple[float, float]]]) -> float:
    return sum(math.hypot(b[0] - a[0], b[1] - a[1]) for p in parts for a, b in zip(p, p[1:]))
