"""`civicloop worker`: each job runs when it is due and not before, a busy job drains its backlog, a
failing one is logged and does not stop the others, JobRun rows and /healthz tell how the jobs went."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from civicloop.core import extensions
from civicloop.core.extensions import Job
from civicloop.ops.models import JobRun
from civicloop.ops.worker import HEARTBEAT, Scheduler, late_after
from civicloop.taxonomy import queries

pytestmark = pytest.mark.django_db

EVERY_10_S = {"every": timedelta(seconds=10), "budget": timedelta(seconds=5)}
HOURLY = {"every": timedelta(hours=1), "budget": timedelta(seconds=5)}


class FakeClock:
    def __init__(self):
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return datetime(2026, 6, 1, 8, tzinfo=UTC) + timedelta(seconds=self.seconds)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


class Counting:
    """A job that returns the given amounts of work in turn, then 0."""

    def __init__(self, *amounts: int):
        self.amounts, self.calls = list(amounts), 0

    def __call__(self) -> int:
        self.calls += 1
        return self.amounts.pop(0) if self.amounts else 0


def failing() -> int:
    raise RuntimeError("the provider is down")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def only_these_jobs(monkeypatch):
    """Declare jobs as an app would (AppConfig.worker_jobs), in place of every app's own."""
    def declare(*jobs: Job) -> None:
        for config in apps.get_app_configs():
            monkeypatch.setattr(config, "worker_jobs", [], raising=False)
        monkeypatch.setattr(apps.get_app_config("ops"), "worker_jobs", list(jobs), raising=False)
    return declare


@pytest.fixture
def calendar_known(monkeypatch):
    monkeypatch.setattr(queries, "today", lambda: date(2026, 6, 1))  # a day whose holidays are known


def test_a_job_runs_when_due_and_not_before(clock):
    job = Counting()
    scheduler = Scheduler([Job("tidy", job, **EVERY_10_S)], clock=clock)

    scheduler.run_due()  # every job runs at the worker's start
    clock.advance(9.9)
    scheduler.run_due()
    assert job.calls == 1
    clock.advance(0.1)
    scheduler.run_due()
    assert job.calls == 2
    assert scheduler.seconds_to_next() == pytest.approx(10)


def test_a_job_that_did_work_runs_again_at_once_until_its_backlog_is_drained(clock):
    job = Counting(500, 500, 20)
    scheduler = Scheduler([Job("photos", job, **EVERY_10_S)], clock=clock)

    done = [scheduler.run_due() for _turn in range(5)]

    assert done == [500, 500, 20, 0, 0] and job.calls == 4  # the fifth turn: not due for 10 s
    assert JobRun.objects.get(name="photos").last_busy_at == clock.now()


def test_the_worker_sleeps_until_the_next_job_is_due(clock):
    scheduler = Scheduler([Job("a", Counting(), **HOURLY), Job("b", Counting(), **EVERY_10_S)], clock=clock)
    scheduler.run_due()
    clock.advance(4)
    assert scheduler.seconds_to_next() == pytest.approx(6)


def test_idle_runs_are_counted_in_memory_and_written_with_the_heartbeat(clock, django_assert_num_queries):
    job = Counting()
    scheduler = Scheduler([Job("tidy", job, **EVERY_10_S)], clock=clock)
    scheduler.run_due()  # the first run writes the row (an UPDATE, then the INSERT and the UPDATE again)
    row = JobRun.objects.get(name="tidy")
    assert row.runs == 1 and row.last_done == 0 and row.last_finished_at == clock.now()

    for _turn in range(3):
        clock.advance(10)
        with django_assert_num_queries(0):
            scheduler.run_due()
    clock.advance(HEARTBEAT - 30)
    with django_assert_num_queries(1):  # one UPDATE for the four runs
        scheduler.run_due()
    assert JobRun.objects.get(name="tidy").runs == 5 and job.calls == 5


