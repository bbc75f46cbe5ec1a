"""Twenty people redeem the last five items at once: exactly five get one, the stock ends at zero,
and every balance is still the sum of its entries. Each thread has its own database connection
(PostgreSQL: the item's row lock orders the conditional UPDATEs; SQLite: the IMMEDIATE write lock)."""
from __future__ import annotations

import threading

import pytest
from django.db import connections

from civicloop.citizens.models import Citizen
from civicloop.core.errors import Conflict
from civicloop.points import queries, services
from civicloop.points.models import Entry, Item, Order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.transactional]


def _race(jobs) -> list[str]:
    barrier, results, lock = threading.Barrier(len(jobs)), [], threading.Lock()

    def run(job):
        try:
            barrier.wait()
            job()
            outcome = "ok"
        except Conflict as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _rich_citizens(n: int, points: int) -> list[Citizen]:
    people = [Citizen.objects.create(phone=f"1360000{i:04d}") for i in range(n)]
    for person in people:
        services.post(citizen_id=person.pk, amount=points, kind="earn", key=f"seed:{person.pk}", reason="开户奖励")
    return people


def test_twenty_redeem_the_last_five_items_at_once():
    item = Item.objects.create(name="环保购物袋", price=30, stock=5)
    people = _rich_citizens(20, 100)

    results = _race([lambda p=p: services.redeem(p, item.pk) for p in people])

    assert sorted(results).count("ok") == 5 and results.count("sold_out") == 15
    item.refresh_from_db()
    assert item.stock == 0
    assert Order.objects.filter(item=item).count() == 5
    assert Entry.objects.filter(kind="spend", order__item=item).count() == 5
    assert queries.balances_agree() == []
    assert sorted(services.balance(p.pk) for p in people) == [70] * 5 + [100] * 15


def test_one_citizen_spending_twenty_times_at_once_stops_at_zero():
    item = Item.objects.create(name="文明市民水杯", price=30, stock=20)
    (person,) = _rich_citizens(1, 100)

    results = _race([lambda: services.redeem(person, item.pk) for _ in range(20)])

    assert results.count("ok") == 3 and results.count("insufficient_points") == 17
    item.refresh_from_db()
    assert item.stock == 17  # the refused orders gave their item back (rolled back)
    assert services.balance(person.pk) == 10
    assert queries.balances_agree() == []


def test_a_double_tap_with_one_client_key_orders_once():
    item = Item.objects.create(name="雨伞", price=10, stock=5)
    (person,) = _rich_citizens(1, 100)

    results = _race([lambda: services.redeem(person, item.pk, client_key="tap-1") for _ in range(4)])

    assert results == ["ok"] * 4
    assert Order.objects.filter(citizen=person).count() == 1
    assert services.balance(person.pk) == 90
