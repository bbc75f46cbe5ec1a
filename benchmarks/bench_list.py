"""The filtered case list (GET /api/cases) at 1,000,000 cases, warm.

    .venv/bin/python benchmarks/bench_list.py --db sqlite|postgres [--cases 1000000] [--runs 20]

Builds the demo city, then synthesises Case rows straight into the table with
civicloop.core.bulk.insert (no CaseEvent rows: the list never reads events), over 3 years, with
realistic shares: ~91% closed, ~6% void / not filed, ~3% open spread over the open states (most
of them recent; old ones are the stuck and the suspended). Grids, communities and streets come
from the real Grid rows (urban grids 3x as likely), categories from the demo's common complaints,
departments from the routing rules for every dispatched case, and a running stage clock
(engine.start_clock: working calendar, limits, warn time) for the open ones. Then ANALYZE.

Each query is what the API runs: queries.filtered(user, CaseFilter(...)) + queries.page(limit=50)
+ queries.summary() for every row. 3 warm-ups, then --runs timed runs; median and p95 in ms.
Target: median <= 100 ms warm. With --explain, prints the plan of every query.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta

import _common

TARGET_MS = 100.0
YEARS = 3
CHUNK = 50_000
LIMIT = 50
OPEN_STATES = [  # (state, weight among open cases)
    ("reported", 8), ("verifying", 2), ("self_handled", 3), ("filed", 5), ("dispatched", 10),
    ("in_progress", 45), ("handled", 10), ("checked", 5), ("suspended", 12),
]
DISPATCHED = {"dispatched", "in_progress", "handled", "checked", "suspended"}


def open_probability(age_days: float) -> float:
    """~3% overall: most open cases are days old; months-old ones are stuck or suspended."""
    if age_days < 7:
        return 0.6
    if age_days < 60:
        return 0.25
    return 0.016


class Row:
    """A bare attribute bag for bulk.insert (it only getattr()s each column's attname)."""

    __slots__ = ("__dict__",)


def generate(total: int, *, seed: int = 2503, progress=None) -> dict:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from civicloop.cases import engine, rules
    from civicloop.cases.models import Case, CaseSequence, Channel
    from civicloop.core import bulk
    from civicloop.demo.history import CATEGORIES, CHANNELS, ROADS
    from civicloop.geo.models import Grid
    from civicloop.lib import codes
    from civicloop.org.models import User
    from civicloop.taxonomy.queries import config

    rng = random.Random(seed)
    cfg = config()
    tz = timezone.get_current_timezone()
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=365 * YEARS)
    span = (now - start).total_seconds()

    grids = list(Grid.objects.values_list("code", "community_id", "min_lon", "min_lat", "max_lon", "max_lat"))
    urban = [g for g in grids if g[0][:9] <= "532503099"]
    grid_pool = urban * 3 + [g for g in grids if g[0][:9] > "532503099"]
    from itertools import accumulate

    categories = [c for c, _, _ in CATEGORIES]
    weights = list(accumulate(w for _, w, _ in CATEGORIES))
    texts = {c: t for c, _, t in CATEGORIES}
    extras = ["", "，请尽快处理", "，已持续好几天了", "，希望有关部门管一管", "，影响市容"]
    channels = [c for c, _ in CHANNELS]
    channel_w = list(accumulate(w for _, w in CHANNELS))
    open_states = [s for s, _ in OPEN_STATES]
    open_w = list(accumulate(w for _, w in OPEN_STATES))
    users = {u.username: u for u in User.objects.exclude(role="")}
    inspectors = {u.scope_division_id: u.pk for u in users.values() if u.role == "inspector"}
    handlers = {u.department_id: u.pk for u in users.values() if u.role == "handler"}
    operator_id = users["operator"].pk
    priorities = {c: cfg.categories[c].priority for c in categories}
    routes = {}

    defaults = {}
    for f in Case._meta.concrete_fields:
        defaults[f.attname] = f.get_default() if f.has_default() else None
    defaults.update(pending="", condition="", address="", reporter_name="", reporter_phone="", stage="",
                    stage_limit_seconds=0.0, stage_working=True, stage_consumed=0.0)

    # Report times: sorted, so ids grow with time as they do in production.
    times = sorted(rng.random() * span for _ in range(total))
    serials: dict[date, int] = {}
    counts = {"open": 0, "closed": 0, "void": 0}
    hour = timedelta(hours=1)
    made = 0
    for lo in range(0, total, CHUNK):
        rows = []
        for seconds in times[lo:lo + CHUNK]:
            made += 1
            reported = start + timedelta(seconds=seconds)
            local = reported.astimezone(tz)
            if local.hour < 7 or local.hour >= 22:  # people report by day
                reported += timedelta(hours=rng.uniform(9, 12))
                if reported > now:
                    reported = now - timedelta(minutes=rng.uniform(1, 120))
                local = reported.astimezone(tz)
            day = local.date()
            serials[day] = serials.get(day, 0) + 1
            code, community, x0, y0, x1, y1 = rng.choice(grid_pool)
            street = community[:9]
            category = rng.choices(categories, cum_weights=weights)[0]
            channel = rng.choices(channels, cum_weights=channel_w)[0]
            age = (now - reported).total_seconds() / 86400
            r = rng.random()
            if r < open_probability(age):
                state = rng.choices(open_states, cum_weights=open_w)[0]
                if age > 60 and state not in ("suspended", "in_progress"):
                    state = "suspended" if rng.random() < 0.5 else "in_progress"
            elif r < open_probability(age) + 0.06:
                state = "not_filed" if rng.random() < 0.7 else "void"
            else:
                state = "closed"
            kind = rules.KIND_OF[state]
            counts[kind] += 1
            row = Row()
            d = row.__dict__
            d.update(defaults)
            d.update(
                id=made, reference=codes.case_reference(settings.CITY_CODE, day, serials[day]),
                channel=channel, state=state, kind=kind, pending_data={},
                reporter_id=(inspectors.get(street) if channel == Channel.INSPECTOR else
                             operator_id if channel == Channel.HOTLINE else None),
                lon=round(rng.uniform(x0, x1), 7), lat=round(rng.uniform(y0, y1), 7),
                address=f"{rng.choice(ROADS)}{rng.randrange(1, 300)}号附近",
                grid_id=code, community_id=community, street_id=street,
                category_id=None if (state == "reported" and rng.random() < 0.3) else category,
                description=texts[category] + rng.choice(extras), priority=priorities[category],
                self_handled=state == "self_handled", reported_at=reported, updated_at=reported,
            )
            if channel == Channel.CITIZEN:
                d["reporter_name"] = "市民"
                d["reporter_phone"] = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            dispatched = state in DISPATCHED or (state == "closed" and rng.random() < 0.95)
            t = reported
            if state not in ("reported", "verifying", "self_handled", "not_filed", "void"):
                t += timedelta(minutes=rng.uniform(5, 60))
                d["filed_at"] = t
                d["file_on_time"] = rng.random() < 0.96
            if dispatched:
                key = (category, street)
                if key not in routes:
                    routes[key] = cfg.department_for(category, street)
                department = routes[key]
                t += timedelta(minutes=rng.uniform(5, 60))
                d.update(department_id=department, dispatched_at=t, dispatch_on_time=rng.random() < 0.96)
                if state != "dispatched":
                    t += timedelta(minutes=rng.uniform(10, 120))
                    d.update(signed_at=t, assignee_id=handlers.get(department))
            if state in ("handled", "checked") or state == "closed" and dispatched:
                t += timedelta(hours=rng.uniform(1, 30))
                d.update(handled_at=t, handle_on_time=rng.random() < 0.9)
            if state == "checked" or state == "closed" and dispatched:
                t += timedelta(minutes=rng.uniform(10, 240))
                d.update(checked_at=t, check_on_time=rng.random() < 0.95)
            if state == "closed":
                t += timedelta(minutes=rng.uniform(5, 120))
                d.update(closed_at=t, close_on_time=rng.random() < 0.97)
            if state in ("not_filed", "void"):
                t += timedelta(minutes=rng.uniform(5, 120))
            if kind == "open":
                stage = rules.STAGE_OF[state]
                if stage is None:  # suspended: the handling clock stands still, no deadline
                    d.update(stage="handle", stage_limit_seconds=8 * 3600.0, stage_consumed=rng.uniform(0, 8 * 3600),
                             stage_run_from=None)
                else:
                    since = t + timedelta(minutes=rng.uniform(1, 30))
                    clock = engine.start_clock(cfg, stage, category=d["category_id"], condition="", now=since)
                    d.update(engine.clock_fields(clock))
                d["supervised"] = rng.random() < 0.05
                if state == "in_progress" and rng.random() < 0.04:
                    d.update(pending="extend", pending_data={"amount": 1, "unit": "WD"})
            d["updated_at"] = min(max(t, reported), now)
            d["version"] = 1 + sum(1 for k in ("filed_at", "dispatched_at", "signed_at", "handled_at",
                                               "checked_at", "closed_at") if d[k] is not None)
            rows.append(row)
        with transaction.atomic():
            bulk.insert(Case, rows)
        if progress:
            progress(made, total)
    with transaction.atomic():
        bulk.insert(CaseSequence, [_seq(day, last) for day, last in serials.items()])
    bulk.reset_sequence(Case)
    return {**counts, "from": start, "to": now}


