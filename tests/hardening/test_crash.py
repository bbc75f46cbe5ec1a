"""Crash safety: no acknowledged report is lost or doubled when the server is killed.

5,000 reports, each with its own client key, go to a real `civicloop serve` (gunicorn, 2 workers)
from 16 client threads, as a phone's outbox would send them. The server is killed with SIGKILL
twice mid-load and started again; on PostgreSQL the database also drops every connection of the
server once (pg_terminate_backend, as when the database restarts). A client that gets no answer,
or a 5xx, sends the same report again with the same key until it is acknowledged (200/201).
Afterwards every acknowledged report exists exactly once, with the reference it was acknowledged
with, and no report exists twice.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from civicloop.cases.models import Case
from civicloop.org import keys
from civicloop.org.models import User
from tests.conftest import WENLAN
from tests.hardening.server import Server, ensure_city

pytestmark = [pytest.mark.transactional, pytest.mark.django_db(transaction=True)]

REPORTS = 5000
CLIENTS = 16
KILL_AFTER = (1500, 3000)  # acknowledged reports before each SIGKILL
DROP_CONNECTIONS_AFTER = 4000  # PostgreSQL: every server connection terminated once


class Outbox:
    """What the phones hold: each report is retried with its key until the server acknowledges it."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.acknowledged: dict[str, str] = {}  # client key → reference
        self.failures = Counter()  # what went wrong on the way (connection refused, 500, …)
        self.lock = threading.Lock()

    def send(self, n: int) -> None:
        key = f"crash-{uuid.uuid4().hex}"
        body = json.dumps({"lon": WENLAN[0], "lat": WENLAN[1], "description": f"crash test report {n} {key}",
                           "client_key": key}).encode()
        for attempt in range(400):
            reference, failure = self._post(body)
            if reference:
                with self.lock:
                    self.acknowledged[key] = reference
                return
            with self.lock:
                self.failures[failure] += 1
            time.sleep(min(0.05 * (attempt + 1), 0.5))
        raise AssertionError(f"report {n} was never acknowledged")

    def _post(self, body: bytes):
        request = urllib.request.Request(f"{self.base}/api/cases", data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read())["reference"], ""
        except urllib.error.HTTPError as error:
            if error.code < 500:
                raise AssertionError(f"refused: {error.code} {error.read()[:200]!r}") from error
            return "", f"http {error.code}"
        # refused, reset, or cut off mid-answer (IncompleteRead: killed while sending the body; the report
        # may be saved, and the retry with the same client_key must get the same reference)
        except (OSError, ValueError, http.client.HTTPException) as error:
            return "", type(error).__name__


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _drop_server_connections(keep: int) -> int:
    """What the server sees when PostgreSQL restarts: every connection cut (the test's own kept)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)", [keep])
            return cursor.fetchone()[0]
    finally:
        connection.close()  # this thread's own connection


def test_no_acknowledged_report_is_lost_or_doubled_when_the_server_is_killed(tmp_path):
    ensure_city()
    operator = User.objects.get(username="operator")
    _, token = keys.issue(keys.STAFF, operator, label="crash test")
    server = Server(workers=2, log=tmp_path / "server.log")
    server.start()
    outbox = Outbox(server.base, token)
    events, test_pid = [], _backend_pid() if connection.vendor == "postgresql" else 0

    clients_done = threading.Event()  # a client that failed ends the sends: the killer must not wait on

    def chaos():
        for threshold in KILL_AFTER:
            while len(outbox.acknowledged) < threshold:
                if clients_done.is_set():
                    return
                time.sleep(0.02)
            server.kill()
            events.append(f"killed at {len(outbox.acknowledged)}")
            time.sleep(0.5)  # clients hit a closed port meanwhile
            server.start()
        if connection.vendor == "postgresql":
            while len(outbox.acknowledged) < DROP_CONNECTIONS_AFTER:
                if clients_done.is_set():
                    return
                time.sleep(0.02)
            events.append(f"dropped {_drop_server_connections(test_pid)} connections at {len(outbox.acknowledged)}")

    try:
        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            killer = pool.submit(chaos)
            try:
                for sent in pool.map(outbox.send, range(REPORTS)):
                    assert sent is None
            finally:
                clients_done.set()
            killer.result()
    finally:
        server.stop()
    print(f"\n{events}; failed attempts retried: {dict(outbox.failures)}")

    stored = dict(Case.objects.filter(client_key__startswith="crash-").values_list("client_key", "reference"))
    assert len(outbox.acknowledged) == REPORTS
    assert stored == outbox.acknowledged  # every acknowledged report once, with the reference it was given
    descriptions = Counter(Case.objects.filter(description__startswith="crash test report ")
                           .values_list("description", flat=True))
    assert len(descriptions) == REPORTS and set(descriptions.values()) == {1}  # nothing stored twice
    assert len(events) == (3 if connection.vendor == "postgresql" else 2)
    assert sum(outbox.failures.values()) > 0  # the kills really cut requests off
