"""The staff console at 1,000,000 cases, warm: map data, the operator queue and a case page.

    .venv/bin/python benchmarks/bench_console.py --db sqlite|postgres [--cases 1000000] [--runs 30]

The cases are bench_list's synthesis (its generate(): 3 years, ~3% open, real grids, running
stage clocks), loaded the same way (secondary indexes dropped, table filled, indexes rebuilt, ANALYZE).

Each figure is server time: one GET through Django's test Client in this process (URL routing,
middleware, session, the view, the template or JSON), with DEBUG off, timed with perf_counter
around client.get(). 3 warm-ups, then --runs timed runs; median and p95 in ms. Target: <= 300 ms.

Map requests are what the browser sends for a 1366x768 window: the whole city at zoom 11
(clusters) and a screenful in 文澜街道's core at zoom 16 (single cases, the most urgent 2,000),
for the city-wide operator and for a street operator (operator_wenlan). Pages that answer 404 or
501 (not built yet) are listed as "not available".
"""
from __future__ import annotations

import argparse
import sys
import time

import _common
import bench_list

TARGET_MS = 300.0
CITY_BBOX = "103.21,23.02,103.82,23.57"  # the demo city 蒙自市
STREET_CENTRE = (103.385, 23.367)  # 文澜街道's urban core, where the urban grids (and cases) are densest


def screen_bbox(lon: float, lat: float, zoom: int, width: int = 1100, height: int = 730) -> str:
    """The bbox Leaflet sends for a map of width x height pixels centred on (lon, lat)."""
    import math

    per_px = 360 / (256 * 2 ** zoom)
    half_w = width / 2 * per_px
    half_h = height / 2 * per_px * math.cos(math.radians(lat))
    return f"{lon - half_w:.6f},{lat - half_h:.6f},{lon + half_w:.6f},{lat + half_h:.6f}"


def requests_to_time(references: dict[str, str]) -> list[tuple[str, str, str, str, dict]]:
    """(key, label, username, path, params)."""
    street16 = screen_bbox(*STREET_CENTRE, 16)
    rows = [
        ("m1", "map: city zoom 11, clusters (city operator)", "operator", "/console/map/cases.json",
         {"bbox": CITY_BBOX, "zoom": 11}),
        ("m2", "map: street zoom 16, points (city operator)", "operator", "/console/map/cases.json",
         {"bbox": street16, "zoom": 16}),
        ("m3", "map: city zoom 11, clusters (street operator)", "operator_wenlan", "/console/map/cases.json",
         {"bbox": CITY_BBOX, "zoom": 11}),
        ("m4", "map: street zoom 16, points (street operator)", "operator_wenlan", "/console/map/cases.json",
         {"bbox": street16, "zoom": 16}),
        # Beyond the brief: the other filters an operator reaches for, and the geography layers.
        ("m5", "map: zoom 11, red only (city operator)", "operator", "/console/map/cases.json",
         {"bbox": CITY_BBOX, "zoom": 11, "light": "red"}),
        ("m6", "map: zoom 11, closed last 30 days", "operator", "/console/map/cases.json",
         {"bbox": CITY_BBOX, "zoom": 11, "kind": "closed", "days": 30}),
        ("m7", "map: zoom 16, closed last 30 days", "operator", "/console/map/cases.json",
         {"bbox": street16, "zoom": 16, "kind": "closed", "days": 30}),
        ("g1", "map: unit grids at zoom 16", "operator", "/console/map/grids.json", {"bbox": street16}),
        ("g2", "map: street boundaries", "operator", "/console/map/divisions.json", {}),
        ("p0", "map page (HTML)", "operator", "/console/map/", {}),
        ("q1", "queue page /console/q/intake/ (city operator)", "operator", "/console/q/intake/", {}),
        ("q2", "queue items /console/q/intake/items (city operator)", "operator", "/console/q/intake/items", {}),
        ("q3", "queue page /console/q/intake/ (street operator)", "operator_wenlan", "/console/q/intake/", {}),
    ]
    for username, reference in references.items():
        who = "city operator" if username == "operator" else "street operator"
        rows.append((f"c{len(rows)}", f"case page /console/cases/<ref>/ ({who})", username,
                     f"/console/cases/{reference}/", {}))
    return rows


def case_to_open(user) -> str:
    """The case the operator's queue opens first: the most urgent report waiting for intake."""
    from django.db.models import F

    from civicloop.cases.models import Case

    case = (Case.objects.visible_to(user).filter(state="reported", pending="")
            .order_by(F("stage_deadline").asc(nulls_last=True), "reported_at", "id").first())
    return case.reference if case else ""


def time_one(client, path: str, params: dict, runs: int) -> dict:
    response = client.get(path, params)
    if response.status_code in (404, 501):
        return {"available": False, "status": response.status_code}
    if response.status_code != 200:
        return {"available": False, "status": response.status_code,
                "error": response.content[:300].decode(errors="replace")}
    size = len(response.content)
    for _ in range(2):
        client.get(path, params)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path, params)
        times.append((time.perf_counter() - started) * 1000)
    st = _common.stats(times)
    body = {}
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
    return {"available": True, "status": 200, "runs": runs, "bytes": size, "median_ms": st["median"],
            "p95_ms": st["p95"], "met": st["p95"] <= TARGET_MS,
            "features": len(body.get("features", [])) if body else None,
            "counted": body.get("counts", {}).get("total") if body else None}


