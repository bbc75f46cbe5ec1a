"""Point → unit grid among 100,000 grids (civicloop.geo.index.GridIndex.locate).

    .venv/bin/python benchmarks/bench_locate.py [--db sqlite|postgres|none] [--calls 100000]

A 400 x 250 lattice of ~100 m squares (15-digit grid codes, 200 communities in 10 streets) is
built straight into a GridIndex, then 100,000 random points (10% outside every grid) are looked
up. Each call is timed on its own with perf_counter_ns (the timer's own cost, measured and
printed, is included); a second pass times batches of 100 calls and divides, as a cross-check.
With --db, the same grids are also written as Grid rows and read back through the production path
(geo.index.locate → RevisionCache → _load from the database) to show it works at this size.
Target: median <= 50 µs per call.
"""
from __future__ import annotations

import argparse
import random
import sys
import time

import _common

COLS, ROWS = 400, 250
CELL_M = 100.0
ORIGIN = (103.20, 23.20)  # south-west corner, WGS-84
M_PER_DEG_LAT = 111320.0
TARGET_US = 50.0
OUTSIDE_SHARE = 0.10


def lattice():
    """(code, community_code, polygon) for every cell, row by row."""
    import math

    import numpy as np
    import shapely

    dlat = CELL_M / M_PER_DEG_LAT
    dlon = CELL_M / (M_PER_DEG_LAT * math.cos(math.radians(ORIGIN[1] + ROWS * dlat / 2)))
    i = np.arange(COLS * ROWS)
    r, c = np.divmod(i, COLS)
    x0, y0 = ORIGIN[0] + c * dlon, ORIGIN[1] + r * dlat
    boxes = shapely.box(x0, y0, x0 + dlon, y0 + dlat)  # vectorised: 100,000 polygons at once
    rows = []
    for k, poly in enumerate(boxes):
        community_no = k // 500  # 200 communities of 500 grids, 20 communities per street
        street = f"532503{1 + community_no // 20:03d}"
        community = f"{street}{1 + community_no % 20:03d}"
        rows.append((f"{community}{1 + k % 500:03d}", community, poly))
    bounds = (ORIGIN[0], ORIGIN[1], ORIGIN[0] + COLS * dlon, ORIGIN[1] + ROWS * dlat)
    return rows, bounds


def sample(bounds, count: int, rng: random.Random):
    """Points: 90% inside the lattice, 10% in a band around it (outside every grid)."""
    x0, y0, x1, y1 = bounds
    w, h = x1 - x0, y1 - y0
    out = []
    for _ in range(count):
        if rng.random() >= OUTSIDE_SHARE:
            out.append((rng.uniform(x0, x1), rng.uniform(y0, y1), True))
            continue
        while True:
            x, y = rng.uniform(x0 - 0.2 * w, x1 + 0.2 * w), rng.uniform(y0 - 0.2 * h, y1 + 0.2 * h)
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                out.append((x, y, False))
                break
    return out


