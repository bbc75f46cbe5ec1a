"""The geocoder: accuracy on the labelled demo addresses, then speed among a million gazetteer entries.

    .venv/bin/python benchmarks/bench_geocoder.py [--db sqlite|postgres] [--entries 1000000]
                                                  [--queries 400] [--points 2000] [--keep]

1. Accuracy: the demo city and its gazetteer (gazetteer/demo.py) are built, and every string of
   tests/gazetteer/data/demo_addresses.csv is geocoded: top-1 and top-3 hit rates, overall and per kind
   (a hit: a candidate within the string's tolerance of its place).
2. Size: --entries synthetic entries are added in bulk (COPY on PostgreSQL, executemany on SQLite; the
   trigram index is built after the rows on PostgreSQL, kept by its triggers on SQLite): 0.5% roads on
   250 towns' 10 x 10 lattices of 2 km roads 200 m apart, 90% door plates every ~22 m on both sides,
   8% POIs, 1.5% compounds — over ~40 x 40 km around the demo city.
3. Forward: --queries strings drawn from the synthetic entries, as people type them (door plates, one
   wrong character, a dropped suffix, full-width digits, intersections, POIs, POIs with an offset,
   compounds), each timed alone: median and p95 (goal p95 < 50 ms). Hits among them are counted too.
4. Reverse: --points random points among the entries, each timed alone (goal median < 2 ms).
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import time

import _common

sys.path.insert(0, str(_common.ROOT))

TOWNS_SIDE = 16  # 16 x 16 town origins, 250 of them used
TOWN_STEP_M = 2500
ROADS_PER_TOWN = 10  # each way
ROAD_SPACING_M = 200
ROAD_LENGTH_M = 2000
ORIGIN = (103.18, 23.20)
M_PER_DEG = 111_320.0
CHARS = "安宝碧昌长城春翠德东凤福富光广桂海和红宏华环健锦金景康兰乐丽利林龙隆茂明南宁鹏平祺青清庆瑞盛书顺泰天通万文武西祥新鑫兴秀旭学阳怡益银永玉裕园源远云泽振政中竹紫"
ROAD_SUFFIX = ("路", "街", "大道", "巷")
POI_WORDS = ("医院", "中学", "小学", "超市", "酒店", "银行", "药店", "餐厅", "市场", "宾馆", "诊所", "幼儿园")
COMPOUND_WORDS = ("小区", "花园", "苑", "家园", "名邸")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = _common.Database("geocoder", args.db)
    try:
        db.setup()
        _common.header("geocoder: accuracy on the labelled demo addresses; speed among many entries", db.label)
        result = {"db": db.label, "accuracy": accuracy()}
        started = time.perf_counter()
        queries = generate(args.entries, random.Random(7))
        result["generate_s"] = time.perf_counter() - started
        print(f"  {args.entries:,} entries written and indexed in {result['generate_s']:.0f} s")
        db.analyze()
        result["forward"] = forward(queries, args.queries, random.Random(11))
        result["reverse"] = reverse(args.points, random.Random(13))
        _common.emit(result)
    finally:
        db.finish(keep=args.keep)


# ---------------------------------------------------------------------------------------- accuracy


def accuracy() -> dict:
    from civicloop.demo import city
    from civicloop.gazetteer import demo
    from tests.gazetteer.test_geocoder_accuracy import evaluate, labelled, report

    city.build_city()
    demo.seed(io.StringIO())
    overall, by_kind = evaluate(labelled())
    print("accuracy on tests/gazetteer/data/demo_addresses.csv:")
    print(report(overall, by_kind), end="")
    print(f"  misses: {json.dumps(overall.misses[:40], ensure_ascii=False)}")
    return {"n": overall.total, "top1": overall.top1_rate, "top3": overall.top3_rate}


# ---------------------------------------------------------------------------------------- synthetic entries


def generate(entries: int, rng: random.Random) -> list[tuple[str, str, object]]:
    """Writes the entries; returns (kind, text, expected) query material drawn from them."""
    from django.db import connection, transaction

    from civicloop.core import revisions
    from civicloop.gazetteer import search_index
    from civicloop.gazetteer.models import Compound, DoorPlate, Poi, Road

    n_roads = max(20, entries // 200)
    n_pois, n_compounds = entries * 8 // 100, entries * 15 // 1000
    n_plates = entries - n_roads - n_pois - n_compounds
    towns = _towns(math.ceil(n_roads / (2 * ROADS_PER_TOWN)), rng)
    names = _unique_names(n_roads + n_pois + n_compounds, rng)
    material: list = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in search_index.TABLES:
                cursor.execute(f'DROP INDEX IF EXISTS "{search_index.trigram_index(table)}"')
    with transaction.atomic():
        road_rows = _roads(towns, names[:n_roads], material)
        _insert(Road, road_rows)
        ids = dict(Road.objects.filter(source="bench").values_list("name", "id"))
        _insert(DoorPlate, _plates(road_rows, ids, n_plates, material, rng))
        _insert(Poi, _points(Poi, names[n_roads:n_roads + n_pois], POI_WORDS, towns, material, rng, "poi"))
        _insert(Compound, _points(Compound, names[n_roads + n_pois:], COMPOUND_WORDS, towns, material, rng,
                                  "compound"))
        revisions.bump("gazetteer")
    search_index.ensure(connection)  # PostgreSQL: the trigram indexes, built once over all rows
    return material


def _towns(count: int, rng: random.Random) -> list[tuple[float, float]]:
    spots = [(i, j) for i in range(TOWNS_SIDE) for j in range(TOWNS_SIDE)]
    rng.shuffle(spots)
    kx = M_PER_DEG * math.cos(math.radians(ORIGIN[1]))
    return [(ORIGIN[0] + i * TOWN_STEP_M / kx, ORIGIN[1] + j * TOWN_STEP_M / M_PER_DEG) for i, j in spots[:count]]


def _unique_names(count: int, rng: random.Random) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add("".join(rng.choice(CHARS) for _ in range(rng.choice((2, 2, 3)))))
    out = sorted(seen)
    rng.shuffle(out)
    return out


def _row(model, **values) -> dict:
    from civicloop.gazetteer import rules

    lon, lat = values["lon"], values["lat"]
    values.setdefault("min_lon", lon)
    values.setdefault("max_lon", lon)
    values.setdefault("min_lat", lat)
    values.setdefault("max_lat", lat)
    values.setdefault("geometry", f'{{"type":"Point","coordinates":[{lon:.7f},{lat:.7f}]}}')
    names = [values["_label"], *rules.split_names(values.get("aliases", ""))]
    values["search_text"] = rules.search_text(names, road_like=model.ROAD_LIKE)
    values["source"] = "bench"
    return values


def _roads(towns, stems: list[str], material: list) -> list[dict]:
    from civicloop.gazetteer.models import Road

    rows, k = [], 0
    kx0 = M_PER_DEG * math.cos(math.radians(ORIGIN[1]))
    for x0, y0 in towns:
        lattice = {"ns": [], "ew": []}
        for way in ("ns", "ew"):
            for i in range(ROADS_PER_TOWN):
                if k >= len(stems):
                    break
                name = stems[k] + ROAD_SUFFIX[k % len(ROAD_SUFFIX)]
                k += 1
                off = i * ROAD_SPACING_M
                if way == "ns":
                    a, b = (x0 + off / kx0, y0), (x0 + off / kx0, y0 + ROAD_LENGTH_M / M_PER_DEG)
                else:
                    a, b = (x0, y0 + off / M_PER_DEG), (x0 + ROAD_LENGTH_M / kx0, y0 + off / M_PER_DEG)
                geometry = json.dumps({"type": "LineString", "coordinates": [list(a), list(b)]})
                rows.append(_row(Road, name=name, _label=name, geometry=geometry, lon=(a[0] + b[0]) / 2,
                                 lat=(a[1] + b[1]) / 2, min_lon=a[0], max_lon=b[0], min_lat=a[1], max_lat=b[1],
                                 _ends=(a, b)))
                lattice[way].append(name)
        for a_name in lattice["ns"][:3]:
            for b_name in lattice["ew"][:3]:
                material.append(("intersection", f"{a_name}与{b_name}交叉口", (a_name, b_name)))
    return rows


def _plates(roads: list[dict], ids: dict[str, int], count: int, material: list, rng: random.Random):
    per_road = max(2, count // len(roads))
    made = 0
    for index, road in enumerate(roads):
        (ax, ay), (bx, by) = road["_ends"]
        take = per_road if index < len(roads) - 1 else count - made
        for n in range(1, take + 1):
            side = 1 if n % 2 else -1
            t = ((n + 1) // 2) / (take / 2 + 1)
            shift = side * 0.00012
            lon, lat = ax + t * (bx - ax), ay + t * (by - ay)
            lon, lat = (lon + shift, lat) if ax == bx else (lon, lat + shift)
            yield _row_plate(road["name"], ids[road["name"]], n, lon, lat)
            made += 1
            if rng.random() < 0.0005:
                material.append(("door", (road["name"], n), (lon, lat)))


def _row_plate(road_name: str, road_id: int, n: int, lon: float, lat: float) -> dict:
    from civicloop.gazetteer.models import DoorPlate

    return _row(DoorPlate, road_id=road_id, number=f"{n}号", number_main=n, number_sub=0, number_key=str(n),
                _label=f"{road_name}{n}号", lon=lon, lat=lat)


def _points(model, stems, words, towns, material, rng, kind):
    kx0 = M_PER_DEG * math.cos(math.radians(ORIGIN[1]))
    for i, stem in enumerate(stems):
        x0, y0 = towns[i % len(towns)]
        lon = x0 + rng.uniform(0, ROAD_LENGTH_M) / kx0
        lat = y0 + rng.uniform(0, ROAD_LENGTH_M) / M_PER_DEG
        name = stem + words[i % len(words)]
        if rng.random() < 0.01:
            material.append((kind, name, (lon, lat)))
        yield _row(model, name=name, _label=name, lon=lon, lat=lat, kind="other" if kind == "poi" else "residential")


def _insert(model, rows) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany in batches on SQLite."""
    from django.db import connection
    from django.utils import timezone

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    now = timezone.now()
    with connection.cursor() as cursor:
        def values(row: dict) -> tuple:
            return tuple(now if f.attname == "updated_at" else row.get(f.attname, defaults[f.attname]) for f in fields)

        quoted = ", ".join(f'"{c}"' for c in columns)
        if connection.vendor == "postgresql":
            raw = connection.connection.cursor()
            with raw.copy(f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(values(row))
        else:
            sql = f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})'
            batch: list = []
            for row in rows:
                batch.append(values(row))
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


