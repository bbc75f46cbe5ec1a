"""Every benchmark, on SQLite and PostgreSQL, one after the other; then one table of figures.

    .venv/bin/python benchmarks/run_all.py [--db sqlite,postgres] [--cases 1000000] [--quick]

Each benchmark runs in its own process (Django is set up once per process, for one database) and
makes and removes its own database. --quick: 100,000 cases for the list and 1,000 creations, for a
fast smoke run; the documented figures come from the full run. Expect 20-30 minutes in full on a
2-core machine, most of it generating 1,000,000 cases twice.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

HERE = Path(__file__).resolve().parent


def bench(script: str, *args: str) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    env = {**os.environ, "BENCH_JSON": str(out)}
    started = time.perf_counter()
    print(f"\n$ {Path(sys.executable).name} benchmarks/{script} {' '.join(args)}", flush=True)
    code = subprocess.call([sys.executable, str(HERE / script), *args], env=env, cwd=HERE.parent)
    print(f"[{script} exited {code} after {time.perf_counter() - started:.0f} s]", flush=True)
    try:
        return json.loads(out.read_text()) if code == 0 and out.stat().st_size else None
    finally:
        out.unlink(missing_ok=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    cases = 100_000 if args.quick else args.cases
    n = "1000" if args.quick else "3000"

    print(_common.machine())
    results = {"create": {}, "list": {}, "console": {}}
    for db in dbs:
        results["create"][db] = bench("bench_create.py", "--db", db, "--n", n)
    results["locate"] = bench("bench_locate.py", "--db", dbs[0] if dbs else "none")
    for db in dbs:
        results["list"][db] = bench("bench_list.py", "--db", db, "--cases", str(cases))
    for db in dbs:
        results["console"][db] = bench("bench_console.py", "--db", db, "--cases", str(cases), "--runs", "20")

    print("\n" + "=" * 78)
    print("SUMMARY  " + _common.machine())
    print("-" * 78)
    failed = 0
    for db, r in results["create"].items():
        if r:
            print(f"create  {db:8} n={r['n']:<7} {r['rate']:8,.0f} cases/s  (median {r['median_ms']:.2f} ms, "
                  f"p95 {r['p95_ms']:.2f} ms)  target >= {r['target']:.0f}/s  {'MET' if r['met'] else 'NOT MET'}")
        else:
            failed += 1
            print(f"create  {db:8} FAILED")
    r = results["locate"]
    if r:
        print(f"locate  {r['grids']:,} grids n={r['n']:,}: median {r['median_us']:.1f} µs, p95 {r['p95_us']:.1f} µs "
              f"(batches of 100: {r['batch_median_us']:.1f} µs)  target median <= {r['target']:.0f} µs  "
              f"{'MET' if r['met'] else 'NOT MET'}")
    else:
        failed += 1
        print("locate  FAILED")
    for db, r in results["list"].items():
        if not r:
            failed += 1
            print(f"list    {db:8} FAILED")
            continue
        print(f"list    {db:8} {r['n']:,} cases (generated in {r['generate_s']:.0f} s + indexes {r['index_s']:.0f} s)")
        for q in r["results"]:
            print(f"        ({q['key']}) {q['label']:44} median {q['median_ms']:8.1f} ms  p95 {q['p95_ms']:8.1f} ms  "
                  f"{'MET' if q['met'] else 'NOT MET'}")
    for db, r in results["console"].items():
        if not r:
            failed += 1
            print(f"console {db:8} FAILED")
            continue
        print(f"console {db:8} {r['n']:,} cases: queue, case page and map data (server time)")
        for q in r["results"]:
            if not q.get("available"):
                print(f"        ({q['key']}) {q['label']:44} not available")
                continue
            print(f"        ({q['key']}) {q['label']:44} median {q['median_ms']:8.1f} ms  p95 {q['p95_ms']:8.1f} ms  "
                  f"{'MET' if q['met'] else 'NOT MET'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
