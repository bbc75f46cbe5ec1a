"""The storage tricks lean on Django internals that carry no promise between releases: the SQLite backend
(civicloop/core/sqlite/base.py) overrides private DatabaseWrapper hooks and the cursor's execute, and
core/bulk.py builds its INSERTs with the backends' value adapters behind an execute wrapper. They were
checked against Django 5.2. A Django upgrade that moves any of them fails here first, saying what to
re-check, instead of in a report that silently takes no writer's turn or stores a date differently."""
from __future__ import annotations

import fcntl
import inspect
import os
import threading
from datetime import date, datetime, timedelta, timezone

import django
import pytest
from django.db import connection, connections, transaction
from django.db.backends.base import base as base_backend
from django.db.backends.base import operations as base_operations
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3 import operations as sqlite_operations

from civicloop.cases.models import CaseSequence
from civicloop.core import bulk
from civicloop.core.sqlite import base as turns

CHECKED_AGAINST = (5, 2)
RECHECK = ("civicloop/core/sqlite/base.py (the private hooks it overrides) and civicloop/core/bulk.py (the "
           "adapters and the execute wrapper) against the new Django's source, re-run "
           "benchmarks/bench_storage_tricks.py for both tricks (docs/performance.md), then update CHECKED_AGAINST")


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_django_is_the_release_the_hooks_were_checked_against():
    assert django.VERSION[:2] == CHECKED_AGAINST, f"Django {django.get_version()}: re-check {RECHECK}"


@pytest.mark.parametrize(("owner", "name", "expected"), [
    (sqlite_base.DatabaseWrapper, "create_cursor", ["self", "name"]),
    (sqlite_base.DatabaseWrapper, "_start_transaction_under_autocommit", ["self"]),
    (sqlite_base.DatabaseWrapper, "is_in_memory_db", ["self"]),
    (base_backend.BaseDatabaseWrapper, "_commit", ["self"]),
    (base_backend.BaseDatabaseWrapper, "_rollback", ["self"]),
    (base_backend.BaseDatabaseWrapper, "_close", ["self"]),
    (base_backend.BaseDatabaseWrapper, "execute_wrapper", ["self", "wrapper"]),
    (sqlite_base.SQLiteCursorWrapper, "execute", ["self", "query", "params"]),
    (sqlite_base.SQLiteCursorWrapper, "executemany", ["self", "query", "param_list"]),
    (sqlite_base.SQLiteCursorWrapper, "convert_query", ["self", "query", "param_names"]),
    (base_operations.BaseDatabaseOperations, "adapt_datefield_value", ["self", "value"]),
    (base_operations.BaseDatabaseOperations, "adapt_datetimefield_value", ["self", "value"]),
    (base_operations.BaseDatabaseOperations, "adapt_decimalfield_value",
     ["self", "value", "max_digits", "decimal_places"]),
    (base_operations.BaseDatabaseOperations, "sequence_reset_sql", ["self", "style", "model_list"]),
])
def test_the_hooks_the_tricks_override_or_call_keep_their_names_and_parameters(owner, name, expected):
    assert hasattr(owner, name), f"{owner.__qualname__}.{name} is gone: re-check {RECHECK}"
    assert parameters(getattr(owner, name)) == expected, (
        f"{owner.__qualname__}.{name}{inspect.signature(getattr(owner, name))}: re-check {RECHECK}")


def test_django_still_calls_the_overridden_hooks_where_the_backend_expects():
    """Overriding a hook only helps if Django still goes through it: atomic() begins through
    _start_transaction_under_autocommit, and commit/rollback/close end through _commit/_rollback/_close
    (where the backend gives the writer's turn back)."""
    callers = {
        base_backend.BaseDatabaseWrapper.set_autocommit: "self._start_transaction_under_autocommit()",
        base_backend.BaseDatabaseWrapper.commit: "self._commit()",
        base_backend.BaseDatabaseWrapper.rollback: "self._rollback()",
        base_backend.BaseDatabaseWrapper.close: "self._close()",
    }
    for caller, call in callers.items():
        assert call in inspect.getsource(caller), f"{caller.__qualname__} no longer runs {call}: re-check {RECHECK}"
    assert issubclass(sqlite_base.SQLiteCursorWrapper, sqlite_base.Database.Cursor), RECHECK
    assert "transaction_mode" in inspect.getsource(sqlite_base.DatabaseWrapper.get_connection_params), RECHECK


def test_the_cached_placeholder_conversion_matches_djangos():
    """The backend converts %s to ? itself (once per statement text) and skips Django's convert_query."""
    cursor = sqlite_base.SQLiteCursorWrapper.__new__(sqlite_base.SQLiteCursorWrapper)
    for sql in ['SELECT "a" FROM "t" WHERE "b" = %s AND "c" LIKE \'x%%\' ESCAPE \'\\\'', "INSERT INTO t VALUES (%s, %s)"]:
        assert turns._qmarks(sql) == cursor.convert_query(sql), RECHECK


def test_bulk_stores_a_datetime_on_sqlite_exactly_as_django_does():
    ops = sqlite_operations.DatabaseOperations(connection=None)
    for value in (datetime(2031, 6, 1, 2, 3, 4, 567, tzinfo=timezone.utc), datetime(2031, 6, 1, 10, tzinfo=timezone.utc),
                  datetime(2031, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=8)))):
        django_form = ops.adapt_datetimefield_value(value.astimezone(timezone.utc).replace(tzinfo=None))
        assert bulk._sqlite_datetime(value) == django_form, RECHECK


# ---------------------------------------------------------------------------- the writer's turn, for real


def sqlite_with_turns():
    if connection.vendor != "sqlite":
        pytest.skip("the writer's turn is SQLite's (PostgreSQL has row locks)")
    assert isinstance(connections["default"], turns.DatabaseWrapper), "SQLite is not running civicloop.core.sqlite"
    return connection.settings_dict["NAME"] + ".writer"


def turn_is_free(lock_path: str) -> bool:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_a_writer_holds_the_turn_from_its_first_statement_to_its_commit():
    lock_path = sqlite_with_turns()
    inside, wrote, may_commit = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    errors: list = []

    def writer():
        try:
            with transaction.atomic():
                inside.set()
                seen["free_before_writing"] = turn_is_free(lock_path)
                CaseSequence.objects.create(day=date(2033, 1, 1), last=1)
                wrote.set()
                may_commit.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert wrote.wait(timeout=30)
    held_while_writing = not turn_is_free(lock_path)
    may_commit.set()
    thread.join(timeout=60)
    assert not errors, errors
    assert seen["free_before_writing"], "the turn was taken on entering atomic(), before any statement"
    assert held_while_writing, "a writing transaction did not hold the writer's turn"
    assert turn_is_free(lock_path), "the turn was not given back at commit"


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_concurrent_writers_all_succeed_without_database_is_locked():
    sqlite_with_turns()
    writers, each = 6, 25
    start = threading.Barrier(writers)
    errors: list = []

    def writer(n: int):
        try:
            start.wait(timeout=30)
            for i in range(each):
                with transaction.atomic():
                    CaseSequence.objects.create(day=date(2034, 1, 1) + timedelta(days=n * each + i), last=n)
                    CaseSequence.objects.filter(day=date(2034, 1, 1) + timedelta(days=n * each + i)).update(last=n + 1)
        except Exception as exc:  # noqa: BLE001 - "database is locked" would land here
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert CaseSequence.objects.filter(day__year__gte=2034).count() == writers * each
