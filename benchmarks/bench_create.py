"""Case creation through the service layer (services.report_case), sequentially, one process.

    .venv/bin/python benchmarks/bench_create.py --db sqlite|postgres [--n 3000] [--warmup 200]

Each call does everything an API report does below the HTTP layer: validation, the grid lookup
(geo.index), the deadline (working calendar), the reference from the daily sequence row, and the
case + first event inserts, in one transaction. Points are random points inside the urban grids,
drawn (and checked with locate()) before the clock starts. Target: >= 500/s SQLite, >= 300/s PostgreSQL.
"""
from __future__ import annotations

import argparse
import random
import sys
import time

import _common

TARGETS = {"sqlite": 500.0, "postgres": 300.0}
DESCRIPTIONS = ["路边有暴露垃圾，无人清理", "垃圾堆放在人行道上，影响通行", "小区门口暴露垃圾，已持续好几天了",
                "绿化带里有成堆的生活垃圾", "路口垃圾无人清运，异味大"]


def points(count: int, rng: random.Random) -> list[tuple[float, float]]:
    from civicloop.demo.city import URBAN_STREETS
    from civicloop.geo.index import locate
    from civicloop.geo.models import Grid

    grids = list(Grid.objects.filter(community__parent_id__in=URBAN_STREETS, active=True)
                 .values_list("min_lon", "min_lat", "max_lon", "max_lat"))
    out = []
    while len(out) < count:
        x0, y0, x1, y1 = rng.choice(grids)
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if locate(lon, lat) is not None:
            out.append((lon, lat))
    return out, len(grids)


def run(kind: str, n: int, warmup: int, seed: int = 1, profile: bool = False) -> dict:
    db = _common.Database("create", kind)
    try:
        db.setup()
        from civicloop.cases import services
        from civicloop.cases.models import Case, CaseEvent
        from civicloop.demo.city import build_city
        from civicloop.org.models import User

        build_city()
        operator = User.objects.get(username="operator")
        rng = random.Random(seed)
        pool, urban_grids = points(warmup + n, rng)
        texts = [rng.choice(DESCRIPTIONS) for _ in pool]

        def report(i: int):
            lon, lat = pool[i]
            return services.report_case(actor=operator, channel="inspector", lon=lon, lat=lat,
                                        category="06010", description=texts[i])

        for i in range(warmup):
            report(i)
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(warmup, warmup + n):
                report(i)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            return {}
        latencies = []
        clock = time.perf_counter
        start = clock()
        for i in range(warmup, warmup + n):
            t0 = clock()
            report(i)
            latencies.append((clock() - t0) * 1000)
        elapsed = clock() - start
        assert Case.objects.count() == warmup + n and CaseEvent.objects.count() == warmup + n
        s = _common.stats(latencies)
        rate = n / elapsed
        result = {"bench": "create", "db": db.label, "kind": kind, "n": n, "warmup": warmup, "seconds": elapsed,
                  "rate": rate, "median_ms": s["median"], "p95_ms": s["p95"], "max_ms": s["max"],
                  "target": TARGETS[kind], "met": rate >= TARGETS[kind], "urban_grids": urban_grids}
        _common.header(f"bench_create: services.report_case, sequential, one process ({db.label})", db.label)
        print(f"grids in pool: {urban_grids} urban grids; actor=operator (city scope); channel=inspector; category=06010")
        print(f"n={n} after {warmup} warm-up | total {elapsed:.2f} s | throughput {rate:,.0f} cases/s")
        print(f"latency per case: median {s['median']:.2f} ms | p95 {s['p95']:.2f} ms | max {s['max']:.2f} ms")
        print(f"target >= {TARGETS[kind]:.0f} cases/s: "
              f"{_common.verdict(rate, TARGETS[kind], higher_is_better=True)}")
        return result
    finally:
        db.cleanup()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the timed loop instead")
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.n, args.warmup, profile=args.profile))


if __name__ == "__main__":
    main(sys.argv[1:])
