"""Schematic demo geography for 蒙自市 (532503): real names and codes, synthetic shapes.

We hold no licensed boundary polygons, so the shapes are generated: a hand-drawn
county outline, a 5 km x 4 km urban core cut into 100 m unit grids, and ~2 km
grids over the rest.  Divisions are drawn as Voronoi regions around seed points,
but at grid resolution: each grid goes wholly to the seed nearest its centroid
(which is exactly the Voronoi cell containing that centroid), and every
community, street and the county is then the union of its grids.  So the levels
tile each other exactly, with no gaps or overlaps.

Pure Python and shapely; deliberately free of Django so it can be tested alone.
"""
from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, box

COUNTY_CODE = "532503"
CENTRE = (103.385, 23.367)  # real city centre, WGS-84
M_PER_DEG_LAT = 111320.0

URBAN_CELL_M = 100
RURAL_STEP = 20  # rural grid = 20 x 20 urban cells (2 km), so both lattices share lines
CORE_COLS, CORE_ROWS = 50, 40  # 5 km x 4 km core -> 2,000 urban grids
SLIVER_FRACTION = 0.1  # rural pieces smaller than this share of a full cell get merged
MIN_SHARED_DEG = 1e-6  # ~10 cm: shorter contacts are rounding noise, not a common border
DECIMALS = 7
MAX_SERIAL = 999

DATA_FILE = Path(__file__).parent / "data" / "mengzi_divisions.csv"

# Hand-drawn rough county outline (lon, lat), typed in, not traced from any source.
OUTLINE = (
    (103.25, 23.49), (103.31, 23.56), (103.39, 23.57), (103.45, 23.51),
    (103.53, 23.55), (103.59, 23.47), (103.70, 23.44), (103.82, 23.36),
    (103.72, 23.27), (103.78, 23.14), (103.72, 23.04), (103.61, 23.09),
    (103.50, 23.18), (103.41, 23.09), (103.31, 23.02), (103.22, 23.08),
    (103.27, 23.22), (103.21, 23.34),
)

# Seeds of the five 街道 in km east/north of CENTRE (schematic placement).
URBAN_SEEDS_KM = {
    "532503001": (0.0, 0.2),  # 文澜: old town in the middle
    "532503002": (-1.8, 1.2),  # 雨过铺: north-west
    "532503003": (1.4, 1.2),  # 观澜: north-east
    "532503004": (1.3, -1.2),  # 文萃: south-east
    "532503005": (-1.5, -1.2),  # 新安所: south-west
}

# Seeds (lon, lat) of the towns and townships around the core.
RURAL_SEEDS = {
    "532503102": (103.30, 23.28),  # 草坝镇
    "532503105": (103.60, 23.20),  # 芷村镇
    "532503106": (103.50, 23.48),  # 鸣鹫镇
    "532503107": (103.47, 23.35),  # 冷泉镇
    "532503201": (103.28, 23.45),  # 期路白苗族乡
    "532503202": (103.68, 23.38),  # 老寨苗族乡
    "532503203": (103.70, 23.10),  # 水田乡
    "532503204": (103.27, 23.10),  # 西北勒乡
}


@dataclass(frozen=True)
class DivisionSpec:
    code: str
    name: str
    level: str  # "county" | "street" | "community"
    parent_code: str | None
    polygon: Polygon  # WGS-84 lon/lat


@dataclass(frozen=True)
class GridSpec:
    code: str  # 15 chars: 6 county + 3 street + 3 community + 3 serial
    name: str  # e.g. "文澜街道 天马社区 第012网格"
    community_code: str
    polygon: Polygon
    urban: bool


@dataclass(frozen=True)
class Geography:
    divisions: list[DivisionSpec]
    grids: list[GridSpec]
    outline: Polygon


@dataclass
class _Cell:
    polygon: Polygon
    row: int  # lattice row, counted northwards (urban: 100 m rows, rural: 2 km rows)
    col: int  # lattice column, counted eastwards
    urban: bool


