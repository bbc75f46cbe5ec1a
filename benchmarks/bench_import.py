"""History import: rows per second of `civicloop import-cases` on a 100,000-row export.

    .venv/bin/python benchmarks/bench_import.py --db sqlite|postgres [--rows 100000] [--batch 1000]

The export is synthesised like an old system's: Chinese column names, GCJ-02 points inside the demo
city's grids, category and department by name, `YYYY/MM/DD HH:MM` times over three years, a handling
deadline on half the rows, and the outcomes a city's history has (84% closed, 5% self-handled, 4% void,
3% not filed, 3% open, 1% suspended). The import runs as the command does (parse, check, replay each
case through engine.plan(), bulk insert in batches of --batch rows per transaction), into a database
holding only the demo city. Then the same file again: every row is already present (the re-run).
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import _common

HEADER = ["案卷号", "来源", "小类", "问题描述", "地址", "经度", "纬度", "处置部门", "状态", "上报时间", "立案时间",
          "派遣时间", "处置时间", "核查时间", "结案时间", "处置时限"]
MAPPING = """
source = "bench"
crs = "gcj02"
date_formats = ["%Y/%m/%d %H:%M"]

[fields]
external_id = "案卷号"
channel = { column = "来源", values = { "公众举报" = "citizen", "监督员上报" = "inspector", "12345" = "hotline" } }
category = { column = "小类", match = "name" }
description = "问题描述"
address = "地址"
lon = "经度"
lat = "纬度"
department = { column = "处置部门", match = "name" }
state = { column = "状态", values = { "已结案" = "closed", "自行处置" = "self_handled", "作废" = "void", "不予立案" = "not_filed", "处置中" = "open", "缓办" = "suspended" } }
reported_at = "上报时间"
filed_at = "立案时间"
dispatched_at = "派遣时间"
handled_at = "处置时间"
checked_at = "核查时间"
closed_at = "结案时间"
handle_deadline = "处置时限"
"""
OUTCOMES = [("已结案", 84), ("自行处置", 5), ("作废", 4), ("不予立案", 3), ("处置中", 3), ("缓办", 1)]
CATEGORIES = ["06010", "06042", "06012", "07001", "09006", "09005", "09009", "06036", "06013", "01002", "06017"]


def export(path: Path, rows: int, seed: int = 5) -> None:
    """A CSV as another system would write it (see the module's docstring)."""
    from civicloop.geo.index import locate
    from civicloop.geo.models import Grid
    from civicloop.lib import coords
    from civicloop.org.models import Department
    from civicloop.taxonomy.queries import config

    rng = random.Random(seed)
    cfg = config()
    names = {c: cfg.categories[c].name for c in CATEGORIES}
    departments = dict(Department.objects.values_list("code", "name"))
    grids = list(Grid.objects.filter(community__parent_id__lte="532503099").values_list("min_lon", "min_lat", "max_lon", "max_lat"))
    start = datetime(2023, 1, 1, 8)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            lon, lat = _point(rng, grids, locate)
            glon, glat = coords.wgs84_to_gcj02(lon, lat)
            category = rng.choice(CATEGORIES)
            outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
            reported = start + timedelta(days=rng.uniform(0, 3 * 365), minutes=rng.uniform(0, 600))
            t = [reported + timedelta(minutes=m) for m in sorted(rng.uniform(5, 3000) for _ in range(5))]
            loop = {"已结案": 5, "处置中": 2, "缓办": 2}.get(outcome, 0)
            stamps = [_fmt(x) if k < loop else "" for k, x in enumerate(t)]
            if outcome in ("作废", "不予立案", "自行处置"):
                stamps[4] = _fmt(t[0])
            department = departments[cfg.department_for(category, "532503001")]
            deadline = _fmt(t[1] + timedelta(hours=rng.choice([4, 24, 72]))) if loop and i % 2 else ""
            writer.writerow([f"E{i:08d}", rng.choice(["公众举报", "监督员上报", "12345"]), names[category],
                             f"{names[category]}，请尽快处理", f"天马路{rng.randrange(1, 300)}号", f"{glon:.6f}",
                             f"{glat:.6f}", department, outcome, _fmt(reported), *stamps, deadline])


def _point(rng, grids, locate):
    while True:
        x0, y0, x1, y1 = rng.choice(grids)
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if locate(lon, lat):
            return lon, lat


def _fmt(value: datetime) -> str:
    return value.strftime("%Y/%m/%d %H:%M")


def run(kind: str, rows: int, batch: int) -> dict:
    db = _common.Database("import", kind)
    try:
        db.setup()
        from civicloop.cases import importing
        from civicloop.cases.models import Case, CaseEvent
        from civicloop.demo.city import build_city

        build_city()
        source, mapping_file = db.tmp / "export.csv", db.tmp / "mapping.toml"
        t0 = time.perf_counter()
        export(source, rows)
        mapping_file.write_text(MAPPING, encoding="utf-8")
        made_s = time.perf_counter() - t0
        mapping = importing.load_mapping(mapping_file)
        print(f"bench_import: {rows:,} rows exported in {made_s:.0f} s; importing into {db.label} ...", flush=True)
        first = importing.import_cases(source, mapping, batch=batch, progress=_common.progress_printer("rows"))
        again = importing.import_cases(source, mapping, batch=batch)
        cases, events = Case.objects.count(), CaseEvent.objects.count()

        _common.header(f"bench_import: history import of {rows:,} rows, batches of {batch:,} ({db.label})", db.label)
        print(f"file: CSV {source.stat().st_size / 2**20:.1f} MiB, GCJ-02 points, names for category and department")
        print(f"first run: {first.created:,} cases, {first.events:,} events, {len(first.problems):,} bad rows in "
              f"{first.seconds:.1f} s = {first.rows_per_second:,.0f} rows/s")
        print(f"re-run   : {len(again.present):,} already present, {again.created} created in {again.seconds:.1f} s "
              f"= {again.rows_per_second:,.0f} rows/s")
        for problem in first.problems[:5]:
            print(f"  {problem}")
        assert cases == first.created and again.created == 0
        return _common.emit({"bench": "import", "db": db.label, "kind": kind, "rows": rows, "batch": batch,
                             "created": first.created, "events": events, "bad": len(first.problems),
                             "seconds": first.seconds, "rows_per_s": first.rows_per_second,
                             "rerun_seconds": again.seconds, "rerun_rows_per_s": again.rows_per_second})
    finally:
        db.cleanup()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    return run(args.db, args.rows, args.batch)


if __name__ == "__main__":
    main(sys.argv[1:])
