"""Set-up data import (civicloop.setupdata): a city's staff and routing rules from Excel, as the console's
upload runs them (a trial run, then the import), and the same file again (every row unchanged).

    .venv/bin/python benchmarks/bench_setup_import.py [--db sqlite|postgres] [--staff 5000] [--routes 2000]

The files are the downloaded templates filled in: staff of every scope and role over the demo city's
streets, communities and grids (a third with a username, the others keyed by phone); routing rules
for categories × streets and communities with some priority overrides.
Target: the largest file a request takes (5,000 rows, importing.MAX_ROWS) in under 30 s for each step,
half the 60 s the server gives a request.
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import _common

TARGET_S = 30.0


def staff_rows(count: int) -> list[dict]:
    from civicloop.geo.models import Division, Grid

    streets = list(Division.objects.filter(level="street").values_list("code", flat=True))
    communities = list(Division.objects.filter(level="community").values_list("code", flat=True))
    grids = list(Grid.objects.values_list("code", flat=True)[:500])
    shapes = [("受理员", "全市", ""), ("监督员", "街道", streets), ("网格员", "网格", grids),
              ("监督员", "社区", communities), ("处置人员", "部门", "")]
    rows = []
    for i in range(count):
        role, scope, areas = shapes[i % len(shapes)]
        rows.append({"username": f"bench{i:05d}" if i % 3 == 0 else "", "name": f"人员{i}", "phone": f"139{i:08d}",
                     "role": role, "scope": scope, "area": areas[i % len(areas)] if areas else "",
                     "department": "hwz" if role == "处置人员" else ""})
    return rows


def route_rows(count: int) -> list[dict]:
    from civicloop.geo.models import Division
    from civicloop.taxonomy.models import Category

    areas = list(Division.objects.filter(level__in=("street", "community")).values_list("code", flat=True))
    categories = list(Category.objects.values_list("code", flat=True))
    rows, seen = [], set()
    i = 0
    while len(rows) < count:
        key = (categories[i % len(categories)], areas[(i // len(categories)) % len(areas)])
        i += 1
        if key in seen:
            continue
        seen.add(key)
        rows.append({"category": key[0], "area": key[1], "department": "cgj", "priority": "紧急" if i % 7 == 0 else ""})
    return rows


def workbook(kind: str, rows: list[dict], folder: Path) -> Path:
    from openpyxl import load_workbook

    from civicloop.setupdata import workbooks
    from civicloop.setupdata.columns import KINDS

    book = load_workbook(io.BytesIO(workbooks.template_bytes(kind)))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    keys = [c.key for c in KINDS[kind].columns]
    for row in rows:
        sheet.append([row.get(key) or None for key in keys])
    path = folder / f"{kind}.xlsx"
    book.save(path)
    return path


def timed(kind: str, path: Path, **options):
    from civicloop.setupdata import importing

    started = time.perf_counter()
    report = importing.import_file(kind, path, **options)
    return time.perf_counter() - started, report


def _run(db, staff: int, routes: int) -> None:
    from django.urls import reverse

    from civicloop.demo import city
    from civicloop.setupdata import workbooks

    city.build_city()
    db.analyze()
    reverse("console:home")  # the URL configuration loaded, as in a running server (links are reversed)
    folder = Path(tempfile.mkdtemp(prefix="bench_setup_"))
    started = time.perf_counter()
    workbooks.template_bytes("staff")
    template_s = time.perf_counter() - started
    _common.header(f"bench_setup_import: {staff:,} staff and {routes:,} routing rules from Excel", db.label)
    print(f"staff template (allowed values with every grid): {template_s * 1000:.0f} ms")
    worst = 0.0
    for kind, rows in (("staff", staff_rows(staff)), ("routes", route_rows(routes))):
        path = workbook(kind, rows, folder)
        for step, options in (("trial run", {"dry_run": True}), ("import", {}), ("again, unchanged", {})):
            seconds, report = timed(kind, path, **options)
            worst = max(worst, seconds)
            print(f"{kind:7} {step:17} {seconds:6.2f} s  {len(rows) / seconds:7.0f} rows/s  {report.counts}")
    print(f"target: every step under {TARGET_S:.0f} s — {'met' if worst < TARGET_S else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--routes", type=int, default=2000)
    args = parser.parse_args()
    db = _common.Database("setup_import", args.db)
    try:
        db.setup()
        _run(db, args.staff, args.routes)
    finally:
        db.cleanup()


if __name__ == "__main__":
    main()
