"""Two people act on one case at once: exactly one wins, the other gets 409, one event is written."""
from __future__ import annotations

import threading

import pytest
from django.db import connections

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.core.errors import Conflict
from civicloop.org.models import User
from tests.conftest import WENLAN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.transactional]


@pytest.fixture
def city(django_db_blocker):
    from civicloop.demo import city as demo_city
    from civicloop.geo.models import Grid

    if not Grid.objects.exists():  # an earlier transactional test flushed it
        demo_city.build_city()


def test_two_dispatchers_at_once_one_wins_one_gets_409(city):
    """On PostgreSQL the row lock orders the two updates; on SQLite the IMMEDIATE write lock does."""
    operator = User.objects.get(username="operator")
    case = services.report_case(actor=operator, channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                                description="井盖破损", category="01002")
    services.file_case(case, operator)
    dispatcher = User.objects.get(username="dispatcher")
    barrier, results = threading.Barrier(2), []

    def dispatch(department):
        try:
            mine = Case.objects.get(pk=case.pk)  # both read version 2 before either writes
            barrier.wait()
            services.dispatch_case(mine, dispatcher, version=mine.version, department=department)
            results.append(("ok", department))
        except Conflict as exc:
            results.append(("conflict", str(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch, args=(d,)) for d in ("swj", "szgs")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(r[0] for r in results) == ["conflict", "ok"]
    winner = next(r[1] for r in results if r[0] == "ok")
    case.refresh_from_db()
    assert case.state == "dispatched" and case.department_id == winner and case.version == 3
    assert case.events.filter(action="dispatch").count() == 1


def test_a_double_click_through_the_api_gives_one_transition(city, live_server):
    """Two identical requests race through the real server; one 200 and one 409 with a clear message."""
    import json
    import urllib.error
    import urllib.request

    from civicloop.org import keys

    operator = User.objects.get(username="operator")
    case = services.report_case(actor=operator, channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                                description="双击测试", category="06010")
    _, raw = keys.issue(keys.STAFF, operator)
    barrier, statuses = threading.Barrier(2), []

    def click():
        request = urllib.request.Request(
            f"{live_server.url}/api/cases/{case.reference}/file", data=json.dumps({"version": 1}).encode(),
            headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}, method="POST")
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append((response.status, ""))
        except urllib.error.HTTPError as exc:
            statuses.append((exc.code, json.loads(exc.read())["detail"]))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s for s, _ in statuses) == [200, 409]
    assert "已被他人更新" in next(d for s, d in statuses if s == 409)
    case.refresh_from_db()
    assert case.state == "filed" and case.events.filter(action="file").count() == 1
