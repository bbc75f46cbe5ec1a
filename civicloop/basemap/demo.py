"""Reference layers for the demo city, drawn from its schematic geography (geo.demo_geography): a road
lattice over the urban core with street names, roads out to the towns, two lakes and blocks of
buildings, so the demo map without tiles shows a town and not a grey box with a dot.

Like the geography itself these shapes are synthetic; the names are the city's real road names.
"""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from shapely import affinity
from shapely.geometry import LineString, Point, box

from civicloop.basemap.importing import save_features
from civicloop.basemap.models import ReferenceFeature
from civicloop.geo import demo_geography as geo

Layer = ReferenceFeature.Layer
BLOCK = 5  # lattice cells (100 m) between two roads
# West → east and south → north; the ones the demo's cases, shops and cameras name are among them.
NORTH_SOUTH = ("雨过铺路", "新安所路", "红竹园路", "学府路", "天马路", "银河路", "凤凰路", "观澜路", "文萃路", "碧色寨路", "石榴大道")
EAST_WEST = ("南湖路", "建设路", "红河大道", "文澜路", "银河北路", "锦绣路", "迎宾大道", "北京路", "观澜北路")
SOURCE = "demo"


def _roads() -> list[tuple[str, object]]:
    x0, x1, y0, y1 = geo._x(0), geo._x(geo.CORE_COLS), geo._y(0), geo._y(geo.CORE_ROWS)
    roads = [(name, LineString([(geo._x(i * BLOCK), y0), (geo._x(i * BLOCK), y1)]))
             for i, name in enumerate(NORTH_SOUTH)]
    roads += [(name, LineString([(x0, geo._y(j * BLOCK)), (x1, geo._y(j * BLOCK))])) for j, name in enumerate(EAST_WEST)]
    towns = {code: name for code, name, _level, _parent in geo.load_divisions()}
    for code, (lon, lat) in geo.RURAL_SEEDS.items():
        # Out of the core through a bend, as a country road runs, to the town's seat.
        start = (min(max(lon, x0), x1), min(max(lat, y0), y1))
        bend = ((start[0] + lon) / 2 + 0.01, (start[1] + lat) / 2 - 0.01)
        roads.append((f"{towns.get(code, '')}公路", LineString([start, bend, (lon, lat)])))
    return roads


def _water() -> list[tuple[str, object]]:
    def lake(lon: float, lat: float, east_m: float, north_m: float):
        return affinity.scale(Point(lon, lat).buffer(1.0, quad_segs=12), east_m / 111_320 / 0.918, north_m / 111_320)

    # 南湖 in the block south of the centre; 长桥海 in the fields to the north-west.
    middle = ((geo._x(20) + geo._x(25)) / 2, (geo._y(15) + geo._y(20)) / 2)
    return [("南湖", lake(*middle, 180, 150)), ("长桥海", lake(geo.CENTRE[0] - 0.06, geo.CENTRE[1] + 0.07, 1600, 900))]


def _buildings() -> list[tuple[str, object]]:
    """Four buildings a block around the centre; none where a lake is."""
    water = [shape for _name, shape in _water()]
    buildings = []
    for bi in range(2, 8):
        for bj in range(2, 6):
            for di, dj in ((1, 1), (3, 1), (1, 3), (3, 3)):
                i, j = bi * BLOCK + di, bj * BLOCK + dj
                shape = box(geo._x(i) + 0.0001, geo._y(j) + 0.0001, geo._x(i + 1) - 0.0001, geo._y(j + 1) - 0.0001)
                if not any(shape.intersects(w) for w in water):
                    buildings.append(("", shape))
    return buildings


def seed(stdout) -> None:
    if ReferenceFeature.objects.exists():
        stdout.write("  " + _("Reference layers exist; skipped.") + "\n")
        return
    with transaction.atomic():
        made = {layer: save_features(layer, features, source=SOURCE)
                for layer, features in ((Layer.ROAD, _roads()), (Layer.WATER, _water()), (Layer.BUILDING, _buildings()))}
    stdout.write("  " + _("Reference layers: %(roads)d roads, %(water)d water, %(buildings)d buildings.") % {
        "roads": made[Layer.ROAD], "water": made[Layer.WATER], "buildings": made[Layer.BUILDING]} + "\n")