def load_divisions() -> list[tuple[str, str, str, str | None]]:
    """(code, name, level, parent_code) rows of the shipped CSV, in file order."""
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        return [
            (r["code"], r["name"], r["level"], r["parent_code"] or None)
            for r in csv.DictReader(f)
        ]


# --- lattice -----------------------------------------------------------------

_COS_LAT = math.cos(math.radians(CENTRE[1]))
_DLAT = URBAN_CELL_M / M_PER_DEG_LAT
_DLON = URBAN_CELL_M / (M_PER_DEG_LAT * _COS_LAT)
# South-west corner of the core, offset half a cell so CENTRE is the middle of a
# grid rather than a grid corner (a point lookup there must hit exactly one grid).
_LON0 = CENTRE[0] - (CORE_COLS / 2 - 0.5) * _DLON
_LAT0 = CENTRE[1] - (CORE_ROWS / 2 - 0.5) * _DLAT


def _x(i: int) -> float:
    # Every lattice line is computed once from its integer index and rounded, so
    # neighbouring cells (urban or rural) share bit-identical edges.
    return round(_LON0 + i * _DLON, DECIMALS)


def _y(j: int) -> float:
    return round(_LAT0 + j * _DLAT, DECIMALS)


def _square(i: int, j: int, size: int) -> Polygon:
    return box(_x(i), _y(j), _x(i + size), _y(j + size))


def _round(geom):
    return shapely.transform(geom, lambda c: np.round(c, DECIMALS))


def _to_metres(lon: float, lat: float) -> tuple[float, float]:
    """Local equirectangular metres around CENTRE: good to <0.5 % over the county."""
    return (
        (lon - CENTRE[0]) * M_PER_DEG_LAT * _COS_LAT,
        (lat - CENTRE[1]) * M_PER_DEG_LAT,
    )


# --- cells -------------------------------------------------------------------


def _core() -> Polygon:
    return box(_x(0), _y(0), _x(CORE_COLS), _y(CORE_ROWS))


def _urban_cells() -> list[_Cell]:
    return [
        _Cell(_square(i, j, 1), j, i, True)
        for j in range(CORE_ROWS)
        for i in range(CORE_COLS)
    ]


def _rural_cells(rural_area: Polygon) -> list[_Cell]:
    """2 km lattice squares clipped to the outline minus the core, slivers merged."""
    minx, miny, maxx, maxy = rural_area.bounds
    cols = range(math.floor((minx - _LON0) / (_DLON * RURAL_STEP)),
                 math.ceil((maxx - _LON0) / (_DLON * RURAL_STEP)))
    rows = range(math.floor((miny - _LAT0) / (_DLAT * RURAL_STEP)),
                 math.ceil((maxy - _LAT0) / (_DLAT * RURAL_STEP)))
    cells = []
    for r in rows:
        for c in cols:
            clipped = shapely.intersection(
                _square(c * RURAL_STEP, r * RURAL_STEP, RURAL_STEP), rural_area
            )
            # A concave outline can cut one square into several parts; each is a cell.
            for part in shapely.get_parts(clipped):
                part = _round(part)
                if isinstance(part, Polygon) and part.area > 0:
                    cells.append(_Cell(part, r, c, False))
    full = _square(0, 0, RURAL_STEP).area
    return _merge_slivers(cells, SLIVER_FRACTION * full)


def _merge_slivers(cells: list[_Cell], min_area: float) -> list[_Cell]:
    """Fold each too-small piece into the neighbour it shares most border with.

    Slivers only arise where the outline clips a square; merging (not dropping)
    keeps the outline intact.  A sliver with no neighbour is dropped: the final
    outline is the union of the grids anyway.
    """
    alive: list[_Cell | None] = list(cells)
    while True:
        small = [k for k, c in enumerate(alive) if c is not None and c.polygon.area < min_area]
        if not small:
            return [c for c in alive if c is not None]
        k = min(small, key=lambda k: (alive[k].polygon.area, k))
        sliver = alive[k]
        alive[k] = None
        others = [m for m, c in enumerate(alive) if c is not None]
        shared = shapely.length(shapely.intersection(
            sliver.polygon, [alive[m].polygon for m in others]))
        best = max(range(len(others)), key=lambda n: (shared[n], -n), default=None)
        if best is None or shared[best] < MIN_SHARED_DEG:
            continue
        host = alive[others[best]]
        host.polygon = _single(shapely.union(host.polygon, sliver.polygon))