def explain_map(user, params: dict) -> str:
    """The plan of the map's main query for these parameters."""
    from django.http import QueryDict
    from django.utils import timezone

    from civicloop.console.views import maps

    query = QueryDict(mutable=True)
    query.update({k: str(v) for k, v in params.items()})
    mq = maps.parse_query(query)
    now = timezone.now()
    qs = maps.cases_in_view(user, mq, now)
    if mq.zoom >= maps.POINTS_ZOOM:
        from django.db.models import F

        qs = qs.order_by(F("stage_deadline").asc(nulls_last=True), "-id")[:maps.MAX_POINTS + 1]
    else:
        from django.db.models import Count, F
        from django.db.models.functions import Floor

        cell = 360 / 2 ** maps.cluster_level(mq)
        qs = (qs.annotate(cx=Floor(F("lon") / cell), cy=Floor(F("lat") / cell), light=maps.light_expression(now))
              .values("cx", "cy", "light").annotate(n=Count("*")).order_by())
    from django.db import connection

    if connection.vendor == "postgresql":
        return qs.explain(analyze=True, buffers=True)
    return qs.explain()


def run(kind: str, total: int, runs: int, *, show_plans: bool = False, keep: bool = False) -> dict:
    db = _common.Database("console", kind)
    try:
        db.setup()
        from django.db import connections
        from django.test import Client

        from civicloop.cases.models import Case
        from civicloop.demo.city import build_city
        from civicloop.org.models import User

        build_city()
        t0 = time.perf_counter()

        indexes = bench_list.secondary_indexes(kind)
        bench_list.drop_indexes(indexes)
        print(f"bench_console: generating {total:,} cases on {db.label} ({len(indexes)} secondary indexes dropped) ...",
              flush=True)
        counts = bench_list.generate(total, progress=_common.progress_printer())
        t1 = time.perf_counter()
        bench_list.create_indexes(indexes)
        t1i = time.perf_counter()
        db.analyze()
        t2 = time.perf_counter()
        connections.close_all()
        size = bench_list.database_size(db)

        users = {u.username: u for u in User.objects.filter(username__in=["operator", "operator_wenlan"])}
        references = {name: case_to_open(user) for name, user in users.items()}
        clients = {}
        for name, user in users.items():
            clients[name] = Client()
            clients[name].force_login(user)
        results, plans = [], {}
        for key, label, who, path, params in requests_to_time({k: v for k, v in references.items() if v}):
            r = time_one(clients[who], path, params, runs)
            results.append({"key": key, "label": label, "user": who, "path": path, **r})
            if path.endswith("cases.json") and (show_plans or (r.get("available") and not r["met"])):
                plans[key] = explain_map(users[who], params)

        _common.header(f"bench_console: staff console, {total:,} cases, warm, server time ({db.label})", db.label)
        print(f"generated {total:,} cases in {t1 - t0:.0f} s; indexes rebuilt in {t1i - t1:.0f} s; "
              f"ANALYZE {t2 - t1i:.1f} s; database {size}")
        print(f"open {counts['open']:,} ({counts['open'] / total:.1%}) | closed {counts['closed']:,} | void {counts['void']:,}")
        print(f"each: Django test Client GET in-process (routing, middleware, session, view, rendering); "
              f"3 warm-ups, then {runs} runs")
        print(f"{'':5}{'request':52}{'items':>7}{'KiB':>7}{'median ms':>11}{'p95 ms':>9}  target p95 <= {TARGET_MS:.0f} ms")
        for r in results:
            if not r["available"]:
                extra = f" ({r['error'][:80]})" if r.get("error") else ""
                print(f"({r['key']}) {r['label']:52}  not available (HTTP {r['status']}){extra}")
                continue
            items = "" if r["features"] is None else f"{r['features']}"
            print(f"({r['key']}) {r['label']:52}{items:>7}{r['bytes'] / 1024:>7.0f}{r['median_ms']:>11.1f}"
                  f"{r['p95_ms']:>9.1f}  {'MET' if r['met'] else 'NOT MET'}")
        for key, plan in plans.items():
            print(f"--- plan ({key}) ---")
            print(plan)
        assert Case.objects.count() == total
        return {"bench": "console", "db": db.label, "kind": kind, "n": total, "generate_s": t1 - t0,
                "size": size, "open": counts["open"], "results": results, "plans": plans}
    finally:
        db.finish(keep=keep)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the plan of every map query, not only slow ones")
    parser.add_argument("--keep", action="store_true", help="leave the database behind for inspection (not dropped)")
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.cases, args.runs, show_plans=args.explain, keep=args.keep))


if __name__ == "__main__":
    main(sys.argv[1:])
