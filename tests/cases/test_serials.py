"""The day's serial in a case reference: unique, increasing, and on PostgreSQL taken without waiting
for another creator's transaction (civicloop/cases/serials.py)."""
from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from civicloop.cases import serials, services
from civicloop.cases.models import CaseSequence
from civicloop.org.models import User
from tests.conftest import WENLAN

SH = ZoneInfo("Asia/Shanghai")


def report(day: date, hour: int = 10, **kwargs):
    return services.report_case(actor=User.objects.get(username="operator"), channel="hotline", lon=WENLAN[0],
                                lat=WENLAN[1], description="垃圾满溢", now=datetime(day.year, day.month, day.day, hour,
                                                                               tzinfo=SH), **kwargs)


def serial_of(case) -> int:
    return int(case.reference.rsplit("-", 1)[1])


@pytest.mark.django_db
def test_a_days_serials_count_up_from_one_and_the_next_day_starts_again():
    first, second = report(date(2031, 3, 2)), report(date(2031, 3, 2), 11)
    assert (first.reference, second.reference) == ("532503-20310302-000001", "532503-20310302-000002")
    assert report(date(2031, 3, 3)).reference == "532503-20310303-000001"


@pytest.mark.django_db
def test_a_rolled_back_report_leaves_no_case_and_the_next_report_is_still_new():
    day = date(2031, 4, 5)
    kept = report(day)
    with pytest.raises(RuntimeError), transaction.atomic():
        report(day, 11)
        raise RuntimeError("a receiver failed")
    after = report(day, 12)
    assert serial_of(after) > serial_of(kept)
    # PostgreSQL: the rolled-back report used a number (a gap, as with any sequence); SQLite: dense.
    assert serial_of(after) == (3 if connection.vendor == "postgresql" else 2)


@pytest.mark.django_db
def test_an_imported_floor_puts_live_reports_after_it_before_and_after_the_days_first_report():
    fresh, started = date(2031, 5, 1), date(2031, 5, 2)
    serials.raise_floor(fresh, 40)
    assert serial_of(report(fresh)) == 41
    assert serial_of(report(started)) == 1  # the day's sequence exists now
    serials.raise_floor(started, 70)
    serials.raise_floor(started, 10)  # lower than what was given: changes nothing
    assert serial_of(report(started, 11)) == 71


@pytest.mark.django_db
def test_a_reservation_gives_each_day_as_many_new_serials_as_asked():
    day = date(2031, 6, 1)
    live = report(day)
    reserved = serials.reserve({day: 3, date(2031, 6, 2): 2, date(2031, 6, 3): 0})
    assert reserved == {day: [2, 3, 4], date(2031, 6, 2): [1, 2]}
    assert serial_of(report(day, 11)) == 5 and serial_of(live) == 1


@pytest.mark.django_db
def test_retired_days_keep_their_count_in_the_table_and_go_on_after_it():
    old = date(2031, 7, 1)
    report(old), report(old, 11)
    retired = serials.retire_old(now=datetime(2031, 7, 10, tzinfo=SH))
    assert CaseSequence.objects.get(day=old).last == 2
    if connection.vendor == "postgresql":
        assert retired >= 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname = 'cases_serial_20310701'")
            assert cursor.fetchone()[0] == 0
    assert serial_of(report(old, 12)) == 3  # a late report of that day, e.g. an import


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_a_second_creator_is_not_held_up_by_the_first_ones_open_transaction():
    """PostgreSQL: the day's sequence (made ahead by the worker) never waits, so B files while A's
    transaction is still open.
    SQLite: one writer at a time, so B waits for A's commit, and the numbers stay dense."""
    from civicloop.demo import city as demo_city
    from civicloop.geo.models import Grid

    if not Grid.objects.exists():  # an earlier transactional test flushed it
        demo_city.build_city()
    day = date(2031, 8, 1)
    serials.keep_day_serials(now=datetime(2031, 8, 1, 8, tzinfo=SH))  # as the worker does each day
    a_open, b_done, a_may_commit = threading.Event(), threading.Event(), threading.Event()
    refs: dict[str, str] = {}

    def creator_a():
        try:
            with transaction.atomic():
                refs["a"] = report(day).reference
                a_open.set()
                a_may_commit.wait(timeout=30)
        finally:
            connections.close_all()

    def creator_b():
        try:
            a_open.wait(timeout=30)
            refs["b"] = report(day, 11).reference
            b_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=creator_a), threading.Thread(target=creator_b)]
    for t in threads:
        t.start()
    b_finished_while_a_open = b_done.wait(timeout=5)
    a_may_commit.set()
    for t in threads:
        t.join()
    assert {refs["a"], refs["b"]} == {"532503-20310801-000001", "532503-20310801-000002"}
    assert b_finished_while_a_open == (connection.vendor == "postgresql")
