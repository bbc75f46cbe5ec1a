"""Tests for the schematic 蒙自市 demo geography (pure Python, no Django)."""
from __future__ import annotations

import math
import random
import re
import time
from collections import Counter, defaultdict

import pytest
import shapely
from shapely.geometry import Point

from civicloop.geo import demo_geography as dg

M_PER_DEG = 111320.0
CELL_DLAT = 100 / M_PER_DEG


@pytest.fixture(scope="module")
def geo() -> dg.Geography:
    return dg.build()


def _by_code(geo):
    return {d.code: d for d in geo.divisions}


def _area_m2(poly) -> float:
    """Local equirectangular area; fine for 100 m cells."""
    return poly.area * M_PER_DEG**2 * math.cos(math.radians(poly.centroid.y))


# --- package data -------------------------------------------------------------


def test_load_divisions_counts_and_known_rows():
    rows = dg.load_divisions()
    levels = Counter(level for _, _, level, _ in rows)
    assert levels == {"county": 1, "street": 13, "community": 109}
    by_code = {code: (name, level, parent) for code, name, level, parent in rows}
    assert by_code["532503"] == ("蒙自市", "county", None)
    assert by_code["532503001"] == ("文澜街道", "street", "532503")
    assert by_code["532503201"] == ("期路白苗族乡", "street", "532503")
    assert by_code["532503001001"] == ("天马社区", "community", "532503001")
    assert by_code["532503002002"] == ("雨过铺社区", "community", "532503002")
    for code, _, level, parent in rows:
        assert len(code) == {"county": 6, "street": 9, "community": 12}[level]
        if parent is not None:
            assert code.startswith(parent) and parent in by_code


# --- divisions ------------------------------------------------------------------


def test_division_counts_codes_and_names(geo):
    by_code = _by_code(geo)
    levels = Counter(d.level for d in geo.divisions)
    assert levels == {"county": 1, "street": 13, "community": 109}
    assert by_code["532503"].name == "蒙自市"
    assert by_code["532503001"].name == "文澜街道"
    assert by_code["532503204"].name == "西北勒乡"
    assert by_code["532503001004"].name == "玉皇阁社区"
    streets = {d.code for d in geo.divisions if d.level == "street"}
    assert streets == {f"532503{s}" for s in
                       ("001", "002", "003", "004", "005", "102", "105", "106", "107",
                        "201", "202", "203", "204")}


def test_every_division_is_one_valid_polygon(geo):
    for d in geo.divisions:
        assert d.polygon.geom_type == "Polygon", d.code
        assert d.polygon.is_valid and d.polygon.area > 0, d.code


def test_outline_covers_the_real_extent(geo):
    minx, miny, maxx, maxy = geo.outline.bounds
    assert 103.18 < minx < 103.25 and 103.78 < maxx < 103.85
    assert 23.00 < miny < 23.06 and 23.53 < maxy < 23.60
    assert geo.outline.equals(_by_code(geo)["532503"].polygon)


def test_communities_within_streets_within_county(geo):
    by_code = _by_code(geo)
    for d in geo.divisions:
        if d.parent_code is None:
            continue
        parent = by_code[d.parent_code].polygon
        # Difference rather than covers(): robust to last-bit rounding on shared edges.
        assert d.polygon.difference(parent).area <= 1e-9 * d.polygon.area, d.code


def test_children_tile_their_parent(geo):
    by_code = _by_code(geo)
    children = defaultdict(list)
    for d in geo.divisions:
        if d.parent_code:
            children[d.parent_code].append(d.polygon)
    for parent, polys in children.items():
        total = sum(p.area for p in polys)
        assert total == pytest.approx(by_code[parent].polygon.area, rel=1e-6), parent
        assert shapely.union_all(polys).area == pytest.approx(total, rel=1e-6), parent


# --- grids ----------------------------------------------------------------------


def test_grid_codes_and_names(geo):
    names = {d.code: d.name for d in geo.divisions}
    codes = [g.code for g in geo.grids]
    assert len(set(codes)) == len(codes)
    for g in geo.grids:
        assert re.fullmatch(r"\d{15}", g.code), g.code
        assert g.code[:12] == g.community_code
        assert names[g.community_code[:9]] in g.name and names[g.community_code] in g.name
        assert g.name.endswith(f"第{g.code[12:]}网格")


