"""SQLite with writers handed the write lock in turn, promptly.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps 1, 2,
5, 10, 15, 20, then 25–100 ms between tries. With two app processes taking turns every few
milliseconds, those sleeps are most of a waiting report's time and make the slowest requests slow.
Here a writer first takes an advisory lock on a file beside the database (`<db>.writer`), trying
every half millisecond, and only then `BEGIN IMMEDIATE`; it lets go when the transaction ends. A
writer that has not got its turn after the busy timeout goes on to BEGIN anyway, so SQLite's own
wait and its "database is locked" error still bound the wait.

`BEGIN IMMEDIATE` (and so the turn) waits for the transaction's first statement, as psycopg's BEGIN
does on PostgreSQL: the checks and objects a report builds inside `transaction.atomic()` before it
writes (its point located, its clock started) then do not hold up the other writers.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Mapping
from functools import lru_cache

from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0005


class DatabaseWrapper(base.DatabaseWrapper):
    _turn_fd: int | None = None
    _has_turn = False
    _begin_due = False

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=Cursor)
        cursor.owner = self
        return cursor

    def _start_transaction_under_autocommit(self):
        self._begin_due = True  # sent by the first statement (Cursor)

    def begin_if_due(self) -> None:
        if not self._begin_due:
            return
        self._begin_due = False
        self._take_turn()
        try:
            self.connection.execute(f"BEGIN {self.transaction_mode or ''}")
        except BaseException:
            self._give_turn()
            raise

    def _commit(self):
        self._begin_due = False  # a transaction that ran no statement has nothing to commit
        try:
            super()._commit()
        finally:
            self._give_turn()

    def _rollback(self):
        self._begin_due = False
        try:
            super()._rollback()
        finally:
            self._give_turn()

    def _close(self):
        self._begin_due = False
        try:
            super()._close()
        finally:
            self._give_turn()
            if self._turn_fd is not None:
                os.close(self._turn_fd)
                self._turn_fd = None

    def _take_turn(self) -> None:
        if self.is_in_memory_db() or self._has_turn:
            return
        if self._turn_fd is None:
            self._turn_fd = os.open(f"{self.settings_dict['NAME']}.writer", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        while True:
            try:
                fcntl.flock(self._turn_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._has_turn = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return  # SQLite's busy timeout takes over from here
                time.sleep(POLL_SECONDS)

    def _give_turn(self) -> None:
        if self._has_turn:
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
            self._has_turn = False


class Cursor(base.SQLiteCursorWrapper):
    """Begins its connection's transaction first when one is due; converts Django's %s placeholders
    once per statement text, not on every call (a report's hot statements repeat)."""

    owner: DatabaseWrapper

    def execute(self, query, params=None):
        self.owner.begin_if_due()
        if params is None or isinstance(params, Mapping):
            return super().execute(query, params)
        return base.Database.Cursor.execute(self, _qmarks(query), params)

    def executemany(self, query, param_list):
        self.owner.begin_if_due()
        return super().executemany(query, param_list)


@lru_cache(maxsize=1024)
def _qmarks(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")
