"""20,000 unit grids from a zipped Shapefile in CGCS2000 3° Gauss–Krüger (EPSG:4543), through the importer
(civicloop.geo.importing.import_grids), then point → grid lookup among 100,000 grids.

    .venv/bin/python benchmarks/bench_grid_import.py [--db sqlite|postgres] [--grids 20000]

The file: a lattice of 100 m squares in GK metres, 200 grids per community (20 x 10), 20 communities
per street, with GBK attributes, a .cpg and a .prj, in a subfolder of a ZIP — as a surveyor delivers it.
Every community has a boundary (its block, converted to WGS-84), so the import runs every check:
codes, communities, shapes, inside the community, overlaps among the file's grids and with stored
ones (STRtree), and gaps inside each community.

Timed: (1) the first import (all new), (2) the same file again (all unchanged), (3) a survey that
moves every line between grids 5 m east (all changed: 20,000 GridShape history rows). Then 80,000 more grids are
written straight into the table, and geo.index.locate() — the production path, loading every grid
from the database — answers 20,000 random points among the 100,000.
Targets: the first import under 60 s; locate median <= 50 µs.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import _common

CELL_M = 100.0
COLS_PER_COMMUNITY, ROWS_PER_COMMUNITY = 20, 10
COMMUNITIES_PER_STREET = 20
ORIGIN = (480_000.0, 2_580_000.0)  # EPSG:4543 metres: ~101.8°E, 23.3°N
GK = "EPSG:4543"
COUNTY = "532503"
IMPORT_TARGET_S = 60.0
LOCATE_TARGET_US = 50.0
TOTAL_GRIDS = 100_000


def layout(count: int, *, origin=ORIGIN, first_street: int = 1, shift_m: float = 0.0):
    """(code, community, GK polygon) for `count` grids, and (community, GK block) for their communities.
    shift_m moves every line between grids inside a community east (a new survey), not its outline."""
    import shapely

    per = COLS_PER_COMMUNITY * ROWS_PER_COMMUNITY
    communities = -(-count // per)
    across = 10  # communities side by side
    grids, blocks = [], []
    for n in range(communities):
        street = f"{COUNTY}{first_street + n // COMMUNITIES_PER_STREET:03d}"
        community = f"{street}{1 + n % COMMUNITIES_PER_STREET:03d}"
        bx = origin[0] + (n % across) * COLS_PER_COMMUNITY * CELL_M
        by = origin[1] + (n // across) * ROWS_PER_COMMUNITY * CELL_M
        start = len(grids)
        for k in range(min(per, count - n * per)):
            r, c = divmod(k, COLS_PER_COMMUNITY)
            x, y = bx + c * CELL_M, by + r * CELL_M
            west = x + (shift_m if c > 0 else 0.0)
            east = x + CELL_M + (shift_m if c < COLS_PER_COMMUNITY - 1 else 0.0)
            grids.append((f"{community}{k + 1:03d}", community, shapely.box(west, y, east, y + CELL_M)))
        # The outline as surveyors draw it: through every grid corner on it, so it follows the grids
        # exactly once both are converted to lon/lat.
        blocks.append((community, shapely.union_all([g for _c, _m, g in grids[start:]])))
    return grids, blocks


def to_wgs84(geoms):
    import numpy as np
    import pyproj
    import shapely

    t = pyproj.Transformer.from_crs(GK, 4326, always_xy=True)
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def write_zip(folder: Path, grids) -> Path:
    import numpy as np
    import shapely
    from pyogrio.raw import write

    shp = folder / "shp" / "网格.shp"
    shp.parent.mkdir(parents=True, exist_ok=True)
    geoms = np.array([g for _c, _m, g in grids], dtype=object)
    codes = np.array([c for c, _m, _g in grids], dtype=object)
    names = np.array([f"网格{c[-6:]}" for c, _m, _g in grids], dtype=object)
    write(str(shp), shapely.to_wkb(geoms), [codes, names], ["网格编码", "网格名称"], geometry_type="Polygon",
          crs=GK, driver="ESRI Shapefile", encoding="GBK")
    target = folder / "grids.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(shp.parent.iterdir()):
            archive.write(part, f"成果/网格/{part.name}")
    return target


def divisions(blocks):
    from civicloop.geo.index import as_geojson
    from civicloop.geo.models import Division

    rows = [Division(code=COUNTY, name="县", level="county")]
    streets = sorted({c[:9] for c, _b in blocks})
    rows += [Division(code=s, name=f"街道{s[-3:]}", level="street", parent_id=COUNTY) for s in streets]
    shapes = to_wgs84([b for _c, b in blocks])
    rows += [Division(code=c, name=f"社区{c[-3:]}", level="community", parent_id=c[:9], geometry=as_geojson(shape))
             for (c, _b), shape in zip(blocks, shapes)]
    return rows


def timed_import(path: Path, user) -> tuple[float, object]:
    from civicloop.geo import importing

    t0 = time.perf_counter()
    report = importing.import_grids(path, importing.Options(source_name=path.name), user=user)
    return time.perf_counter() - t0, report


def more_grids(count: int, start_street: int):
    """Grids written straight into the table (no checks), to make up the 100,000 for the lookup."""
    from django.utils import timezone

    from civicloop.geo.index import as_geojson
    from civicloop.geo.models import Grid

    origin = (ORIGIN[0], ORIGIN[1] + 20_000.0)  # north of the imported ones, in the same zone
    grids, blocks = layout(count, origin=origin, first_street=start_street)
    shapes = to_wgs84([g for _c, _m, g in grids])
    now = timezone.now()
    rows = [Grid(code=code, name=f"网格{code[-6:]}", community_id=community, geometry=as_geojson(shape),
                 min_lon=shape.bounds[0], min_lat=shape.bounds[1], max_lon=shape.bounds[2], max_lat=shape.bounds[3],
                 updated_at=now) for (code, community, _g), shape in zip(grids, shapes)]
    return divisions(blocks)[1:], rows, shapes


def run(kind: str, count: int, seed: int = 11) -> dict:
    db = _common.Database("grid_import", kind)
    try:
        db.setup()
        return _run(db, count, seed)
    finally:
        db.cleanup()


def _run(db, count: int, seed: int) -> dict:
    from django.db import transaction

    from civicloop.core import bulk, revisions
    from civicloop.geo import index as geo_index
    from civicloop.geo.models import Division, Grid, GridShape

    grids, blocks = layout(count)
    with transaction.atomic():
        bulk.insert(Division, divisions(blocks))
    folder = Path(tempfile.mkdtemp(prefix="bench_grid_import_", dir=db.tmp))
    first = write_zip(folder / "v1", grids)
    moved = write_zip(folder / "v2", layout(count, shift_m=5.0)[0])
    size_mb = first.stat().st_size / 1e6

    t_first, r1 = timed_import(first, None)
    t_again, r2 = timed_import(first, None)
    t_moved, r3 = timed_import(moved, None)
    for label, report in (("first", r1), ("again", r2), ("moved", r3)):
        assert not report.blocked and report.refused == 0, (label, report.findings[:5])
    history = GridShape.objects.count()

    start_street = 1 + -(-len(blocks) // COMMUNITIES_PER_STREET)
    extra_divisions, extra_grids, extra_shapes = more_grids(TOTAL_GRIDS - count, start_street)
    with transaction.atomic():
        bulk.insert(Division, extra_divisions)
        bulk.insert(Grid, extra_grids)
        revisions.bump(geo_index.REVISION)
    total = Grid.objects.count()

    geo_index._cache.invalidate()
    t0 = time.perf_counter()
    geo_index.locate(0.0, 0.0)  # loads every grid and builds the index
    t_load = time.perf_counter() - t0
    rng = random.Random(seed)
    every = [s for s in extra_shapes] + list(to_wgs84([g for _c, _m, g in grids[:: max(1, count // 5000)]]))
    points = []
    for _ in range(20_000):
        shape = every[rng.randrange(len(every))]
        x0, y0, x1, y1 = shape.bounds
        points.append((rng.uniform(x0, x1), rng.uniform(y0, y1)))
    for x, y in points[:2000]:
        geo_index.locate(x, y)
    ns = time.perf_counter_ns
    each, misses = [], 0
    for x, y in points:
        t = ns()
        hit = geo_index.locate(x, y)
        each.append((ns() - t) / 1000)
        misses += hit is None
    s = _common.stats(each)

    _common.header(f"bench_grid_import: {count:,} grids from a zipped GK Shapefile, then locate among {total:,}",
                   db.label)
    print(f"file: {first.name} {size_mb:.1f} MB (EPSG:4543, GBK attributes, {len(blocks)} communities with boundaries)")
    print(f"first import (all new):          {t_first:6.1f} s  created {len(r1.created):,}, findings {len(r1.findings)}")
    print(f"same file again (unchanged):     {t_again:6.1f} s  unchanged {len(r2.unchanged):,}")
    print(f"lines moved 5 m (all changed):   {t_moved:6.1f} s  updated {len(r3.updated):,}, history rows {history:,}")
    print(f"target: first import < {IMPORT_TARGET_S:.0f} s: {_common.verdict(t_first, IMPORT_TARGET_S, higher_is_better=False)}")
    print(f"locate among {total:,} grids from the database: index load {t_load:.2f} s; "
          f"n={s['n']:,} median {s['median']:.1f} µs | p95 {s['p95']:.1f} µs | misses {misses}")
    print(f"target: locate median <= {LOCATE_TARGET_US:.0f} µs: "
          f"{_common.verdict(s['median'], LOCATE_TARGET_US, higher_is_better=False)}")
    return {"bench": "grid_import", "db": db.label, "grids": count, "first_s": t_first, "again_s": t_again,
            "moved_s": t_moved, "history": history, "total_grids": total, "locate_median_us": s["median"],
            "locate_p95_us": s["p95"], "misses": misses,
            "met": t_first <= IMPORT_TARGET_S and s["median"] <= LOCATE_TARGET_US}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--grids", type=int, default=20_000)
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.grids))


if __name__ == "__main__":
    main(sys.argv[1:])
