"""The demo city's gazetteer, drawn on the same schematic roads as its basemap (basemap/demo.py), so the
map and the addresses agree: every basemap road with a code and, for some, an alias or a former name;
door plates every 20–40 m on both sides of the core's roads (odd numbers on the left going away from
the road's start, even on the right, as 门牌 are numbered); a few dozen 小区 with their 栋; and the POIs
people name as places. Deterministic: the same run gives the same rows.

Like the geography, the shapes are synthetic; road names are the city's real ones, the compounds'
names are typical, not surveyed. A real city imports its own (`civicloop gazetteer-import`).
"""
from __future__ import annotations

import math
import random

import shapely
from django.db import transaction
from shapely.geometry import LineString, Point, box

from civicloop.basemap import demo as basemap_demo
from civicloop.core import revisions
from civicloop.gazetteer import segments
from civicloop.gazetteer.models import REVISION, Building, Compound, DoorPlate, Poi, Road, RoadSegment
from civicloop.geo import demo_geography as geo
from civicloop.geo.index import grid_index

SOURCE = "demo"
M_PER_DEG = 111_320.0
SIDE_OFFSET_M = 12  # a plate stands this far from the road's centre line
CROSSING_GAP_M = 18  # no plate in a crossing
BATCH = 2000

# Other names people use for some roads: (aliases, former names). The names on the signs are real; these
# are the kind of variants a city's list carries.
ROAD_NAMES = {
    "红竹园路": ("红竹路", ""),
    "红河大道": ("红河路", ""),
    "迎宾大道": ("迎宾路", ""),
    "石榴大道": ("石榴路", ""),
    "天马路": ("", "天马街"),
    "银河路": ("", "银河街"),
    "学府路": ("学院路", ""),
    "文澜路": ("", "文澜街"),
    "北京路": ("", "新街"),
}
COMPOUND_NAMES = ("桂林苑", "天马小区", "南湖花园", "锦绣家园", "银河小区", "学府花园", "红竹园小区", "凤凰苑",
                  "观澜名邸", "碧色寨小区", "金色家园", "阳光花园", "滨湖苑", "文澜小区", "建设小区", "迎宾小区",
                  "书香苑", "石榴园小区", "新安所小区", "雨过铺小区", "溪谷花园", "翰林苑", "春晖小区", "北京路小区",
                  "红河家园", "文萃苑", "康居小区", "丽景花园", "和谐家园", "祥和苑")
# name, kind, (aliases), block column/row (500 m blocks of the core) and corner (0–4 cells of 100 m).
POIS = (
    ("蒙自市人民医院", "hospital", "人民医院\n市医院", (4, 4), (1, 0)),
    ("蒙自市中医医院", "hospital", "中医院", (6, 3), (3, 0)),
    ("蒙自市第一中学", "school", "蒙自一中\n一中", (3, 5), (1, 0)),
    ("蒙自市第二中学", "school", "蒙自二中\n二中", (6, 5), (3, 0)),
    ("文澜小学", "school", "", (5, 3), (1, 4)),
    ("红河学院", "school", "", (2, 6), (2, 2)),
    ("天马农贸市场", "market", "农贸市场\n天马菜市场", (4, 3), (4, 1)),
    ("北门农贸市场", "market", "北门菜市场", (5, 6), (1, 1)),
    ("蒙自北站", "station", "火车站\n高铁站", (8, 7), (2, 2)),
    ("蒙自汽车客运站", "station", "汽车站\n客运站", (7, 2), (3, 1)),
    ("蒙自市人民政府", "government", "市政府", (5, 4), (2, 1)),
    ("南湖公园", "park", "南湖", (4, 3), (2, 4)),
    ("文澜广场", "park", "", (5, 4), (4, 4)),
    ("百货大楼", "shop", "", (4, 4), (4, 4)),
    ("中国银行蒙自支行", "bank", "中行", (5, 5), (1, 1)),
)
SKIPPED_BLOCKS = {(4, 3)}  # 南湖 lies there