def test_a_failing_job_is_logged_with_its_name_and_the_others_still_run(clock, caplog):
    after = Counting(3)
    scheduler = Scheduler([Job("deliveries", failing, **EVERY_10_S), Job("photos", after, **EVERY_10_S)],
                          clock=clock)

    with caplog.at_level(logging.INFO, logger="civicloop.worker"):
        assert scheduler.run_due() == 3

    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert failure.name == "civicloop.worker" and failure.job == "deliveries"
    assert "deliveries" in failure.getMessage() and failure.exc_info[0] is RuntimeError
    assert after.calls == 1 and any(r.job == "photos" and r.done == 3 for r in caplog.records)
    row = JobRun.objects.get(name="deliveries")
    assert row.last_failed and row.failures == 1 and row.last_error_at == clock.now()
    assert "RuntimeError: the provider is down" in row.last_error


def test_a_failed_job_is_tried_again_within_a_minute_whatever_its_interval(clock):
    calls = []

    def flaky() -> int:
        calls.append(clock.seconds)
        if len(calls) == 1:
            raise ConnectionError("the database is restarting")
        return 0

    scheduler = Scheduler([Job("forgotten messages", flaky, **HOURLY)], clock=clock)
    scheduler.run_due()
    clock.advance(60)
    scheduler.run_due()
    clock.advance(60)
    scheduler.run_due()

    assert calls == [0, 60]  # then hourly again
    row = JobRun.objects.get(name="forgotten messages")
    assert not row.last_failed and row.failures == 1 and row.runs == 2  # the recovery is written at once
    assert "ConnectionError" in row.last_error


def test_a_run_over_its_budget_is_logged_as_a_warning(clock, caplog):
    def slow() -> int:
        clock.advance(12)
        return 0

    scheduler = Scheduler([Job("reports", slow, every=timedelta(minutes=1), budget=timedelta(seconds=10))],
                          clock=clock)
    with caplog.at_level(logging.WARNING, logger="civicloop.worker"):
        scheduler.run_due()

    warning = next(r for r in caplog.records if r.levelno == logging.WARNING)
    assert warning.job == "reports" and "budget" in warning.getMessage()
    assert JobRun.objects.get(name="reports").last_seconds == 12


def test_a_database_that_refuses_the_record_does_not_stop_the_worker(clock, monkeypatch, caplog):
    from django.db import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    job = Counting(2)
    scheduler = Scheduler([Job("photos", job, **EVERY_10_S)], clock=clock)
    with monkeypatch.context() as patched:
        patched.setattr("django.db.models.query.QuerySet.update", refuse)
        with caplog.at_level(logging.WARNING, logger="civicloop.worker"):
            assert scheduler.run_due() == 2
    assert any(r.job == "photos" and "could not be recorded" in r.getMessage() for r in caplog.records)

    scheduler.run_due()  # the database is back: what was kept in memory is written
    row = JobRun.objects.get(name="photos")
    assert row.runs == 2 and row.last_busy_at is not None


def test_worker_once_drains_every_declared_job_and_records_them(only_these_jobs):
    backlog, idle = Counting(100, 100, 7), Counting()
    only_these_jobs(Job("photos", backlog, every=timedelta(hours=1), budget=timedelta(seconds=5)),
                    Job("tidy", idle, **HOURLY))

    call_command("worker", "--once")

    assert backlog.calls == 4 and idle.calls == 4  # --once ignores intervals: rounds until all are idle
    runs = dict(JobRun.objects.values_list("name", "runs"))
    assert runs == {"photos": 4, "tidy": 4}


def test_worker_once_goes_on_past_a_failing_job(only_these_jobs, caplog):
    after = Counting(1)
    only_these_jobs(Job("boom", failing, **HOURLY), Job("photos", after, **HOURLY))

    with caplog.at_level(logging.ERROR, logger="civicloop.worker"):
        call_command("worker", "--once")

    assert after.calls == 2 and [r.job for r in caplog.records] == ["boom", "boom"]


def test_healthz_shows_each_jobs_last_run_and_last_error(only_these_jobs, clock, client, calendar_known):
    jobs = [Job("boom", failing, **HOURLY), Job("photos", Counting(2), **EVERY_10_S), Job("never", Counting(), **HOURLY)]
    only_these_jobs(*jobs)
    Scheduler(jobs[:2]).run_due()

    body = client.get("/healthz").json()

    assert body["status"] == "ok"  # no worker expected outside production: nothing is late
    boom, photos, never = body["worker"]["jobs"]
    assert boom["name"] == "boom" and boom["failed"] is True and boom["last_error"]["type"] == "RuntimeError"
    assert "provider" not in str(body)  # the message stays in the log and the admin
    assert photos["done"] == 2 and photos["every_s"] == 10 and "last_run" in photos and "seconds" in photos
    assert "last_run" not in never