def _seq(day, last):
    row = Row()
    row.__dict__.update(day=day, last=last)
    return row


def secondary_indexes(kind: str) -> list[tuple[str, str]]:
    """(name, exact CREATE statement) of every non-unique index on cases_case."""
    from django.db import connection

    with connection.cursor() as cursor:
        if kind == "postgres":
            cursor.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                           "JOIN pg_class i ON i.oid = x.indexrelid "
                           "WHERE x.indrelid = 'cases_case'::regclass AND NOT x.indisunique ORDER BY 1")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases_case' "
                           "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY 1")
        return cursor.fetchall()


def drop_indexes(indexes) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')


def create_indexes(indexes) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)


def queries_to_time(now_local: date):
    from civicloop.cases.queries import CaseFilter

    return [
        ("a", "city operator, no filter", "operator", CaseFilter(), 1),
        ("b", "kind=open", "operator", CaseFilter(kind="open"), 1),
        ("c", "street=532503001 + kind=open", "operator", CaseFilter(street="532503001", kind="open"), 1),
        ("d", "category=06010 + last 30 days", "operator",
         CaseFilter(category="06010", reported_from=now_local - timedelta(days=30)), 1),
        ("e", "light=red", "operator", CaseFilter(light="red"), 1),
        ("f", "department=hwz + kind=open", "operator", CaseFilter(department="hwz", kind="open"), 1),
        ("g", "street user (operator_wenlan), no filter", "operator_wenlan", CaseFilter(), 1),
        ("h", "page 20 via cursor (no filter)", "operator", CaseFilter(), 20),
        ("i", "q=垃圾 (text search)", "operator", CaseFilter(q="垃圾"), 1),
        # Beyond the brief: deep keyset pages and a scoped user's deep page, to check the "as fast on
        # page 1,000 as on page 1" promise in queries.page().
        ("j", "page 1000 via cursor (no filter)", "operator", CaseFilter(), 1000),
        ("k", "street user, page 200 via cursor", "operator_wenlan", CaseFilter(), 200),
        ("l", "department user (handler_hwz), no filter", "handler_hwz", CaseFilter(), 1),
    ]


