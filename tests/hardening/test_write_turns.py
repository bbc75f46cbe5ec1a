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


def b_finishes_while_a_holds_its_block(*, a_writes_first: bool) -> bool:
    """A enters `transaction.atomic()` (writing its row first when `a_writes_first`, else last) and
    holds the block open while B writes a row of its own in its own transaction. Whether B finished
    while A's block was still open. Both rows must be there in the end."""
    a_inside, b_done, a_may_end = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    errors: list = []

    def writer_a():
        with transaction.atomic():
            if a_writes_first:
                CaseSequence.objects.create(day=date(2032, 1, 1), last=1)
            a_inside.set()
            seen["b_finished"] = b_done.wait(timeout=4)
            a_may_end.wait(timeout=30)
            if not a_writes_first:
                CaseSequence.objects.create(day=date(2032, 1, 1), last=1)

    def writer_b():
        a_inside.wait(timeout=30)
        with transaction.atomic():
            CaseSequence.objects.create(day=date(2032, 1, 2), last=1)
        b_done.set()

    def run(writer):
        try:
            writer()
        except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(writer,)) for writer in (writer_a, writer_b)]
    for t in threads:
        t.start()
    b_done.wait(timeout=5)  # SQLite with A's row written: B waits for A's commit
    a_may_end.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert set(CaseSequence.objects.filter(day__year=2032).values_list("day", flat=True)) == {
        date(2032, 1, 1), date(2032, 1, 2)}
    return seen["b_finished"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_a_writer_is_not_held_up_by_a_block_that_has_not_run_a_statement_yet():
    waited = not b_finishes_while_a_holds_its_block(a_writes_first=False)
    assert not waited, f"{connection.vendor}: B waited for A's block, which had not run a statement"


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_once_a_block_has_written_other_writers_wait_for_its_commit_on_sqlite():
    """The other half: after the first statement the block is the writer until it ends (SQLite has one
    writer at a time; PostgreSQL lets writers of different rows go on)."""
    assert b_finishes_while_a_holds_its_block(a_writes_first=True) == (connection.vendor == "postgresql")


@pytest.mark.django_db
def test_a_block_that_runs_no_statement_commits_and_rolls_back_cleanly():
    with transaction.atomic():
        pass
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("before any statement")
    with transaction.atomic():
        CaseSequence.objects.create(day=date(2032, 3, 1), last=4)
    assert CaseSequence.objects.get(day=date(2032, 3, 1)).last == 4