def seed(stdout) -> None:
    if Road.objects.exists():
        _segments_of_an_older_seed(stdout)
        stdout.write("  地址库已存在，跳过 / gazetteer exists; skipped\n")
        return
    locate = grid_index().locate
    with transaction.atomic():
        roads = _save(Road, _roads(locate))
        pieces = _save(RoadSegment, _segments(roads, locate))
        plates = _save(DoorPlate, _door_plates(roads, locate))
        compounds = _save(Compound, _compounds(plates, locate))
        buildings = _save(Building, _buildings(compounds, locate))
        pois = _save(Poi, _pois(plates, locate))
        revisions.bump(REVISION)
    stdout.write(f"  地址库 gazetteer: {len(roads)} roads, {len(pieces)} road segments, {len(plates)} door plates, {len(compounds)} compounds, "
                 f"{len(buildings)} buildings, {len(pois)} POIs\n")


def _save(model, entries: list) -> list:
    return model.objects.bulk_create(entries, batch_size=BATCH)


def _fill(entry, geom, locate):
    entry.geometry, entry.source = shapely.to_geojson(geom), SOURCE
    entry.fill_derived(geometry=geom, locate=locate)
    return entry


# ---------------------------------------------------------------------------- roads and door plates


def _roads(locate) -> list[Road]:
    roads = []
    for i, (name, line) in enumerate(basemap_demo._roads(), start=1):
        aliases, former = ROAD_NAMES.get(name, ("", ""))
        roads.append(_fill(Road(name=name, code=f"DL{geo.COUNTY_CODE}{i:04d}", aliases=aliases, former_names=former),
                           line, locate))
    return roads


def _segments(roads: list[Road], locate) -> list[RoadSegment]:
    """Every road cut where the others cross it, coded after its road (DL… → LD…01, 02 … along it)."""
    lines = [(road.name, shapely.from_geojson(road.geometry)) for road in roads]
    pieces = []
    for road, (name, line) in zip(roads, lines):
        others = [(other, geom) for other, geom in lines if other != name]
        for k, (start, end, piece) in enumerate(segments.cut(line, others), start=1):
            segment = RoadSegment(road=road, from_name=start, to_name=end, code=f"LD{road.code[2:]}{k:02d}")
            pieces.append(_fill(segment, piece, locate))
    return pieces


def _segments_of_an_older_seed(stdout) -> None:
    """A demo seeded before segments existed gets them (its roads are the demo's own)."""
    if RoadSegment.objects.exists() or Road.objects.exclude(source=SOURCE).exists():
        return
    with transaction.atomic():
        pieces = _save(RoadSegment, _segments(list(Road.objects.order_by("id")), grid_index().locate))
        revisions.bump(REVISION)
    stdout.write(f"  地址库 gazetteer: {len(pieces)} road segments\n")


def _door_plates(roads: list[Road], locate) -> list[DoorPlate]:
    """Plates along the core's straight roads only: the roads out to the towns run through fields."""
    core = [road for road in roads if road.name in basemap_demo.NORTH_SOUTH + basemap_demo.EAST_WEST]
    lines = {road.name: shapely.from_geojson(road.geometry) for road in core}
    plates = []
    for road in core:
        line = lines[road.name]
        crossings = [line.project(line.intersection(other)) * _metres_per_degree_along(line)
                     for name, other in lines.items() if name != road.name and line.intersects(other)]
        plates += _plates_along(road, line, crossings, locate)
    return plates