def test_healthz_is_degraded_when_a_job_is_overdue_while_a_worker_is_expected(only_these_jobs, client, settings,
                                                                              calendar_known):
    deliveries, reports = Job("deliveries", Counting(), **EVERY_10_S), Job("reports", Counting(), **HOURLY)
    only_these_jobs(deliveries, reports)
    settings.WORKER_EXPECTED = True
    now = timezone.now()
    JobRun.objects.create(name="reports", last_finished_at=now - timedelta(minutes=50))
    JobRun.objects.create(name="deliveries", last_finished_at=now - timedelta(seconds=30))
    assert client.get("/healthz").json()["status"] == "ok"

    JobRun.objects.filter(name="deliveries").update(last_finished_at=now - late_after(deliveries) - timedelta(seconds=5))
    body = client.get("/healthz").json()

    assert body["status"] == "degraded" and body["worker"]["ok"] is False
    assert [(j["name"], j["ok"], j.get("problem")) for j in body["worker"]["jobs"]] == [
        ("deliveries", False, "overdue"), ("reports", True, None)]
    settings.WORKER_EXPECTED = False
    assert client.get("/healthz").json()["status"] == "ok"


def test_healthz_is_degraded_while_no_worker_has_run_and_one_is_expected(only_these_jobs, client, settings,
                                                                          calendar_known):
    only_these_jobs(Job("deliveries", Counting(), **EVERY_10_S))
    settings.WORKER_EXPECTED = True
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["worker"]["jobs"][0]["problem"] == "never ran"


def test_healthz_still_answers_while_the_job_runs_table_is_missing(client, monkeypatch, settings, calendar_known):
    from django.db import ProgrammingError

    def missing(*args, **kwargs):  # new code, its migration not yet run: a deploy under way
        raise ProgrammingError('relation "ops_jobrun" does not exist')

    monkeypatch.setattr(JobRun.objects, "filter", missing)
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    settings.WORKER_EXPECTED = True
    assert client.get("/healthz").json()["worker"] == {"ok": False, "expected": True,
                                                     "problem": "job runs unreadable", "jobs": []}


def test_the_worker_wakes_at_once_when_asked_to_stop(only_these_jobs, monkeypatch):
    from civicloop.ops.management.commands import worker

    monkeypatch.setattr(worker, "MAX_SLEEP", 30.0)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)  # keep the test's transaction
    only_these_jobs(Job("tidy", Counting(), **HOURLY))
    previous = signal.getsignal(signal.SIGTERM)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    try:
        call_command("worker")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert time.monotonic() - started < 5
    assert JobRun.objects.get(name="tidy").runs == 1


def test_every_declared_job_is_a_job_with_its_interval_and_a_name_of_its_own():
    declared = [entry for _app, entries in extensions._declared("worker_jobs") for entry in entries]
    assert declared and all(isinstance(entry, Job) for entry in declared), \
        "declare worker jobs as core.extensions.Job(name, path, every=…, budget=…)"
    names = [job.name for job in declared]
    assert len(names) == len(set(names))
    assert all(job.every > timedelta(0) and job.budget > timedelta(0) for job in declared)


def test_the_worker_runs_the_jobs_core_used_to_hard_code():
    names = {job.name for job in extensions.worker_jobs()}
    assert {"photos", "deliveries", "reports", "metrics", "forgotten sign-in codes", "forgotten messages"} <= names


def test_the_admin_lists_job_runs_read_only(admin_client, clock):
    Scheduler([Job("deliveries", failing, **EVERY_10_S)], clock=clock).run_due()
    row = JobRun.objects.get(name="deliveries")

    listing = admin_client.get("/admin/ops/jobrun/").content.decode()
    detail = admin_client.get(f"/admin/ops/jobrun/{row.pk}/change/")

    assert "deliveries" in listing and "后台任务运行" in listing
    assert detail.status_code == 200 and "the provider is down" in detail.content.decode()
    assert admin_client.get("/admin/ops/jobrun/add/").status_code == 403
    assert admin_client.post(f"/admin/ops/jobrun/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert JobRun.objects.filter(pk=row.pk).exists()
