"""Evaluation figures on a large history: the rollup, then reads, warm.

    .venv/bin/python benchmarks/bench_metrics.py --db sqlite|postgres [--cases 1000000] [--runs 20]

Builds the demo city, then bulk-inserts --cases cases over 3 years with their events
(civicloop.evaluation.synth: rows shaped as cases.services writes them; ~82% go round the whole
loop, 12% are self-handled, the rest not filed, voided or open), then times:

- the full rebuild (`civicloop metrics-rebuild`), events per second;
- a month by department, a year by street (queries.metrics: rollup rows + live overdue query);
- the month's 红黑榜 of departments and of streets (queries.ranking: scores and ranks);
- an incremental refresh after one minute's events (--minute-cases new cases, default 60,
  about what 10 million cases over 3 years bring in a busy minute).
3 warm-ups, then --runs timed runs; median and p95 in ms. Targets: <= 500 ms (PostgreSQL, 10M),
<= 1 s (SQLite, 1M) for the month's figures by department and by street.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import timedelta

import _common

MIX = [  # (shape, weight)
    ("closed", 78), ("closed_late", 4), ("self_closed", 12), ("not_filed", 2), ("void", 1),
    ("in_progress", 1), ("handled", 1), ("reported", 1),
]


def shapes(total: int, seed: int):
    from civicloop.evaluation.synth import Shape

    rng = random.Random(seed)
    names, weights = zip(*MIX)
    made = {"closed_late": Shape("closed", frozenset({"close", "handle"}), channel="citizen")}
    channels = ["citizen", "inspector", "hotline", "grid_worker"]
    for _ in range(total):
        name = rng.choices(names, weights)[0]
        if name in made:
            yield made[name]
        elif name == "self_closed":
            yield Shape("self_closed", channel="grid_worker")
        else:
            yield Shape(name, channel=rng.choice(channels))


def timed(fn, runs: int) -> dict:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return _common.stats(times)


def run(kind: str, total: int, runs: int, minute_cases: int) -> dict:
    db = _common.Database("metrics", kind)
    try:
        db.setup()
        from django.utils import timezone

        from civicloop.demo.city import build_city
        from civicloop.evaluation import queries, rollup, synth
        from civicloop.bigscreen.queries import snapshot
        from civicloop.evaluation.models import DailyCount
        from civicloop.org.models import User

        build_city()
        now = timezone.now()
        start = now - timedelta(days=3 * 365)
        print(f"bench_metrics: generating {total:,} cases on {db.label} ...", flush=True)
        t0 = time.perf_counter()
        events = synth.generate(shapes(total, 1), start=start, end=now - timedelta(hours=2), total=total,
                                progress=_common.progress_printer(), chunk=50_000)
        t1 = time.perf_counter()
        db.analyze()
        print(f"  {events:,} events in {t1 - t0:.0f} s; rebuilding the counters ...", flush=True)
        rebuilt = rollup.rebuild(progress=lambda d, n: print(f"  rebuild {d:,}/{n:,} event ids", flush=True))
        db.analyze()
        rows = DailyCount.objects.count()

        local = timezone.localtime(now)
        last_month = (local.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        year = str(local.year - 1)
        results = {
            "month_by_department": timed(lambda: queries.metrics(last_month, "department"), runs),
            "month_by_street": timed(lambda: queries.metrics(last_month, "street"), runs),
            "year_by_street": timed(lambda: queries.metrics(year, "street"), runs),
            "year_by_grid": timed(lambda: queries.metrics(year, "grid"), max(3, runs // 4)),
            "ranking_departments": timed(lambda: queries.ranking(last_month, "department"), runs),
            "ranking_streets": timed(lambda: queries.ranking(last_month, "street"), runs),
            # The wall screen's whole answer (cache off: what one refresh costs the database).
            "bigscreen_city": timed(lambda: snapshot(User.objects.get(username="leader"), timezone.now()), runs),
            "bigscreen_street": timed(lambda: snapshot(User.objects.get(username="operator_wenlan"), timezone.now()),
                                      runs),
        }
        # One minute's new cases and their first events, then the refresh the worker runs.
        refreshes = []
        for i in range(5):
            synth.generate(shapes(minute_cases, 100 + i), start=now - timedelta(minutes=1), end=now,
                           total=minute_cases, seed=100 + i)
            started = time.perf_counter()
            r = rollup.refresh()
            refreshes.append((time.perf_counter() - started) * 1000)
        minute_events = r.events
        agreement = recount_agrees(queries, last_month)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = _size(db)

        _common.header(f"bench_metrics: evaluation figures, {total:,} cases ({events:,} events), warm ({db.label})",
                       db.label)
        print(f"generated in {t1 - t0:.0f} s; rebuild {rebuilt.seconds:.0f} s "
              f"({rebuilt.events / max(rebuilt.seconds, 1e-9):,.0f} events/s); {rows:,} counter rows; database {size}")
        print(f"{'query':40}{'median ms':>11}{'p95 ms':>9}")
        for key, st in results.items():
            print(f"{key:40}{st['median']:>11.1f}{st['p95']:>9.1f}")
        print(f"{'refresh, one minute (' + str(minute_events) + ' events)':40}"
              f"{sorted(refreshes)[len(refreshes) // 2]:>11.1f}{max(refreshes):>9.1f}")
        print(f"peak memory of this process {peak_mb:.0f} MB")
        print(f"counters vs a full recount of {last_month}'s events with the ORM: "
              f"{'AGREE' if agreement['agree'] else 'DISAGREE'} {agreement['counters']} {agreement['recount']}")
        return {"bench": "metrics", "db": db.label, "kind": kind, "n": total, "events": events,
                "generate_s": t1 - t0, "rebuild_s": rebuilt.seconds, "counter_rows": rows, "size": size,
                "results": results, "refresh_ms": refreshes, "minute_events": minute_events, "peak_mb": peak_mb,
                "recount": agreement}
    finally:
        db.cleanup()


def recount_agrees(queries, month: str) -> dict:
    """The month's city figures from the counters against the same figures counted straight from the
    event log (one ORM aggregate over the month's events, sharing no SQL with the rollup)."""
    from django.db.models import Count, Q

    from civicloop.cases.models import CaseEvent
    from civicloop.evaluation.periods import parse

    start, end = parse(month).bounds()
    checked_close = Q(action="close", from_state="checked")
    recount = CaseEvent.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        reported=Count("pk", filter=Q(action="report")), filed=Count("pk", filter=Q(action="file")),
        dispatched=Count("pk", filter=Q(stage="dispatch")), handled=Count("pk", filter=Q(stage="handle")),
        handled_on_time=Count("pk", filter=Q(stage="handle", on_time=True)),
        closed=Count("pk", filter=checked_close), closed_on_time=Count("pk", filter=checked_close & Q(on_time=True)),
        self_closed=Count("pk", filter=Q(action="close", from_state="self_handled")))
    row = queries.metrics(month)[0]
    counted = {name: row.counts[name] for name in recount}
    return {"agree": counted == recount, "counters": counted, "recount": recount}


def _size(db) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if db.kind == "postgres":
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return cursor.fetchone()[0]
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return f"{cursor.fetchone()[0] / 1024 ** 3:.2f} GiB"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--minute-cases", type=int, default=60)
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.cases, args.runs, args.minute_cases))


if __name__ == "__main__":
    main(sys.argv[1:])
