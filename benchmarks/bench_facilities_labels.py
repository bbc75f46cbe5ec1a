"""QR label sheets: 10,000 labels in one A4 PDF in under 60 s.

    .venv/bin/python benchmarks/bench_facilities_labels.py [--count 10000] [--columns 3 --rows 8] [--best-mask]

Facilities are written into a fresh SQLite database and the sheet is made the way the console and
`civicloop facility_labels` make it (rows read in chunks → segno QR → vector rectangles → reportlab,
CJK font embedded as a subset). --best-mask scores all eight QR masks per label (segno's default)
instead of the fixed mask the bulk path uses, to show what that costs. Target: < 60 s.
"""
from __future__ import annotations

import argparse
import os
import time

import _common

TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--columns", type=int, default=3)
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--best-mask", action="store_true")
    args = parser.parse_args()
    db = _common.Database("facilities_labels", "sqlite")
    db.setup()
    try:
        import random

        from bench_facilities_map import populate

        from civicloop.facilities.labels import Sheet, write_sheet
        from civicloop.facilities.models import Facility
        from civicloop.facilities.views import facility_labels

        populate(args.count, random.Random(1))
        _common.header(f"QR label sheet: {args.count:,} labels, {args.columns}x{args.rows} per A4 page"
                       f"{', best mask' if args.best_mask else ', fixed mask'}", db.label)
        out = db.tmp / "labels.pdf"
        started = time.perf_counter()
        cpu = time.process_time()
        with open(out, "wb") as f:
            rows = Facility.objects.select_related("component", "keeper").order_by("id")
            n = write_sheet(facility_labels(rows), f, sheet=Sheet(args.columns, args.rows), fast=not args.best_mask)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        pages = -(-n // (args.columns * args.rows))
        print(f"{n:,} labels, {pages} pages, {os.path.getsize(out) / 1e6:.1f} MB: wall {wall:.1f} s, cpu {cpu:.1f} s "
              f"({n / wall:,.0f} labels/s)  {_common.verdict(wall, TARGET_S, higher_is_better=False)}")
        _common.emit({"bench": "facilities_labels", "labels": n, "pages": pages, "wall_s": wall, "cpu_s": cpu})
    finally:
        db.cleanup()


if __name__ == "__main__":
    main()