def test_serials_are_consecutive_from_001(geo):
    serials = defaultdict(list)
    for g in geo.grids:
        serials[g.community_code].append(int(g.code[12:]))
    assert len(serials) == 109  # every community has at least one grid
    for code, got in serials.items():
        assert sorted(got) == list(range(1, len(got) + 1)), code


def test_serials_run_west_to_east_then_north_to_south(geo):
    grids = sorted((g for g in geo.grids if g.community_code == "532503001001"),
                   key=lambda g: g.code)
    assert len(grids) > 3
    rows = {round(g.polygon.centroid.y / CELL_DLAT) for g in grids}
    assert len(rows) > 1  # otherwise the north->south half is untested
    for a, b in zip(grids, grids[1:]):
        ca, cb = a.polygon.centroid, b.polygon.centroid
        if abs(ca.y - cb.y) < CELL_DLAT / 2:  # same row: eastwards
            assert cb.x > ca.x, (a.code, b.code)
        else:  # next row: further south
            assert cb.y < ca.y, (a.code, b.code)


def test_urban_grid_count_and_size(geo):
    urban = [g for g in geo.grids if g.urban]
    assert 1800 <= len(urban) <= 2400
    for g in urban:
        assert _area_m2(g.polygon) == pytest.approx(10_000, rel=0.05), g.code
    # Urban grids belong to the five 街道, rural ones to towns and townships.
    assert {g.community_code[6:9] for g in urban} == {"001", "002", "003", "004", "005"}
    assert all(g.community_code[6] in "12" for g in geo.grids if not g.urban)


def test_rural_grids_are_about_2km(geo):
    rural = [_area_m2(g.polygon) for g in geo.grids if not g.urban]
    assert 400 <= len(rural) <= 900
    assert max(rural) < 2 * 4e6  # at most a full 2 km cell plus merged slivers
    assert min(rural) >= 0.1 * 4e6 * 0.99  # slivers were merged away


def test_grids_do_not_overlap_and_cover_the_outline(geo):
    polys = [g.polygon for g in geo.grids]
    total = sum(p.area for p in polys)
    union = shapely.union_all(polys)
    assert total == pytest.approx(union.area, rel=1e-3)
    assert union.area == pytest.approx(geo.outline.area, rel=1e-6)


def test_every_grid_lies_in_its_community(geo):
    by_code = _by_code(geo)
    for g in geo.grids:
        community = by_code[g.community_code].polygon
        assert g.polygon.is_valid and g.polygon.geom_type == "Polygon", g.code
        assert g.polygon.difference(community).area <= 1e-9 * g.polygon.area, g.code


def test_random_points_fall_in_exactly_one_grid(geo):
    """No gaps and no overlaps, probed with points rather than areas."""
    polys = [g.polygon for g in geo.grids]
    tree = shapely.STRtree(polys)
    rng = random.Random(1)
    minx, miny, maxx, maxy = geo.outline.bounds
    checked = 0
    while checked < 3000:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if not geo.outline.contains(p):
            continue
        assert len(tree.query(p, predicate="within")) == 1, p.wkt
        checked += 1


def test_city_centre_is_in_exactly_one_urban_grid(geo):
    centre = Point(103.385, 23.367)
    hits = [g for g in geo.grids if g.polygon.intersects(centre)]
    assert len(hits) == 1 and hits[0].urban
    assert hits[0].community_code.startswith("532503001")  # 文澜街道, the old town


def test_coordinates_rounded_to_7_decimals(geo):
    for poly in [geo.outline] + [g.polygon for g in geo.grids[::50]]:
        coords = shapely.get_coordinates(poly)
        assert (abs(coords * 1e7 - (coords * 1e7).round()) < 1e-3).all()


# --- determinism and speed ------------------------------------------------------


def test_build_is_deterministic(geo):
    again = dg.build()
    assert again == geo
    assert [g.polygon.wkb for g in again.grids] == [g.polygon.wkb for g in geo.grids]
    assert [d.polygon.wkb for d in again.divisions] == [d.polygon.wkb for d in geo.divisions]


def test_other_seed_changes_communities_but_not_streets(geo):
    other = dg.build(seed=1)
    assert [g.code for g in other.grids] != [g.code for g in geo.grids]
    streets = {d.code: d.polygon for d in geo.divisions if d.level == "street"}
    for d in other.divisions:
        if d.level == "street":
            assert d.polygon.equals(streets[d.code]), d.code


def test_build_is_fast():
    start = time.perf_counter()
    dg.build()
    assert time.perf_counter() - start < 5
