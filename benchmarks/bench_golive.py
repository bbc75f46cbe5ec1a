"""The go-live check (civicloop.golive.checks.run, what the page and `civicloop city check` show) on the
demo city and on a synthetic city of 20,000 unit grids.

    .venv/bin/python benchmarks/bench_golive.py [--db sqlite|postgres] [--grids 20000] [--runs 5]

The synthetic city: a county of 100 streets × 10 communities × 20 grids (100 m squares in a lattice),
every division with its code, a boundary 2% larger than the grids (so the coverage check finds a gap
and reports where), 50 categories without a default department and routed street by street in all
streets but one (so the routes check walks categories × streets), all other data from the demo city.
Timed: the whole run, median of --runs, and each check's share of the median run.
Target: under 5 s for 20,000 grids (an administrator reloads the page after each fix).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import _common

COUNTY = "532599"
STREETS, COMMUNITIES, GRIDS_PER_COMMUNITY = 100, 10, 20
CELL = 0.001  # degrees, about 100 m
TARGET_S = 5.0


def timed(runs: int):
    from civicloop.golive import checks

    seconds, last = [], None
    for _ in range(runs):
        started = time.perf_counter()
        last = checks.run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), last


def rectangle(x: float, y: float, w: float, h: float) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]})


def square(x: float, y: float, size: float) -> str:
    return rectangle(x, y, size, size)


def synthetic_city(grids: int) -> None:
    """Divisions and grids of the synthetic county, written straight into the tables."""
    from django.db import transaction

    from civicloop.core import bulk
    from civicloop.geo.models import Division, Grid

    per_street = COMMUNITIES * GRIDS_PER_COMMUNITY
    streets = -(-grids // per_street)
    cols = 10 * 5  # communities of 5 × 4 grids, 10 side by side
    divisions = [Division(code=COUNTY, name="合成县", level="county")]
    rows, n = [], 0
    for s in range(streets):
        street = f"{COUNTY}{s + 1:03d}"
        divisions.append(Division(code=street, name=f"合成街道{s + 1}", level="street", parent_id=COUNTY))
        for c in range(COMMUNITIES):
            community = f"{street}{c + 1:03d}"
            divisions.append(Division(code=community, name=f"合成社区{s + 1}-{c + 1}", level="community",
                                      parent_id=street))
            for g in range(GRIDS_PER_COMMUNITY):
                if n == grids:
                    break
                x = 103.0 + ((n // 20) % 10 * 5 + g % 5) * CELL
                y = 23.0 + ((n // 200) * 4 + g // 5) * CELL
                rows.append(Grid(code=f"{community}{g + 1:03d}", name=f"网格{n}", community_id=community,
                                 geometry=square(x, y, CELL), min_lon=x, min_lat=y, max_lon=x + CELL, max_lat=y + CELL,
                                 active=True))
                n += 1
    height = (-(-grids // 200)) * 4 * CELL
    divisions[0].geometry = rectangle(103.0, 23.0, cols * CELL * 1.02, height)  # 2% more than the grids
    with transaction.atomic():
        bulk.insert(Division, divisions)
        Grid.objects.bulk_create(rows, batch_size=2000)


def unroute_categories(count: int = 50) -> None:
    """`count` categories without a default department, routed in every street but the last."""
    from civicloop.geo.models import Division
    from civicloop.taxonomy.models import Category, DepartmentRoute

    codes = list(Category.objects.filter(active=True).order_by("code").values_list("code", flat=True)[:count])
    Category.objects.filter(code__in=codes).update(department=None)
    streets = list(Division.objects.filter(level="street", code__startswith=COUNTY).order_by("code")
                   .values_list("code", flat=True))[:-1]
    DepartmentRoute.objects.bulk_create([DepartmentRoute(category_id=c, street_id=s, department_id="hwz")
                                         for c in codes for s in streets], batch_size=2000)


def run(kind: str, grids: int, runs: int) -> dict:
    db = _common.Database("golive", kind)
    try:
        db.setup()
        return _run(db, grids, runs)
    finally:
        db.cleanup()


def _run(db, grids: int, runs: int) -> dict:
    from django.conf import settings

    from civicloop.demo import city

    city.build_city()
    db.analyze()
    demo_s, demo = timed(runs)
    started = time.perf_counter()
    synthetic_city(grids)
    unroute_categories()
    db.analyze()
    build_s = time.perf_counter() - started
    settings.JURISDICTION, settings.CITY_NAME = COUNTY, "合成县"
    big_s, big = timed(runs)
    _common.header(f"bench_golive: the go-live check on the demo city and on {grids:,} grids", db.label)
    print(f"demo city: {demo_s * 1000:.0f} ms (median of {runs}); findings: {sorted(f.key for f in demo.findings)}")
    print(f"synthetic city written in {build_s:.1f} s")
    print(f"{grids:,} grids: {big_s * 1000:.0f} ms (median of {runs}); findings: {sorted(f.key for f in big.findings)}")
    print("each check, in the last run:")
    for name, seconds in big.seconds.items():
        print(f"  {name}: {seconds * 1000:.0f} ms")
    print(f"target: under {TARGET_S:.0f} s — {'met' if big_s < TARGET_S else 'NOT met'}")
    return {"demo_s": demo_s, "big_s": big_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--grids", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run(args.db, args.grids, args.runs)


if __name__ == "__main__":
    main()