def _single(geom) -> Polygon:
    geom = _round(geom)
    if not isinstance(geom, Polygon):
        raise AssertionError(f"expected a single Polygon, got {geom.geom_type}")
    return geom


# --- adjacency and contiguity -------------------------------------------------


def _adjacency(polygons: list[Polygon]) -> list[dict[int, float]]:
    """For each cell: {neighbour index: length of common border} (edges, not corners)."""
    arr = np.array(polygons, dtype=object)
    a, b = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(arr[a], arr[b]))
    adj: list[dict[int, float]] = [{} for _ in polygons]
    for i, j, s in zip(a.tolist(), b.tolist(), shared.tolist()):
        if s >= MIN_SHARED_DEG:
            adj[i][j] = s
            adj[j][i] = s
    return adj


def _components(members: list[int], adj: list[dict[int, float]]) -> list[list[int]]:
    inside = set(members)
    seen: set[int] = set()
    comps = []
    for start in members:
        if start in seen:
            continue
        seen.add(start)
        comp, stack = [], [start]
        while stack:
            c = stack.pop()
            comp.append(c)
            for n in adj[c]:
                if n in inside and n not in seen:
                    seen.add(n)
                    stack.append(n)
        comps.append(sorted(comp))
    return comps


def _make_contiguous(labels: list[str], members: list[int],
                     adj: list[dict[int, float]], areas: list[float]) -> None:
    """Give every detached piece of a region to the region (among `members`) it
    borders most, so each region's union is one Polygon.  Cropping a convex
    Voronoi cell to a concave area, or to a square lattice, can leave such pieces.
    """
    pool = set(members)
    changed = True
    while changed:
        changed = False
        for label in sorted({labels[c] for c in members}):
            comps = _components([c for c in members if labels[c] == label], adj)
            comps.sort(key=lambda comp: (-sum(areas[c] for c in comp), comp[0]))
            for comp in comps[1:]:
                border: dict[str, float] = defaultdict(float)
                for c in comp:
                    for n, length in adj[c].items():
                        if n in pool and labels[n] != label:
                            border[labels[n]] += length
                if not border:
                    raise AssertionError(f"detached piece of {label} has no neighbour")
                target = max(sorted(border), key=border.__getitem__)
                for c in comp:
                    labels[c] = target
                changed = True


# --- assignment ---------------------------------------------------------------