def timer_overhead_ns() -> float:
    ns = time.perf_counter_ns
    samples = []
    for _ in range(100_000):
        t0 = ns()
        samples.append(ns() - t0)
    samples.sort()
    return samples[len(samples) // 2]


def in_memory(calls: int, seed: int) -> dict:
    from civicloop.geo.index import GridIndex

    t0 = time.perf_counter()
    rows, bounds = lattice()
    t1 = time.perf_counter()
    index = GridIndex(rows)
    t2 = time.perf_counter()
    rng = random.Random(seed)
    points = sample(bounds, calls, rng)
    warm = sample(bounds, 10_000, random.Random(seed + 1))
    for x, y, _ in warm:
        index.locate(x, y)

    # Correctness while we are here: inside points hit, outside points miss.
    hits = [index.locate(x, y) for x, y, _ in points[:2000]]
    wrong = sum(1 for (x, y, inside), hit in zip(points[:2000], hits) if (hit is not None) != inside)

    ns = time.perf_counter_ns
    locate = index.locate
    each = []
    for x, y, _ in points:
        t = ns()
        locate(x, y)
        each.append(ns() - t)
    batches = []
    for i in range(0, len(points), 100):
        chunk = points[i:i + 100]
        t = ns()
        for x, y, _ in chunk:
            locate(x, y)
        batches.append((ns() - t) / len(chunk))
    inside_each = [v for v, (_, _, inside) in zip(each, points) if inside]
    outside_each = [v for v, (_, _, inside) in zip(each, points) if not inside]
    return {
        "grids": len(index), "build_lattice_s": t1 - t0, "build_index_s": t2 - t1, "wrong": wrong,
        "each": _common.stats([v / 1000 for v in each]),
        "inside": _common.stats([v / 1000 for v in inside_each]),
        "outside": _common.stats([v / 1000 for v in outside_each]),
        "batch": _common.stats([v / 1000 for v in batches]),
        "timer_ns": timer_overhead_ns(), "rows": rows, "bounds": bounds, "points": points,
    }


def via_database(db: "_common.Database", rows, bounds, points) -> dict:
    """Write the grids as Grid rows; read them back through geo.index.locate (the production path)."""
    try:
        db.setup()
        from django.db import transaction

        from civicloop.core import bulk, revisions
        from civicloop.geo import index as geo_index
        from civicloop.geo.index import as_geojson
        from civicloop.geo.models import Division, Grid

        communities = sorted({c for _, c, _ in rows})
        streets = sorted({c[:9] for c in communities})
        divisions = [Division(code="532503", name="蒙自市", level="county", parent_id=None, geometry="")]
        divisions += [Division(code=s, name=f"街道{s[-3:]}", level="street", parent_id="532503", geometry="")
                      for s in streets]
        divisions += [Division(code=c, name=f"社区{c[-3:]}", level="community", parent_id=c[:9], geometry="")
                      for c in communities]
        from django.utils import timezone

        now = timezone.now()
        grids = []
        for code, community, poly in rows:
            x0, y0, x1, y1 = poly.bounds
            grids.append(Grid(code=code, name=f"网格{code[-6:]}", community_id=community, geometry=as_geojson(poly),
                              min_lon=x0, min_lat=y0, max_lon=x1, max_lat=y1, active=True, updated_at=now))
        t0 = time.perf_counter()
        with transaction.atomic():
            bulk.insert(Division, divisions)
            bulk.insert(Grid, grids)
            revisions.bump(geo_index.REVISION)
        t1 = time.perf_counter()
        geo_index._cache.invalidate()
        first = geo_index.locate(*points[0][:2])  # builds the index from the database
        t2 = time.perf_counter()
        sample_points = points[:20_000]
        wrong = 0
        each = []
        ns = time.perf_counter_ns
        for x, y, inside in sample_points:
            t = ns()
            hit = geo_index.locate(x, y)
            each.append(ns() - t)
            wrong += (hit is not None) != inside
        return {"db": db.label, "insert_s": t1 - t0, "load_s": t2 - t1, "first": first, "wrong": wrong,
                "calls": len(sample_points), "each": _common.stats([v / 1000 for v in each])}
    finally:
        db.cleanup()


def run(kind: str, calls: int, seed: int = 7) -> dict:
    import django

    db = _common.Database("locate", kind) if kind != "none" else None  # sets DATABASE_URL before setup
    django.setup()
    try:
        r = in_memory(calls, seed)
    except BaseException:
        if db:
            db.cleanup()
        raise
    e, b = r["each"], r["batch"]
    _common.header(f"bench_locate: GridIndex.locate among {r['grids']:,} grids (in memory)")
    print(f"lattice {COLS}x{ROWS} of {CELL_M:.0f} m squares built in {r['build_lattice_s']:.2f} s; "
          f"GridIndex (prepare + STRtree) in {r['build_index_s']:.2f} s")
    print(f"calls n={e['n']:,} ({OUTSIDE_SHARE:.0%} outside all grids), after 10,000 warm-up; "
          f"wrong answers in a 2,000-point check: {r['wrong']}")
    print(f"per call, each timed alone (perf_counter_ns, timer cost {r['timer_ns']:.0f} ns included):")
    print(f"  all      median {e['median']:6.1f} µs | p95 {e['p95']:6.1f} µs | mean {e['mean']:6.1f} µs | "
          f"throughput {1e6 / e['mean']:,.0f} calls/s")
    for label in ("inside", "outside"):
        s = r[label]
        print(f"  {label:8s} median {s['median']:6.1f} µs | p95 {s['p95']:6.1f} µs | n={s['n']:,}")
    print(f"per call, batches of 100 divided by 100: median {b['median']:.1f} µs | p95 {b['p95']:.1f} µs")
    print(f"target median <= {TARGET_US:.0f} µs: {_common.verdict(e['median'], TARGET_US, higher_is_better=False)}")
    result = {"bench": "locate", "grids": r["grids"], "n": e["n"], "median_us": e["median"], "p95_us": e["p95"],
              "batch_median_us": b["median"], "batch_p95_us": b["p95"], "index_build_s": r["build_index_s"],
              "target": TARGET_US, "met": e["median"] <= TARGET_US, "wrong": r["wrong"]}
    if db is not None:
        d = via_database(db, r["rows"], r["bounds"], r["points"])
        s = d["each"]
        print(f"database path ({d['db']}): {r['grids']:,} Grid rows inserted in {d['insert_s']:.1f} s; "
              f"first geo.index.locate() (loads all grids, builds the index) {d['load_s']:.2f} s")
        print(f"  geo.index.locate() x {d['calls']:,}: median {s['median']:.1f} µs | p95 {s['p95']:.1f} µs | "
              f"wrong answers {d['wrong']}")
        result.update(db=d["db"], db_load_s=d["load_s"], db_median_us=s["median"], db_p95_us=s["p95"],
                      db_wrong=d["wrong"])
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "none"], default="sqlite")
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.calls))


if __name__ == "__main__":
    main(sys.argv[1:])
