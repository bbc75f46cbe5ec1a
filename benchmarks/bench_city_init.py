"""`civicloop city init 37`: every division of 山东省 (16 prefectures, 151 counties, 1,853 streets and
62,074 communities/villages) from the national list shipped with civicloop, into an empty database.

    .venv/bin/python benchmarks/bench_city_init.py [--db sqlite|postgres] [--code 37]

Timed through geo.services.init_divisions, as the command runs it: (1) the first load (all new: one
transaction for the upper levels, then one per county, bulk inserts), (2) the same again (all
unchanged: the list is read and compared, nothing written), (3) after 1,000 communities were renamed
in the database (1,000 names put back). Each includes reading the compressed list (~1.4 s of it).
Target: the first load of a province under 60 s.
"""
from __future__ import annotations

import argparse
import sys
import time

import _common

TARGET_S = 60.0


def run(kind: str, code: str) -> dict:
    db = _common.Database("city_init", kind)
    try:
        db.setup()
        return _run(db, code)
    finally:
        db.cleanup()


def timed(code: str):
    from civicloop.geo.services import init_divisions

    t0 = time.perf_counter()
    report = init_divisions(code)
    return time.perf_counter() - t0, report


def _run(db, code: str) -> dict:
    from civicloop.geo import division_list
    from civicloop.geo.models import Division

    t0 = time.perf_counter()
    listed = len(division_list.entries_under(code))
    t_read = time.perf_counter() - t0

    t_first, first = timed(code)
    rows = Division.objects.filter(code__startswith=code).count()
    t_again, again = timed(code)
    renamed = list(Division.objects.filter(code__startswith=code, level="community").order_by("code")
                   .values_list("code", flat=True)[::50][:1000])
    Division.objects.filter(code__in=renamed).update(name="旧名")
    t_renamed, third = timed(code)
    assert first.total_added == rows == listed, (first.total_added, rows, listed)
    assert again.unchanged == rows and len(third.renamed) == len(renamed)

    _common.header(f"bench_city_init: civicloop city init {code} ({first.name}), {rows:,} divisions", db.label)
    print(f"reading the list alone:              {t_read:6.1f} s")
    print(f"first load (all new):                {t_first:6.1f} s  {rows / t_first:8,.0f} rows/s  "
          f"added {dict(first.added)}")
    print(f"again (all unchanged):               {t_again:6.1f} s  {rows / t_again:8,.0f} rows/s")
    print(f"again after {len(renamed):,} renames:          {t_renamed:6.1f} s  renamed {len(third.renamed):,}")
    print(f"target: first load < {TARGET_S:.0f} s: {_common.verdict(t_first, TARGET_S, higher_is_better=False)}")
    return {"bench": "city_init", "db": db.label, "code": code, "rows": rows, "read_s": t_read,
            "first_s": t_first, "rows_per_s": rows / t_first, "again_s": t_again, "renamed_s": t_renamed,
            "met": t_first <= TARGET_S}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--code", default="37")
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.code))


if __name__ == "__main__":
    main(sys.argv[1:])
