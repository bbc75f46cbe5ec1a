"""The facility map layer: 100,000 facilities, one viewport answered in at most 200 ms.

    .venv/bin/python benchmarks/bench_facilities_map.py [--db sqlite|postgres] [--count 100000] [--repeat 30]

Facilities are written straight into a fresh database (70 % in 蒙自's urban core, 30 % across the
county, like bins and toilets), then the map's JSON endpoint (/console/facilities/map.json) is asked
through Django's test client as a signed-in city operator, for four viewports: a block (~300 m,
points), a street (~1 km, 2,800 facilities: clustered), a district (~5 km) and the whole county. Each request is timed end
to end (URL routing, session, query, JSON). Target: p95 <= 200 ms for every viewport.
"""
from __future__ import annotations

import argparse
import random
import time

import _common

TARGET_MS = 200.0
CORE = (103.36, 23.35, 103.41, 23.39)
COUNTY = (103.20, 23.10, 103.60, 23.50)
VIEWPORTS = {
    "block (~300 m, points)": (103.383, 23.365, 103.386, 23.368),
    "street (~1 km)": (103.380, 23.362, 103.390, 23.370),
    "district (~5 km, clusters)": (103.36, 23.35, 103.41, 23.39),
    "county (clusters)": COUNTY,
}


def populate(count: int, rng: random.Random) -> None:
    from civicloop.facilities.models import Facility, new_token
    from civicloop.taxonomy.models import Component

    for code, name in (("03005", "垃圾箱"), ("03001", "公共厕所")):
        Component.objects.get_or_create(code=code, defaults={"major_code": "03", "major_name": "市容环卫设施", "name": name})
    batch = []
    for i in range(count):
        box = CORE if rng.random() < 0.7 else COUNTY
        component = "03005" if i % 10 else "03001"
        batch.append(Facility(id=f"532503{component}{i + 1:06d}", component_id=component, name=f"设施{i}",
                              lon=rng.uniform(box[0], box[2]), lat=rng.uniform(box[1], box[3]), qr_token=new_token(),
                              street_id="532503001", state="damaged" if i % 37 == 0 else "intact"))
        if len(batch) == 5000:
            Facility.objects.bulk_create(batch)
            batch = []
    Facility.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = _common.Database("facilities_map", args.db)
    db.setup()
    try:
        from django.test import Client

        from civicloop.org.models import User

        started = time.perf_counter()
        populate(args.count, random.Random(47678))
        db.analyze()
        print(f"populated {args.count:,} facilities in {time.perf_counter() - started:.1f}s")
        user = User.objects.create(username="bench_operator", role="operator", scope="city")
        client = Client()
        client.force_login(user)
        _common.header(f"facility map layer, {args.count:,} facilities, {args.repeat} requests per viewport", db.label)
        results = {}
        from civicloop.core import revisions
        from civicloop.facilities import index

        client.get("/console/facilities/map.json?bbox=103.2,23.1,103.6,23.5")  # Django's own first-request warm-up
        revisions.bump(index.REVISION)  # as a new or moved facility does
        t = time.perf_counter()
        client.get("/console/facilities/map.json?bbox=103.2,23.1,103.6,23.5")
        first = (time.perf_counter() - t) * 1000
        print(f"first request after a facility was added or moved (rebuilds the in-memory index of {args.count:,} "
              f"positions): {first:.0f} ms")
        for name, bbox in VIEWPORTS.items():
            url = "/console/facilities/map.json?bbox=" + ",".join(f"{v:.6f}" for v in bbox)
            body = client.get(url).json()  # warm: first request builds caches
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            s = _common.stats(times)
            shown = sum(f["properties"].get("count", 1) for f in body["features"])
            results[name] = s
            print(f"{name:28s} {'clusters' if body['clustered'] else 'points  '} {len(body['features']):5d} features "
                  f"({shown:,} facilities)  median {s['median']:6.1f} ms  p95 {s['p95']:6.1f} ms  max {s['max']:6.1f} ms  "
                  f"{_common.verdict(s['p95'], TARGET_MS, higher_is_better=False)}")
        _common.emit({"bench": "facilities_map", "db": db.label, "count": args.count,
                      "first_ms": first, "results": {k: {"median_ms": v["median"], "p95_ms": v["p95"]} for k, v in results.items()}})
    finally:
        db.finish(keep=args.keep)


if __name__ == "__main__":
    main()
