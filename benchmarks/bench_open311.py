"""Open311 under load: `civicloop serve` (gunicorn, 2 workers) against 100,000 stored requests, driven
by wrk (Debian's C load generator, so the client costs the server little CPU), 16 connections.

    .venv/bin/python benchmarks/bench_open311.py [--db postgres,sqlite] [--requests 100000]
        [--duration 30] [--mixed-duration 300] [--mixed-rate 200] [--keep]

For each database: build the demo city, bulk-insert N Open311 requests (cases with their events, via
civicloop.evaluation.synth, spread over the last 85 days, ~20% open; each with its Open311 row, so
descriptions are public as for real Open311 requests), start the server, then:

1. POST /open311/v2/requests.json — a new request per call (wrk/open311_post.lua), --duration s;
2. GET /open311/v2/requests.json?status=open — 1,000 requests a page, --duration s;
3. mixed: 30% POST, 20% the 1,000-row page, 25% 100-row pages 1–10, 25% single requests, at
   --mixed-rate requests/s for --mixed-duration s (wrk/open311_mixed.lua paces each thread).

Prints requests/s, latency percentiles (wrk --latency), errors, and the targets:
PostgreSQL POST ≥ 320/s and GET ≥ 410/s with p99 < 100 ms; SQLite ≥ 50 and ≥ 350; mixed at
200/s for 5 minutes with p99 < 500 ms. Needs `wrk` (scripts/ensure-system-packages.sh).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import _common

HERE = Path(__file__).resolve().parent
WRK_DIR = HERE / "wrk"
TARGETS = {"postgres": {"post": 320, "get": 410}, "sqlite": {"post": 50, "get": 350}}
P99_MS = 100.0
MIXED_P99_MS = 500.0
CONNECTIONS = 16
THREADS = 2
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------- data


def generate(total: int) -> dict:
    """N Open311 requests in the last 85 days (inside the default 90-day window)."""
    from django.db import connection
    from django.utils import timezone

    from civicloop.cases import serials
    from civicloop.demo import city
    from civicloop.evaluation import synth
    from civicloop.geo.index import locate
    from civicloop.geo.models import Grid
    from civicloop.open311 import services
    from civicloop.open311.models import Open311Request

    city.build_city()
    key, raw = services.issue_key(name="load benchmark", rate_per_minute=10_000_000)
    mix = [(70, synth.Shape("closed", channel="other")), (8, synth.Shape("in_progress", channel="other")),
           (5, synth.Shape("reported", channel="other")), (3, synth.Shape("filed", channel="other")),
           (2, synth.Shape("handled", channel="other")), (2, synth.Shape("checked", channel="other")),
           (5, synth.Shape("not_filed", channel="other")), (5, synth.Shape("void", channel="other"))]
    shapes = [shape for weight, shape in mix for _ in range(weight)]
    now = timezone.now()
    started = time.perf_counter()
    first = _next_id()
    import random

    rng = random.Random(311)
    synth.generate((rng.choice(shapes) for _ in range(total)), start=now - timedelta(days=85),
                   end=now - timedelta(minutes=5), total=total, progress=_common.progress_printer("requests"))
    table = synth._Table(Open311Request)
    stamp = synth._db_time()(now.astimezone(__import__("datetime").timezone.utc).replace(tzinfo=None))
    rows = [table.row({"id": n + 1, "case_id": first + n, "key_id": key.pk, "token": f"bench{first + n}",
                       "attributes": synth._NO_DATA, "created_at": stamp}) for n in range(total)]
    from django.db import transaction

    with transaction.atomic():
        for i in range(0, len(rows), 20_000):
            table.insert(rows[i:i + 20_000])
    if connection.vendor == "postgresql":
        from civicloop.core import bulk

        bulk.reset_sequence(Open311Request)
    # Live POSTs number today's cases from the day's counter: start it past the synthetic ones.
    serials.raise_floor(timezone.localtime(now).date(), 900_000)
    took = time.perf_counter() - started
    points = []
    for grid in Grid.objects.order_by("code")[:400]:
        lon, lat = (grid.min_lon + grid.max_lon) / 2, (grid.min_lat + grid.max_lat) / 2
        if locate(lon, lat) is not None:
            points.append(f"{lat:.6f},{lon:.6f}")
    from civicloop.cases.models import Case

    ids = list(Case.objects.order_by("?").values_list("reference", flat=True)[:500])
    open_count = Case.objects.filter(kind="open").count()
    return {"key": raw, "points": ";".join(points[:200]), "ids": ";".join(ids), "seconds": took,
            "open": open_count}


def _next_id() -> int:
    from civicloop.cases.models import Case
    from django.db.models import Max

    return (Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


# ---------------------------------------------------------------------------- server and wrk


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "CIVICLOOP_ENV": "development", "CIVICLOOP_DEBUG": "false"}
    civicloop = Path(sys.executable).with_name("civicloop")
    proc = subprocess.Popen([str(civicloop), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.3)
    else:
        stop_server(proc)
        raise SystemExit("the server did not start")
    # Each worker loads the code and builds its caches on its first requests.
    import urllib.request

    for _ in range(20):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/open311/v2/requests.json?status=open", timeout=60).read()
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's own group, started above
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def wrk(url: str, *, duration: int, script: str | None = None, env: dict | None = None,
        timeout_s: int = 10) -> dict:
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", f"--timeout={timeout_s}s", "--latency"]
    if script:
        cmd += ["-s", str(WRK_DIR / script)]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})},
                         timeout=duration + 120).stdout
    return parse_wrk(out)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(out: str) -> dict:
    result = {"raw": out, "rps": 0.0, "requests": 0, "non2xx": 0, "socket_errors": 0, "latency": {}}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", out):
        result["requests"] = int(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["socket_errors"] = sum(int(g) for g in m.groups())
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m))", out, re.M):
        result["latency"][int(pct)] = _ms(value)
    return result


def line(name: str, r: dict, *, target_rps: float | None, p99_ms: float) -> str:
    lat = r["latency"]
    p99 = lat.get(99, float("inf"))
    verdict = ""
    if target_rps is not None:
        met = r["rps"] >= target_rps and p99 < p99_ms and not r["non2xx"] and not r["socket_errors"]
        verdict = f"  target ≥ {target_rps}/s, p99 < {p99_ms:.0f} ms: {'MET' if met else 'NOT MET'}"
    else:
        met = p99 < p99_ms and not r["non2xx"] and not r["socket_errors"]
        verdict = f"  target p99 < {p99_ms:.0f} ms: {'MET' if met else 'NOT MET'}"
    return (f"{name:<44} {r['rps']:>8.1f} req/s  p50 {lat.get(50, 0):6.1f}  p90 {lat.get(90, 0):6.1f}  "
            f"p99 {p99:7.1f} ms  n={r['requests']:,} non-2xx={r['non2xx']} socket-errors={r['socket_errors']}{verdict}")


# ---------------------------------------------------------------------------- run


def run(kind: str, args) -> list[str]:
    db = _common.Database("open311", kind)
    proc = None
    lines = []
    try:
        db.setup()
        print(f"[{kind}] generating {args.requests:,} Open311 requests …", flush=True)
        data = generate(args.requests)
        db.analyze()
        from django.db import connections

        connections.close_all()
        print(f"[{kind}] generated in {data['seconds']:.0f} s; open: {data['open']:,}", flush=True)
        port = free_port()
        proc = start_server(port)
        base = f"http://127.0.0.1:{port}"
        env = {"OPEN311_KEY": data["key"], "OPEN311_POINTS": data["points"], "OPEN311_IDS": data["ids"],
               "OPEN311_RATE": str(args.mixed_rate), "OPEN311_THREADS": str(THREADS)}
        _common.header(f"Open311 load — {db.label}, gunicorn {WORKERS} workers, wrk -t{THREADS} -c{CONNECTIONS}",
                       db.label)
        targets = TARGETS[kind]
        get = wrk(f"{base}/open311/v2/requests.json?status=open", duration=args.duration)
        lines.append(line(f"{kind}: GET requests.json?status=open (1,000)", get, target_rps=targets["get"], p99_ms=P99_MS))
        print(lines[-1], flush=True)
        post = wrk(f"{base}/open311/v2/requests.json", duration=args.duration, script="open311_post.lua", env=env)
        lines.append(line(f"{kind}: POST requests.json", post, target_rps=targets["post"], p99_ms=P99_MS))
        print(lines[-1], flush=True)
        if args.mixed_duration:
            mixed = wrk(base + "/", duration=args.mixed_duration, script="open311_mixed.lua", env=env, timeout_s=30)
            lines.append(line(f"{kind}: mixed 70/30 at {args.mixed_rate}/s for {args.mixed_duration}s", mixed,
                              target_rps=None, p99_ms=MIXED_P99_MS))
            print(lines[-1], flush=True)
        print(f"load average after: {_common.load()}")
    finally:
        if proc is not None:
            stop_server(proc)
        db.finish(keep=args.keep)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgres,sqlite")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--mixed-duration", type=int, default=300)
    parser.add_argument("--mixed-rate", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: bash scripts/ensure-system-packages.sh")
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if len(kinds) > 1:
        # One process per database: Django's settings (DATABASE_URL) are read once per process.
        summary = []
        for kind in kinds:
            argv = [sys.executable, __file__, "--db", kind, "--requests", str(args.requests), "--duration",
                    str(args.duration), "--mixed-duration", str(args.mixed_duration), "--mixed-rate", str(args.mixed_rate)]
            out = subprocess.run(argv + (["--keep"] if args.keep else []), stdout=subprocess.PIPE, text=True)
            print(out.stdout, end="", flush=True)
            summary += [text[len("RESULT "):] for text in out.stdout.splitlines() if text.startswith("RESULT ")]
    else:
        summary = run(kinds[0], args)
        for text in summary:
            print("RESULT " + text)
    print("=" * 78)
    print("Summary —", _common.machine())
    for text in summary:
        print(text)
    _common.emit({"lines": summary})


if __name__ == "__main__":
    main()
