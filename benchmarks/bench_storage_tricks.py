"""Do the two storage tricks still pay? Open311 POSTs (the intake path both were built for) with each
trick on and off, in interleaved runs against one database.

    .venv/bin/python benchmarks/bench_storage_tricks.py --trick sqlite-turns|bulk-batch
        [--rounds 3] [--duration 20] [--requests 20000]

sqlite-turns: SQLite, `civicloop.core.sqlite` (writers take turns by a lock file) against Django's own
sqlite3 backend with the same pragmas (WAL, IMMEDIATE, busy timeout): CIVICLOOP_SQLITE_WRITER_TURNS.
bulk-batch: PostgreSQL, intake's rows sharing one round trip (core.bulk.batch) against one statement
per row: CIVICLOOP_BULK_BATCH.

Set-up as bench_open311.py (the demo city, N stored Open311 requests, `civicloop serve --workers 2`,
`wrk -t2 -c16`). Each round starts a fresh server per configuration and runs wrk for --duration s; the
order flips every round (on/off, off/on, …) so a machine that speeds up or slows down during the runs
does not favour one side. Prints every run with the load average before it and the server's CPU per
request (gunicorn workers, and PostgreSQL's backends for this database), then the medians.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
from pathlib import Path

import _common
import bench_open311 as o311

TRICKS = {"sqlite-turns": ("sqlite", "CIVICLOOP_SQLITE_WRITER_TURNS"),
          "bulk-batch": ("postgres", "CIVICLOOP_BULK_BATCH")}


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def server_processes(master: int, database: str | None) -> list[int]:
    """The gunicorn workers and, on PostgreSQL, the backends serving this benchmark's database."""
    pids = [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    for entry in Path("/proc").iterdir() if database else ():
        if entry.name.isdigit():
            try:
                if f" {database} " in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def one_run(variable: str, on: bool, env: dict, duration: int, database: str | None) -> dict:
    """One server with the trick on or off, wrk for `duration` s. CPU per request (the server's
    workers and database backends, from /proc) depends far less on what else the machine runs than
    requests/s and latency do."""
    os.environ[variable] = "true" if on else "false"  # the server inherits it (settings.py reads it)
    load = _common.load()
    proc = o311.start_server(o311.free_port())
    try:
        port = proc.args[proc.args.index("--bind") + 1].rsplit(":", 1)[1]
        pids = server_processes(proc.pid, database)
        before = {pid: cpu_seconds(pid) for pid in pids}
        result = o311.wrk(f"http://127.0.0.1:{port}/open311/v2/requests.json", duration=duration,
                          script="open311_post.lua", env=env)
        pids = set(pids) | set(server_processes(proc.pid, database))
        used = sum(cpu_seconds(pid) - before.get(pid, 0.0) for pid in pids)
    finally:
        o311.stop_server(proc)
    result["load"] = load
    result["cpu_ms"] = used * 1000 / max(result["requests"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trick", choices=sorted(TRICKS), required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: bash scripts/ensure-system-packages.sh")
    kind, variable = TRICKS[args.trick]
    db = _common.Database("tricks", kind)
    runs: dict[bool, list[dict]] = {True: [], False: []}
    try:
        db.setup()
        data = o311.generate(args.requests)
        db.analyze()
        from django.db import connections

        connections.close_all()
        env = {"OPEN311_KEY": data["key"], "OPEN311_POINTS": data["points"], "OPEN311_IDS": data["ids"]}
        _common.header(f"{args.trick}: Open311 POST, {db.label}, gunicorn {o311.WORKERS} workers, "
                       f"wrk -t{o311.THREADS} -c{o311.CONNECTIONS}, {args.duration} s a run", db.label)
        for n in range(args.rounds):
            for on in ((True, False) if n % 2 == 0 else (False, True)):
                r = one_run(variable, on, env, args.duration, db.name if kind == "postgres" else None)
                runs[on].append(r)
                lat = r["latency"]
                print(f"round {n + 1} {variable}={'on ' if on else 'off'}  {r['rps']:7.1f} req/s  "
                      f"p50 {lat.get(50, 0):6.1f}  p99 {lat.get(99, 0):6.1f} ms  server CPU {r['cpu_ms']:.2f} ms/req  "
                      f"non-2xx={r['non2xx']} "
                      f"socket-errors={r['socket_errors']}  load before {r['load']}", flush=True)
        print("-" * 78)
        for on in (True, False):
            rs = runs[on]
            print(f"{variable}={'on ' if on else 'off'}  median of {len(rs)} runs: "
                  f"{statistics.median(r['rps'] for r in rs):7.1f} req/s  "
                  f"p50 {statistics.median(r['latency'].get(50, 0) for r in rs):6.1f} ms  "
                  f"p99 {statistics.median(r['latency'].get(99, 0) for r in rs):6.1f} ms  "
                  f"server CPU {statistics.median(r['cpu_ms'] for r in rs):.2f} ms/req")
        print(f"load average after: {_common.load()}")
    finally:
        os.environ.pop(variable, None)
        db.finish(keep=args.keep)


if __name__ == "__main__":
    main()
