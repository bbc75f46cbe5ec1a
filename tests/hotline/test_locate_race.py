"""Two operators place the same waiting order at once: one case, and the other is told it is placed."""
from __future__ import annotations

import threading

import pytest
from django.db import connections

from civicloop.cases.models import Case
from civicloop.core.errors import Conflict
from civicloop.hotline import services
from civicloop.hotline.models import HotlineOrder
from civicloop.org.models import User
from tests.conftest import WENLAN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.transactional]


@pytest.fixture
def city(django_db_blocker):
    from civicloop.demo import city as demo_city
    from civicloop.geo.models import Grid

    if not Grid.objects.exists():  # an earlier transactional test flushed it
        demo_city.build_city()


def test_two_operators_placing_at_once_make_one_case(city):
    system, _key = services.create_system(name="12345 并发")
    # No gazetteer here: the geocoder finds nothing, so the order waits.
    order = services.receive_order(system, order_id="R1", content="占道经营", address="某某路某号").order
    assert order.status == "to_locate"
    people = [User.objects.get(username=name) for name in ("operator", "leader")]
    before = Case.objects.filter(channel="hotline").count()  # a browser test's committed cases may be there
    barrier, results = threading.Barrier(2), []

    def place(person, dx):
        try:
            barrier.wait()
            placed = services.place_order(order.pk, actor=person, lon=WENLAN[0] + dx, lat=WENLAN[1], crs="wgs84")
            results.append(("ok", placed.case.reference))
        except Conflict as exc:
            results.append(("conflict", exc.message))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=place, args=(p, i * 0.0005)) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(r[0] for r in results) == ["conflict", "ok"], results
    reference = next(r[1] for r in results if r[0] == "ok")
    assert reference in next(r[1] for r in results if r[0] == "conflict")
    assert Case.objects.filter(channel="hotline").count() == before + 1
    assert HotlineOrder.objects.get(pk=order.pk).case.reference == reference
