"""Shared plumbing for the benchmarks: a throw-away database, machine facts, and the figures.

Every benchmark script imports this before Django is set up:

    db = _common.Database("create", "sqlite")   # sets DATABASE_URL / CIVICLOOP_DATA_DIR
    db.setup()                                  # django.setup() + migrate
    ...
    db.cleanup()                                # drops the PostgreSQL database / removes the temp dir
"""
from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")

# Production-like: DEBUG off (Django would otherwise record every query), nothing printed per request.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicloop.settings")
os.environ.setdefault("CIVICLOOP_DEBUG", "false")
os.environ.setdefault("CIVICLOOP_LOG_LEVEL", "WARNING")
os.environ.setdefault("CIVICLOOP_NOTIFY_BACKEND", "null")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


class Database:
    """A fresh database for one benchmark run: SQLite in a temp dir, or a PostgreSQL database."""

    def __init__(self, name: str, kind: str):
        if kind not in ("sqlite", "postgres"):
            raise SystemExit(f"--db must be sqlite or postgres, not {kind!r}")
        self.kind = kind
        self.name = f"civicloop_bench_{name}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{self.name}_"))
        os.environ["CIVICLOOP_DATA_DIR"] = str(self.tmp)
        if kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}" ENCODING \'UTF8\' TEMPLATE template0')
            os.environ["DATABASE_URL"] = f"{PG_SERVER}/{self.name}"
        else:
            os.environ.pop("DATABASE_URL", None)
        self.server_version = ""

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def setup(self) -> None:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from django.db import connection

        with connection.cursor() as cursor:
            if self.kind == "postgres":
                cursor.execute("SHOW server_version")
            else:
                cursor.execute("SELECT sqlite_version()")
            self.server_version = cursor.fetchone()[0]

    @property
    def label(self) -> str:
        return f"{'PostgreSQL' if self.kind == 'postgres' else 'SQLite'} {self.server_version}".strip()

    def analyze(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def finish(self, *, keep: bool) -> None:
        """cleanup(), or with --keep leave the database for inspection and say where it is."""
        if not keep:
            self.cleanup()
            return
        from django.db import connections

        connections.close_all()
        print(f"kept: DATABASE_URL={os.environ.get('DATABASE_URL', '')} CIVICLOOP_DATA_DIR={self.tmp}")

    def cleanup(self) -> None:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if self.kind == "postgres":
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            except Exception as exc:  # pragma: no cover - report, do not hide the figures
                print(f"warning: could not drop {self.name}: {exc}", file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)


def load() -> str:
    """The 1/5/15-minute load average: on a 2-core box anything above ~1 means we shared the CPUs."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine(db_label: str = "") -> str:
    parts = [
        f"python {platform.python_version()}",
        f"cpus {os.cpu_count()}",
        f"cpu {cpu_model()}",
        f"ram {ram_gib():.0f} GiB",
        f"loadavg {load()}",
    ]
    if db_label:
        parts.insert(0, f"db {db_label}")
    return " | ".join(parts)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def header(title: str, db_label: str = "") -> None:
    print("=" * 78)
    print(title)
    print(machine(db_label))
    print("-" * 78)


def verdict(value: float, target: float, *, higher_is_better: bool) -> str:
    met = value >= target if higher_is_better else value <= target
    return "MET" if met else "NOT MET"


def emit(result: dict) -> dict:
    """run_all.py passes BENCH_JSON=<file>: the figures go there too, for its summary table."""
    import json

    target = os.environ.get("BENCH_JSON")
    if target:
        Path(target).write_text(json.dumps(result, default=str, ensure_ascii=False, indent=1))
    return result


def progress_printer(what: str = "cases", every_s: float = 15.0):
    """A progress(done, n) callback that prints at most every `every_s` seconds, and at the end."""
    import time

    start = last = time.perf_counter()

    def progress(done: int, n: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last > every_s or done == n:
            last = now
            print(f"  generated {done:,}/{n:,} {what} ({done / (now - start):,.0f}/s)", flush=True)

    return progress