# ---------------------------------------------------------------------------------------- forward


def _typo(text: str, rng: random.Random) -> str:
    spots = [i for i, ch in enumerate(text[:3]) if ch in CHARS]
    i = rng.choice(spots)
    return text[:i] + rng.choice([c for c in CHARS if c != text[i]]) + text[i + 1:]


def _as_typed(kind: str, text, rng: random.Random) -> tuple[str, str]:
    """(variant, text): the string as someone types it."""
    if kind == "door":
        road, number = text
        variant = rng.choice(("plain", "plain", "typo", "no_suffix", "full_width", "nearby"))
        typed = {"plain": f"{road}{number}号", "typo": f"{_typo(road, rng)}{number}号",
                 "no_suffix": f"{_stem(road)}{number}号", "full_width": f"{road}{str(number).translate(FULL_WIDTH)}号",
                 "nearby": f"{road}{number}号附近"}
        return variant, typed[variant]
    if kind == "poi" and rng.random() < 0.4:
        return "offset", f"{text}东侧约50米"
    return "plain", text


def _stem(road: str) -> str:
    for suffix in sorted(ROAD_SUFFIX, key=len, reverse=True):
        if road.endswith(suffix):
            return road[: -len(suffix)]
    return road


def forward(material: list, count: int, rng: random.Random) -> dict:
    from civicloop.gazetteer import geocoding

    by_kind: dict[str, list] = {}
    for item in material:
        by_kind.setdefault(item[0], []).append(item)
    plan = []
    shares = {"door": 0.55, "intersection": 0.15, "poi": 0.2, "compound": 0.1}
    for kind, share in shares.items():
        pool = by_kind.get(kind, [])
        plan += [rng.choice(pool) for _ in range(int(count * share))] if pool else []
    rng.shuffle(plan)
    t0 = time.perf_counter()
    geocoding.geocode("预热")  # the per-process typo index is built by the first query: timed apart
    print(f"  first query (builds the typo index of roads, compounds and POIs): {time.perf_counter() - t0:.1f} s")
    timings: dict[str, list[float]] = {}
    hits = total = 0
    misses: list = []
    started = time.perf_counter()
    for kind, text, expected in plan:
        variant, typed = _as_typed(kind, text, rng)
        t0 = time.perf_counter()
        found = geocoding.geocode(typed, limit=3)
        elapsed = (time.perf_counter() - t0) * 1000
        timings.setdefault(f"{kind}/{variant}", []).append(elapsed)
        timings.setdefault("all", []).append(elapsed)
        if kind in ("door", "poi", "compound") and variant != "offset":
            total += 1
            hit = bool(found) and geocoding.metres(found[0].lon, found[0].lat, *expected) < 15
            hits += hit
            if not hit and len(misses) < 12:
                misses.append((typed, found[0].label if found else "—"))
    print(f"forward: {len(plan)} queries in {time.perf_counter() - started:.1f} s (ms per query)")
    for key, values in sorted(timings.items()):
        s = _common.stats(values)
        print(f"  {key:<22} n={s['n']:>4}  median {s['median']:6.1f}  p95 {s['p95']:6.1f}  max {s['max']:6.1f}")
    overall = _common.stats(timings["all"])
    print(f"  p95 {overall['p95']:.1f} ms (goal < 50 ms): {_common.verdict(overall['p95'], 50, higher_is_better=False)};"
          f" top-1 within 15 m on door/POI/compound queries: {hits}/{total}")
    print(f"  some misses (typed, top answer): {json.dumps(misses, ensure_ascii=False)}")
    return {"median_ms": overall["median"], "p95_ms": overall["p95"], "top1_hits": hits, "n_scored": total}


