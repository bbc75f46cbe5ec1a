"""Door plates (门牌) from a generated CSV through the gazetteer importer (civicloop.gazetteer.importing),
into the demo city: rows per second, with progress printed.

    .venv/bin/python benchmarks/bench_gazetteer_import.py [--db sqlite|postgres] [--plates 1000000] [--crs wgs84|gk]
        [--rerun]

The file: --plates door plates on 1,000 straight roads laid over the demo city's 5 km x 4 km core, both
sides, every 4 m (a dense city's worth of plates on a few roads: the importer does not care how they
are spread), with a code each, WGS-84 lon/lat (or Gauss–Krüger metres, EPSG:4543, with --crs gk).
Every row is judged as a city's file would be: road known, number parsed, point converted, inside the
jurisdiction, its grid/community/street found (geo.index), duplicates in the file; then inserted in
bulk a chunk at a time, in one transaction, with the trigram index kept (FTS5 triggers on SQLite,
the GIN index on PostgreSQL).
--rerun imports the same file a second time (every row matched, unchanged).
"""
from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import _common

ROADS = 1000
SPACING_M = 4.0
M_PER_DEG = 111_320.0
GK = "EPSG:4543"


def road_lines():
    """1,000 roads: 500 running east, 500 running north, spread over the demo core."""
    from civicloop.geo import demo_geography as geo

    x0, x1, y0, y1 = geo._x(0), geo._x(geo.CORE_COLS), geo._y(0), geo._y(geo.CORE_ROWS)
    half = ROADS // 2
    lines = [(f"测试东西路{k + 1}号线", ((x0 + 0.0005, y0 + (y1 - y0) * (k + 0.5) / half),
                                      (x1 - 0.0005, y0 + (y1 - y0) * (k + 0.5) / half))) for k in range(half)]
    lines += [(f"测试南北路{k + 1}号线", ((x0 + (x1 - x0) * (k + 0.5) / half, y0 + 0.0005),
                                      (x0 + (x1 - x0) * (k + 0.5) / half, y1 - 0.0005))) for k in range(half)]
    return lines


def write_csv(path: Path, count: int, crs: str) -> None:
    import math

    import pyproj

    to_gk = pyproj.Transformer.from_crs(4326, GK, always_xy=True) if crs == "gk" else None
    lines = road_lines()
    per_road = -(-count // len(lines))
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["道路", "门牌号", "门牌编码", "x", "y"])
        for r, (name, ((ax, ay), (bx, by))) in enumerate(lines):
            kx = M_PER_DEG * math.cos(math.radians(ay))
            length = math.hypot((bx - ax) * kx, (by - ay) * M_PER_DEG)
            ux, uy = (bx - ax) * kx / length, (by - ay) * M_PER_DEG / length
            rows = []
            for k in range(min(per_road, count - written)):
                side = 1 if k % 2 == 0 else -1
                at = (k // 2) * SPACING_M % length
                lon = ax + (ux * at - side * uy * 8) / kx
                lat = ay + (uy * at + side * ux * 8) / M_PER_DEG
                rows.append((name, f"{k + 1}号", f"B{r:04d}{k + 1:06d}", lon, lat))
            written += len(rows)
            if to_gk:
                xs, ys = to_gk.transform([r[3] for r in rows], [r[4] for r in rows])
                rows = [(*row[:3], f"{x:.3f}", f"{y:.3f}") for row, x, y in zip(rows, xs, ys)]
            else:
                rows = [(*row[:3], f"{row[3]:.7f}", f"{row[4]:.7f}") for row in rows]
            out.writerows(rows)
            if written >= count:
                break


def make_roads() -> None:
    import shapely
    from django.db import transaction

    from civicloop.gazetteer.models import Road
    from civicloop.geo.index import grid_index

    locate = grid_index().locate
    roads = []
    for name, points in road_lines():
        line = shapely.LineString(points)
        road = Road(name=name, geometry=shapely.to_geojson(line), source="bench")
        road.fill_derived(geometry=line, locate=locate)
        roads.append(road)
    with transaction.atomic():
        Road.objects.bulk_create(roads, batch_size=1000)


def timed_import(path: Path, crs: str, label: str) -> tuple[float, object]:
    from civicloop.gazetteer.importing import Options, import_entries

    started = last = time.perf_counter()

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last > 10 or done >= total:
            last = now
            print(f"  {label}: {done:,}/{total:,} rows ({done / (now - started):,.0f} rows/s)", flush=True)

    report = import_entries("doorplates", path, Options(crs=GK if crs == "gk" else ""), progress=progress)
    return time.perf_counter() - started, report


def run(kind: str, count: int, crs: str, rerun: bool) -> dict:
    db = _common.Database("gazetteer_import", kind)
    try:
        db.setup()
        return _run(db, count, crs, rerun)
    finally:
        db.cleanup()


def _run(db, count: int, crs: str, rerun: bool) -> dict:
    from civicloop.demo import city
    from civicloop.gazetteer.models import DoorPlate

    city.build_city()
    make_roads()
    with tempfile.TemporaryDirectory(prefix="bench-gazetteer-") as tmp:
        path = Path(tmp) / "门牌.csv"
        t0 = time.perf_counter()
        write_csv(path, count, crs)
        t_write = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        _common.header(f"bench_gazetteer_import: {count:,} door plates from a CSV ({size_mb:.0f} MB, "
                       f"{'GK metres' if crs == 'gk' else 'WGS-84'}) on {ROADS:,} roads", db.label)
        print(f"  file written in {t_write:.1f} s")
        t_first, report = timed_import(path, crs, "first import")
        assert report.applied, report.findings[:5]
        stored = DoorPlate.objects.count()
        result = {"db": db.label, "plates": count, "crs": crs, "first_s": round(t_first, 1),
                  "first_rows_per_s": round(count / t_first), "stored": stored}
        print(f"first import: {count:,} rows in {t_first:.1f} s = {count / t_first:,.0f} rows/s "
              f"({report.created:,} new, {report.refused} refused; {stored:,} stored)")
        if rerun:
            t_again, again = timed_import(path, crs, "re-run")
            result.update(rerun_s=round(t_again, 1), rerun_rows_per_s=round(count / t_again))
            print(f"re-run: {count:,} rows in {t_again:.1f} s = {count / t_again:,.0f} rows/s "
                  f"({again.unchanged:,} unchanged, {again.created:,} new)")
    print(f"loadavg after: {_common.load()}")
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--plates", type=int, default=1_000_000)
    parser.add_argument("--crs", default="wgs84", choices=("wgs84", "gk"))
    parser.add_argument("--rerun", action="store_true")
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.plates, args.crs, args.rerun))


if __name__ == "__main__":
    main()
