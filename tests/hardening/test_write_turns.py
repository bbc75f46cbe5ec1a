"""When a transaction starts to hold up other writers: at its first statement, not when the code enters
`transaction.atomic()` (civicloop/core/sqlite/base.py on SQLite; psycopg's own lazy BEGIN on
PostgreSQL). A report checks its point and builds its case inside the block before it writes; that
work must not make every other writer wait."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections, transaction

from civicloop.cases.models import CaseSequence


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_a_writer_is_not_held_up_by_a_block_that_has_not_run_a_statement_yet():
    inside, b_done, a_may_go = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    errors: list = []

    def writer_a():
        try:
            with transaction.atomic():
                inside.set()
                seen["b_finished_while_a_was_inside"] = b_done.wait(timeout=10)
                a_may_go.wait(timeout=30)
                CaseSequence.objects.create(day=date(2032, 1, 1), last=1)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def writer_b():
        try:
            inside.wait(timeout=30)
            with transaction.atomic():
                CaseSequence.objects.create(day=date(2032, 1, 2), last=1)
            b_done.set()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    b_done.wait(timeout=15)
    a_may_go.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert seen["b_finished_while_a_was_inside"], f"{connection.vendor}: B waited for A's empty block"
    assert set(CaseSequence.objects.filter(day__year=2032).values_list("day", flat=True)) == {
        date(2032, 1, 1), date(2032, 1, 2)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_once_a_block_has_written_other_writers_wait_for_its_commit_on_sqlite():
    """The other half: after the first statement the block is the writer until it ends (SQLite has one
    writer at a time; PostgreSQL lets writers of different rows go on)."""
    wrote, b_done, a_may_commit = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    errors: list = []

    def writer_a():
        try:
            with transaction.atomic():
                CaseSequence.objects.create(day=date(2032, 2, 1), last=1)
                wrote.set()
                seen["b_finished_before_a_committed"] = b_done.wait(timeout=3)
                a_may_commit.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    def writer_b():
        try:
            wrote.wait(timeout=30)
            with transaction.atomic():
                CaseSequence.objects.create(day=date(2032, 2, 2), last=1)
            b_done.set()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    wrote.wait(timeout=30)
    b_done.wait(timeout=4)  # PostgreSQL: B is done by now; SQLite: B waits for A
    a_may_commit.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert seen["b_finished_before_a_committed"] == (connection.vendor == "postgresql")
    assert CaseSequence.objects.filter(day__year=2032).count() == 2


@pytest.mark.django_db
def test_a_block_that_runs_no_statement_commits_and_rolls_back_cleanly():
    with transaction.atomic():
        pass
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("before any statement")
    with transaction.atomic():
        CaseSequence.objects.create(day=date(2032, 3, 1), last=4)
    assert CaseSequence.objects.get(day=date(2032, 3, 1)).last == 4
