"""Duplicate candidates among a million open cases: the index, the query and the score.

    .venv/bin/python benchmarks/bench_duplicates.py --db sqlite|postgres [--cases 1000000] [--runs 200]

Builds the demo city, bulk-inserts --cases open cases (civicloop.evaluation.synth: reported, filed
or in progress) reported over the last 30 days (all inside the default time window), then spreads
them: half over the town's core (0.12° × 0.12°, about 160 km²: ~3,000 open cases per km², ~95
within the 100 m radius) and half over the whole county's box (about 2,500 km²), with five
categories and six descriptions. The duplicate index is rebuilt from the cases table
(duplicates.services.reindex, timed), then for --runs random open cases in each area the panel's
question is timed: queries.candidates(case, city operator) = cell-index query + distance + the
five-part score of every case in the radius + the best 50 read from the cases table through the
operator's visibility. 5 warm-ups; median and p95 in ms. Target: <= 20 ms.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta

import _common

TEXTS = ["垃圾桶满溢，垃圾散落一地", "路边有暴露垃圾，无人清理", "电杆和墙面上贴满小广告",
         "流动摊贩占道经营，影响通行", "机动车乱停放，堵住了人行道", "道路破损，有坑洼积水"]
CATEGORIES = ["06042", "06010", "07001", "09006", "09009"]
TOWN = (103.33, 23.30, 0.12)  # lon, lat of the south-west corner, side in degrees
COUNTY = (103.10, 23.05, 0.60)


def shapes(total: int):
    from civicloop.evaluation.synth import Shape

    rng = random.Random(3)
    made = {name: Shape(name, channel="citizen") for name in ("reported", "filed", "in_progress")}
    for _ in range(total):
        yield made[rng.choice(("reported", "reported", "filed", "in_progress"))]


def spread() -> None:
    """Deterministic pseudo-random places, categories and texts by id, in one UPDATE."""
    from django.db import connection

    def place(corner, side, salt_lon, salt_lat):
        lon, lat, _ = corner
        return (f"{lon} + ((id * {salt_lon}) % 100003) / 100003.0 * {side}",
                f"{lat} + ((id * {salt_lat}) % 100019) / 100019.0 * {side}")

    town_lon, town_lat = place(TOWN, TOWN[2], 7919, 104729)
    county_lon, county_lat = place(COUNTY, COUNTY[2], 7927, 104723)
    texts = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(TEXTS))
    categories = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CATEGORIES))
    with connection.cursor() as cursor:
        cursor.execute(f"""UPDATE cases_case SET
            lon = CASE WHEN id % 2 = 0 THEN {town_lon} ELSE {county_lon} END,
            lat = CASE WHEN id % 2 = 0 THEN {town_lat} ELSE {county_lat} END,
            description = CASE id % {len(TEXTS)} {texts} END,
            category_id = CASE id % {len(CATEGORIES)} {categories} END""")


def timed(fn, cases, runs: int) -> tuple[dict, float]:
    for case in cases[:5]:
        fn(case)
    times, found = [], 0
    for case in cases[:runs]:
        started = time.perf_counter()
        found += len(fn(case))
        times.append((time.perf_counter() - started) * 1000)
    return _common.stats(times), found / max(1, len(times))


def run(kind: str, total: int, runs: int, keep: bool) -> dict:
    db = _common.Database("duplicates", kind)
    try:
        db.setup()
        from django.utils import timezone

        from civicloop.cases.models import Case
        from civicloop.demo.city import build_city
        from civicloop.duplicates import queries
        from civicloop.duplicates.models import OpenCase
        from civicloop.duplicates.services import reindex
        from civicloop.evaluation import synth
        from civicloop.org.models import User

        build_city()
        now = timezone.now()
        print(f"bench_duplicates: generating {total:,} open cases on {db.label} ...", flush=True)
        t0 = time.perf_counter()
        synth.generate(shapes(total), start=now - timedelta(days=30), end=now - timedelta(hours=1), total=total,
                       progress=_common.progress_printer(), chunk=50_000)
        spread()
        if kind == "postgres":  # the UPDATE left a dead copy of every row; autovacuum would clear it in time
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM cases_case")
        generated = time.perf_counter() - t0
        t0 = time.perf_counter()
        indexed = reindex(chunk=50_000)
        reindex_s = time.perf_counter() - t0
        db.analyze()
        print(f"  generated in {generated:,.0f} s; index rebuilt: {indexed:,} open cases in {reindex_s:,.1f} s "
              f"({indexed / reindex_s:,.0f}/s)", flush=True)

        operator = User.objects.get(username="operator")
        rng = random.Random(11)
        high = Case.objects.order_by("-id").values_list("id", flat=True).first()
        ids = [rng.randrange(1, high) for _ in range(4 * (runs + 5))]
        probes = {c.pk: c for c in Case.objects.filter(pk__in=ids)}
        town = [probes[i] for i in ids if i in probes and i % 2 == 0][:runs + 5]
        county = [probes[i] for i in ids if i in probes and i % 2 == 1][:runs + 5]

        result = {"bench": "duplicates", "db": db.label, "cases": total, "indexed": indexed,
                  "open_in_index": OpenCase.objects.count(), "reindex_per_s": round(indexed / reindex_s),
                  "machine": _common.machine(db.label)}
        _common.header(f"Duplicate candidates among {indexed:,} open cases", db.label)
        for name, probe in (("town core", town), ("county", county)):
            full, found = timed(lambda c: queries.candidates(c, operator), probe, runs)
            near, within = timed(lambda c: queries.score_near(lon=c.lon, lat=c.lat, category=c.category_id,
                                                              text=c.description, reported_at=c.reported_at,
                                                              exclude=c.pk), probe, runs)
            print(f"{name:>10}: candidates(): median {full['median']:.1f} ms, p95 {full['p95']:.1f} ms "
                  f"({found:.1f} shown) | index+score only: median {near['median']:.1f} ms, p95 {near['p95']:.1f} ms "
                  f"({within:.0f} cases within the radius scored) | target <= 20 ms: "
                  f"{_common.verdict(full['p95'], 20, higher_is_better=False)}")
            result[name] = {"candidates_ms": full, "shown": found, "score_near_ms": near, "scored": within}
        print(f"loadavg {_common.load()}")
        return _common.emit(result)
    finally:
        db.finish(keep=keep)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="leave the database for inspection")
    args = parser.parse_args(argv)
    return run(args.db, args.cases, args.runs, args.keep)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