def _nearest(points: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Index of the nearest seed per point; argmin breaks ties by seed order."""
    d2 = ((points[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2)
    return d2.argmin(axis=1)


def _spread_sample(rng: random.Random, points: np.ndarray, k: int,
                   candidates: int = 8) -> list[int]:
    """k distinct point indices, random but evenly spread (best-candidate sampling),
    so no community ends up a one-grid crumb through an unlucky draw."""
    n = len(points)
    chosen = [rng.randrange(n)]
    while len(chosen) < k:
        taken = set(chosen)
        pool = [i for i in range(n) if i not in taken]
        cands = rng.sample(pool, min(candidates, len(pool)))
        d2 = ((points[cands][:, None, :] - points[chosen][None, :, :]) ** 2).sum(axis=2)
        chosen.append(cands[int(d2.min(axis=1).argmax())])
    return chosen


def _assign_streets(cells: list[_Cell], centroids: np.ndarray) -> list[str]:
    labels = [""] * len(cells)
    for urban, seeds in ((True, URBAN_SEEDS_KM), (False, RURAL_SEEDS)):
        codes = list(seeds)
        if urban:
            pts = [(x * 1000, y * 1000) for x, y in seeds.values()]
        else:
            pts = [_to_metres(*lonlat) for lonlat in seeds.values()]
        idx = [k for k, c in enumerate(cells) if c.urban == urban]
        nearest = _nearest(centroids[idx], np.array(pts))
        for k, s in zip(idx, nearest.tolist()):
            labels[k] = codes[s]
    return labels


def _assign_communities(rng: random.Random, street_cells: list[int],
                        community_codes: list[str], centroids: np.ndarray) -> list[str]:
    """Seeds are centroids of distinct cells of the street, so every community
    owns at least its seed cell (distance 0 beats any other seed)."""
    if len(street_cells) < len(community_codes):
        raise AssertionError("street has fewer grids than communities")
    pts = centroids[street_cells]
    seeds = pts[_spread_sample(rng, pts, len(community_codes))]
    return [community_codes[s] for s in _nearest(pts, seeds).tolist()]


# --- build --------------------------------------------------------------------


def build(seed: int = 532503) -> Geography:
    rng = random.Random(seed)
    rows = load_divisions()
    names = {code: name for code, name, _, _ in rows}
    streets = [code for code, _, level, _ in rows if level == "street"]
    communities_of: dict[str, list[str]] = {s: [] for s in streets}
    for code, _, level, parent in rows:
        if level == "community":
            communities_of[parent].append(code)

    core = _core()
    rural_area = shapely.difference(Polygon(OUTLINE), core)
    cells = _urban_cells() + _rural_cells(rural_area)
    polygons = [c.polygon for c in cells]
    areas = shapely.area(polygons).tolist()
    centroids = np.array([_to_metres(p.x, p.y) for p in shapely.centroid(polygons)])
    adj = _adjacency(polygons)

    street_of = _assign_streets(cells, centroids)
    for urban in (True, False):
        _make_contiguous(street_of, [k for k, c in enumerate(cells) if c.urban == urban],
                         adj, areas)

    community_of = [""] * len(cells)
    for street in streets:
        members = [k for k in range(len(cells)) if street_of[k] == street]
        for k, code in zip(members, _assign_communities(
                rng, members, communities_of[street], centroids)):
            community_of[k] = code
        _make_contiguous(community_of, members, adj, areas)

    grids = _grids(cells, community_of, centroids, names)
    divisions = _divisions(rows, cells, street_of, community_of)
    return Geography(divisions=divisions, grids=grids, outline=divisions[0].polygon)


def _grids(cells: list[_Cell], community_of: list[str], centroids: np.ndarray,
           names: dict[str, str]) -> list[GridSpec]:
    by_community: dict[str, list[int]] = defaultdict(list)
    for k, code in enumerate(community_of):
        by_community[code].append(k)
    grids = []
    for code in sorted(by_community):
        # Serials read like text: rows north to south, west to east within a row;
        # centroid breaks ties between parts of one clipped square.
        members = sorted(by_community[code], key=lambda k: (
            -cells[k].row, cells[k].col, centroids[k][0], -centroids[k][1]))
        if len(members) > MAX_SERIAL:
            raise AssertionError(f"{code} has {len(members)} grids, serials stop at 999")
        street_name, community_name = names[code[:9]], names[code]
        for serial, k in enumerate(members, start=1):
            grids.append(GridSpec(
                code=f"{code}{serial:03d}",
                name=f"{street_name} {community_name} 第{serial:03d}网格",
                community_code=code,
                polygon=cells[k].polygon,
                urban=cells[k].urban,
            ))
    return grids


def _divisions(rows, cells: list[_Cell], street_of: list[str],
               community_of: list[str]) -> list[DivisionSpec]:
    """Each division is the union of its grids, so the levels nest exactly."""
    members: dict[str, list[Polygon]] = defaultdict(list)
    for cell, street, community in zip(cells, street_of, community_of):
        members[COUNTY_CODE].append(cell.polygon)
        members[street].append(cell.polygon)
        members[community].append(cell.polygon)
    return [
        DivisionSpec(code, name, level, parent, _single(shapely.union_all(members[code])))
        for code, name, level, parent in rows
    ]