def _plates_along(road: Road, line: LineString, crossings: list[float], locate) -> list[DoorPlate]:
    """Walking from the road's start: odd numbers on the left, even on the right, 20–40 m apart."""
    rng = random.Random(road.name)
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    kx, ky = M_PER_DEG * math.cos(math.radians(y0)), M_PER_DEG  # metres per degree east, north
    length = math.hypot((x1 - x0) * kx, (y1 - y0) * ky)
    ux, uy = (x1 - x0) * kx / length, (y1 - y0) * ky / length
    plates = []
    for side, number in ((1, 1), (-1, 2)):
        at = rng.uniform(10, 25)
        while at < length - 10:
            if all(abs(at - c) > CROSSING_GAP_M for c in crossings):
                east_m, north_m = ux * at - side * uy * SIDE_OFFSET_M, uy * at + side * ux * SIDE_OFFSET_M
                plate = DoorPlate(number=f"{number}号", code=f"MP{road.code[2:]}{number:04d}")
                plate.road = road
                plates.append(_fill(plate, Point(round(x0 + east_m / kx, 7), round(y0 + north_m / ky, 7)), locate))
                number += 2
            at += rng.uniform(20, 40)
    return plates


def _metres_per_degree_along(line: LineString) -> float:
    """project() answers in degrees along the line; the core's roads run due east or due north."""
    (x0, y0), (x1, _y1) = line.coords[0], line.coords[-1]
    return M_PER_DEG * math.cos(math.radians(y0)) if abs(x1 - x0) > 1e-9 else M_PER_DEG


# ---------------------------------------------------------------------------- compounds, buildings, POIs


def _blocks() -> list[tuple[int, int]]:
    columns, rows = geo.CORE_COLS // basemap_demo.BLOCK, geo.CORE_ROWS // basemap_demo.BLOCK
    every = [(bi, bj) for bj in range(rows) for bi in range(columns) if (bi, bj) not in SKIPPED_BLOCKS]
    return random.Random("小区").sample(every, len(COMPOUND_NAMES))


def _cell(bi: int, bj: int, di: float, dj: float) -> tuple[float, float]:
    """A point in block (bi, bj), di/dj cells of 100 m from its south-west corner."""
    i, j = bi * basemap_demo.BLOCK + di, bj * basemap_demo.BLOCK + dj
    return geo._x(0) + (geo._x(1) - geo._x(0)) * i, geo._y(0) + (geo._y(1) - geo._y(0)) * j


def _compounds(plates: list[DoorPlate], locate) -> list[Compound]:
    compounds = []
    for n, ((bi, bj), name) in enumerate(zip(_blocks(), COMPOUND_NAMES), start=1):
        area = box(*_cell(bi, bj, 0.3, 0.3), *_cell(bi, bj, 2.7, 2.7))
        compound = Compound(name=name, code=f"XQ{geo.COUNTY_CODE}{n:03d}", kind=Compound.Kind.RESIDENTIAL,
                            aliases=name[:-1] + "小区" if name.endswith("苑") else "")
        compound.door_plate = _nearest(plates, area.centroid)
        compounds.append(_fill(compound, area, locate))
    return compounds


def _buildings(compounds: list[Compound], locate) -> list[Building]:
    buildings = []
    for compound in compounds:
        west, south, east, north = compound.min_lon, compound.min_lat, compound.max_lon, compound.max_lat
        count = random.Random(compound.name).randint(4, 9)
        for k in range(count):
            col, row = k % 3, k // 3
            x = west + (east - west) * (0.2 + 0.3 * col)
            y = south + (north - south) * (0.2 + 0.3 * row)
            building = Building(number=f"{k + 1}栋", code=f"{compound.code}{k + 1:02d}")
            building.compound = compound
            buildings.append(_fill(building, box(x - 0.0001, y - 0.00005, x + 0.0001, y + 0.00005), locate))
    return buildings


def _pois(plates: list[DoorPlate], locate) -> list[Poi]:
    pois = []
    for n, (name, kind, aliases, (bi, bj), (di, dj)) in enumerate(POIS, start=1):
        point = Point(*_cell(bi, bj, di + 0.3, dj + 0.3))
        poi = Poi(name=name, kind=kind, aliases=aliases, code=f"POI{geo.COUNTY_CODE}{n:03d}")
        poi.door_plate = _nearest(plates, point)
        pois.append(_fill(poi, point, locate))
    return pois


def _nearest(plates: list[DoorPlate], point) -> DoorPlate | None:
    return min(plates, key=lambda p: (p.lon - point.x) ** 2 + (p.lat - point.y) ** 2, default=None)