# ---------------------------------------------------------------------------------------- reverse


def reverse(count: int, rng: random.Random) -> dict:
    from civicloop.gazetteer import geocoding

    kx0 = M_PER_DEG * math.cos(math.radians(ORIGIN[1]))
    span_x, span_y = TOWNS_SIDE * TOWN_STEP_M / kx0, TOWNS_SIDE * TOWN_STEP_M / M_PER_DEG
    points = [(ORIGIN[0] + rng.uniform(0, span_x), ORIGIN[1] + rng.uniform(0, span_y)) for _ in range(count)]
    t0 = time.perf_counter()
    geocoding.reverse(*points[0])  # builds the road STRtree: timed apart
    print(f"  first point (builds the road STRtree): {(time.perf_counter() - t0) * 1000:.0f} ms")
    timings, named = [], 0
    for lon, lat in points:
        t0 = time.perf_counter()
        words = geocoding.reverse(lon, lat)
        timings.append((time.perf_counter() - t0) * 1000)
        named += words.door is not None
    s = _common.stats(timings)
    print(f"reverse: {count} points (ms per point): median {s['median']:.2f}  p95 {s['p95']:.2f}  max {s['max']:.1f};"
          f" a door plate named for {named}/{count}")
    print(f"  median {s['median']:.2f} ms (goal < 2 ms): {_common.verdict(s['median'], 2, higher_is_better=False)}")
    return {"median_ms": s["median"], "p95_ms": s["p95"]}


if __name__ == "__main__":
    main()