def cursor_for(user, f, page_no: int):
    """The cursor that opens page `page_no`: the key of the last row of page `page_no - 1`.

    Found with one OFFSET query (untimed) instead of walking the pages, which gives the same key.
    """
    from civicloop.cases import queries

    row = (queries.filtered(user, f).order_by("-reported_at", "-id")
           .only("id", "reported_at")[(page_no - 1) * LIMIT - 1])
    return queries._encode(row)


def one(user, f, cursor):
    from civicloop.cases import queries

    qs = queries.filtered(user, f)
    rows, nxt = queries.page(qs, cursor=cursor, limit=LIMIT)
    return [queries.summary(c, user) for c in rows]


def explain(user, f, cursor) -> str:
    from django.db import connection

    from civicloop.cases import queries

    qs = queries.filtered(user, f)
    if cursor:
        at, pk = queries._decode(cursor)
        from django.db.models import Q

        qs = qs.filter(Q(reported_at__lt=at) | Q(reported_at=at, id__lt=pk))
    qs = qs.select_related("category", "department").order_by("-reported_at", "-id")[: LIMIT + 1]
    if connection.vendor == "postgresql":
        return qs.explain(analyze=True, buffers=True)
    return qs.explain()


def run(kind: str, total: int, runs: int, *, show_plans: bool = False, keep: bool = False,
        keep_indexes: bool = False) -> dict:
    db = _common.Database("list", kind)
    try:
        db.setup()
        from django.db import connections
        from django.utils import timezone

        from civicloop.cases.models import Case
        from civicloop.demo.city import build_city
        from civicloop.org.models import User

        build_city()
        t0 = time.perf_counter()

        indexes = secondary_indexes(kind)
        if not keep_indexes:  # bulk-load practice: fill the table, then build its indexes by sorting
            drop_indexes(indexes)
        print(f"bench_list: generating {total:,} cases on {db.label} "
              f"({'all indexes in place' if keep_indexes else f'{len(indexes)} secondary indexes dropped'}) ...",
              flush=True)
        counts = generate(total, progress=_common.progress_printer())
        t1 = time.perf_counter()
        if not keep_indexes:
            create_indexes(indexes)
        t1i = time.perf_counter()
        db.analyze()
        t2 = time.perf_counter()
        connections.close_all()  # the queries run on a fresh connection with the product's settings
        size = database_size(db)

        users = {u.username: u for u in User.objects.filter(username__in=["operator", "operator_wenlan", "handler_hwz"])}
        today = timezone.localdate()
        results = []
        plans = {}
        for key, label, who, f, page_no in queries_to_time(today):
            user = users[who]
            cursor = cursor_for(user, f, page_no) if page_no > 1 else None
            warm = []
            for _ in range(3):
                s = time.perf_counter()
                items = one(user, f, cursor)
                warm.append(time.perf_counter() - s)
            n_runs = runs if min(warm) < 1.0 else max(5, runs // 4)  # a query of seconds: fewer runs
            times = []
            for _ in range(n_runs):
                s = time.perf_counter()
                items = one(user, f, cursor)
                times.append((time.perf_counter() - s) * 1000)
            st = _common.stats(times)
            results.append({"key": key, "label": label, "rows": len(items), "runs": n_runs, "median_ms": st["median"],
                            "p95_ms": st["p95"], "met": st["median"] <= TARGET_MS})
            if show_plans or st["median"] > TARGET_MS:
                plans[key] = explain(user, f, cursor)

        _common.header(f"bench_list: filtered case list, {total:,} cases, warm ({db.label})", db.label)
        print(f"generated {total:,} cases with bulk.insert in {t1 - t0:.0f} s ({total / (t1 - t0):,.0f}/s; no events; "
              f"{'indexes in place' if keep_indexes else f'{len(indexes)} secondary indexes dropped'})")
        if not keep_indexes:
            print(f"re-created the {len(indexes)} secondary indexes of cases_case in {t1i - t1:.0f} s")
        print(f"ANALYZE {t2 - t1i:.1f} s; database {size}")
        print(f"open {counts['open']:,} ({counts['open'] / total:.1%}) | closed {counts['closed']:,} | "
              f"void {counts['void']:,} | reported {counts['from']:%Y-%m-%d} .. {counts['to']:%Y-%m-%d}")
        print(f"each: filtered() + page(limit={LIMIT}) + summary() per row; 3 warm-ups, then {runs} runs "
              f"(fewer when one run takes seconds: see 'runs')")
        print(f"{'':4}{'query':44}{'rows':>5}{'runs':>5}{'median ms':>11}{'p95 ms':>9}  target <= {TARGET_MS:.0f} ms")
        for r in results:
            print(f"({r['key']}) {r['label']:44}{r['rows']:>5}{r['runs']:>5}{r['median_ms']:>11.1f}{r['p95_ms']:>9.1f}  "
                  f"{'MET' if r['met'] else 'NOT MET'}")
        for key, plan in plans.items():
            print(f"--- plan ({key}) ---")
            print(plan)
        assert Case.objects.count() == total
        return {"bench": "list", "db": db.label, "kind": kind, "n": total, "generate_s": t1 - t0,
                "index_s": t1i - t1, "indexes": len(indexes), "keep_indexes": keep_indexes,
                "analyze_s": t2 - t1, "size": size, "open": counts["open"], "results": results, "plans": plans}
    finally:
        db.finish(keep=keep)


def database_size(db) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if db.kind == "postgres":
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), "
                           "pg_size_pretty(pg_total_relation_size('cases_case'))")
            whole, table = cursor.fetchone()
            return f"{whole} (cases_case with indexes {table})"
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return f"{pages * cursor.fetchone()[0] / 2**20:,.0f} MiB"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print every query's plan, not only slow ones")
    parser.add_argument("--keep-indexes", action="store_true",
                        help="load with every index in place (slower; what the history seeder does)")
    parser.add_argument("--keep", action="store_true", help="leave the database behind for inspection (not dropped)")
    args = parser.parse_args(argv)
    return _common.emit(run(args.db, args.cases, args.runs, show_plans=args.explain, keep_indexes=args.keep_indexes,
                            keep=args.keep))


if __name__ == "__main__":
    main(sys.argv[1:])
