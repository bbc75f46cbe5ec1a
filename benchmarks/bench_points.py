"""Points: the ledger's one door, the mall under contention, and the same-photo fraud signal.

    .venv/bin/python benchmarks/bench_points.py [--db sqlite|postgres] [--entries 5000] [--threads 8]
                                                [--orders 400] [--photos 100000] [--keep]

1. `points.services.post` earning: --entries entries over 500 citizens, one at a time (each its own
   transaction: insert the keyed entry, conditional UPDATE of the balance).
2. The mall: --threads threads (each its own connection) redeem --orders times in all from one item
   whose stock is half of that; the rest must be refused. Checked: stock 0, every balance = Σ entries.
3. The same-photo signal at filing: one report's photo against --photos other report photos of the
   lookback window (services.same_photo: dHash strings, Hamming distance in Python).
"""
from __future__ import annotations

import argparse
import random
import threading
import time

import _common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = _common.Database("points", args.db)
    try:
        db.setup()
        _common.header("points: ledger, mall under contention, same-photo signal", db.label)
        from civicloop.citizens.models import Citizen

        people = Citizen.objects.bulk_create([Citizen(phone=f"135{i:08d}") for i in range(500)])
        ledger(people, args.entries)
        mall(people, args.threads, args.orders)
        photos(args.photos)
    finally:
        db.finish(keep=args.keep)


def ledger(people, n: int) -> None:
    from civicloop.points import services

    times = []
    for i in range(n):
        person = people[i % len(people)]
        started = time.perf_counter()
        services.post(citizen_id=person.pk, amount=5, kind="earn", key=f"bench:{i}", reason="上报立案")
        times.append((time.perf_counter() - started) * 1000)
    s = _common.stats(times)
    print(f"post (earn): {n} entries, {1000 / s['mean']:.0f}/s one at a time; ms p50 {s['median']:.2f} p95 {s['p95']:.2f}")


def mall(people, threads: int, orders: int) -> None:
    from django.db import connections

    from civicloop.core.errors import Conflict
    from civicloop.points import queries, services
    from civicloop.points.models import Item

    item = Item.objects.create(name="bench", price=1, stock=orders // 2)
    outcomes: list[str] = []
    lock = threading.Lock()
    per_thread = orders // threads

    def run(t: int) -> None:
        try:
            for k in range(per_thread):
                person = people[(t * per_thread + k) % len(people)]
                try:
                    services.redeem(person, item.pk)
                    result = "ok"
                except Conflict as exc:
                    result = exc.code
                with lock:
                    outcomes.append(result)
        finally:
            connections.close_all()

    started = time.perf_counter()
    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    item.refresh_from_db()
    wrong = queries.balances_agree()
    print(f"redeem: {len(outcomes)} attempts from {threads} threads in {elapsed:.2f} s ({len(outcomes) / elapsed:.0f}/s); "
          f"{outcomes.count('ok')} ok, {outcomes.count('sold_out')} sold out; stock {item.stock}; "
          f"balances ≠ Σ entries: {len(wrong)}")
    assert item.stock == 0 and outcomes.count("ok") == orders // 2 and not wrong


def photos(n: int) -> None:
    from civicloop.cases import services as cases
    from civicloop.cases.models import Attachment
    from civicloop.demo import city
    from civicloop.points import services

    city.build_city()
    mine = cases.report_case(actor=None, channel="citizen", lon=103.385, lat=23.367, description="bench", category="06010")
    other = cases.report_case(actor=None, channel="citizen", lon=103.386, lat=23.367, description="bench", category="06010")
    rng = random.Random(7)
    rows = [Attachment(case=other, kind="before", content_type="image/jpeg", size=1, sha256="x",
                       phash=f"{rng.getrandbits(64):016x}") for _ in range(n)]
    Attachment.objects.bulk_create(rows, batch_size=5000)
    Attachment.objects.create(case=mine, kind="before", content_type="image/jpeg", size=1, sha256="x",
                              phash=rows[n // 2].phash)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        found = services.same_photo(mine)
        times.append((time.perf_counter() - started) * 1000)
    assert found and other.reference in found[0]["detail"]
    print(f"same_photo: one photo against {n} photos: median {sorted(times)[2]:.0f} ms (5 runs)")


if __name__ == "__main__":
    main()
