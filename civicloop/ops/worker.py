"""`civicloop worker`'s schedule: each job the apps declare (core/extensions.py: Job) runs when it is
due, `every` after its last start; one that did work runs again at once, so a backlog drains without
waiting; the worker sleeps until the next job is due.

A failing job is logged with its traceback (logger "civicloop.worker", the job's name in the record's
`job`) and tried again later; it never stops the others, and the database restarting never stops the
worker. How each job went is kept in its JobRun row (ops/models.py), cheaply: see `Slot.worth_writing`.
"""
from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from civicloop.core.extensions import Job
from civicloop.ops.models import JobRun

log = logging.getLogger("civicloop.worker")

# An idle job's row is written at least this often, so /healthz can tell a live worker from a dead one
# while writing a few rows a minute, not one per job per second (SQLite has one writer at a time).
HEARTBEAT = 60.0
# A failed job is tried again after at most this long, whatever its interval: a database restart is
# over by then, and an hourly job should not stay failed for an hour because of it.
RETRY_AFTER = 60.0
ERROR_CHARS = 4000  # the traceback's end, where the cause is


def late_after(job: Job) -> timedelta:
    """How long after its last recorded run a job counts as overdue: well past its interval and the
    heartbeat, so a worker busy with one long run (a classifier training) is not reported at once."""
    return 2 * max(job.every, timedelta(seconds=HEARTBEAT)) + job.budget


class Clock:
    """Monotonic seconds for due times (the wall clock may jump); the wall clock for the records."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return timezone.now()


@dataclass
class Outcome:
    started_at: datetime
    finished_at: datetime
    seconds: float
    done: int
    error: str = ""


@dataclass
class Unwritten:
    """What the job's row does not know yet."""

    runs: int = 0
    failures: int = 0
    busy_at: datetime | None = None
    error: str = ""
    error_at: datetime | None = None

    def add(self, outcome: Outcome) -> None:
        self.runs += 1
        if outcome.done:
            self.busy_at = outcome.finished_at
        if outcome.error:
            self.failures += 1
            self.error, self.error_at = outcome.error, outcome.finished_at


@dataclass
class Slot:
    job: Job
    due: float = 0.0  # monotonic; every job runs at the worker's start
    written_at: float = float("-inf")  # monotonic
    failed: bool = False  # the last written run failed
    last: Outcome | None = None
    unwritten: Unwritten = field(default_factory=Unwritten)

    def worth_writing(self, now: float) -> bool:
        """Work done, a failure, a recovery or a slow run are written at once (or as soon as the database
        takes them); an idle run only as the heartbeat. A run that did work wrote rows anyway, so one
        more UPDATE is small beside it."""
        slow = self.last.seconds > self.job.budget.total_seconds()
        return bool(self.unwritten.busy_at or self.unwritten.error_at or self.failed or slow
                    or now - self.written_at >= HEARTBEAT)


class Scheduler:
    def __init__(self, jobs: list[Job], *, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.slots = [Slot(job) for job in jobs]

    def run_due(self, *, everything: bool = False) -> int:
        """Run each job that is due (each job once with everything=True); returns the work done."""
        now = self.clock.monotonic()
        return sum(self._turn(slot) for slot in self.slots if everything or slot.due <= now)

    def seconds_to_next(self) -> float:
        if not self.slots:
            return HEARTBEAT
        return max(0.0, min(slot.due for slot in self.slots) - self.clock.monotonic())

    def flush(self) -> None:
        """Write every row that lags behind (before the worker stops)."""
        for slot in self.slots:
            if slot.unwritten.runs:
                self._write(slot)

    def _turn(self, slot: Slot) -> int:
        start = self.clock.monotonic()
        outcome = self._run(slot.job)
        slot.due = start + self._pause(slot.job, outcome)
        slot.last = outcome
        slot.unwritten.add(outcome)
        if slot.worth_writing(self.clock.monotonic()):
            self._write(slot)
        return outcome.done

    @staticmethod
    def _pause(job: Job, outcome: Outcome) -> float:
        if outcome.done:
            return 0.0  # more may be waiting: drain the backlog
        every = job.every.total_seconds()
        return min(every, RETRY_AFTER) if outcome.error else every

    def _run(self, job: Job) -> Outcome:
        started_at, start = self.clock.now(), self.clock.monotonic()
        done, error = 0, ""
        try:
            done = int(job() or 0)
        except Exception:  # the database restarting must not kill the worker: log it, try again later
            log.exception("job %s failed", job.name, extra={"job": job.name})
            error = traceback.format_exc()[-ERROR_CHARS:]
        seconds = self.clock.monotonic() - start
        _report(job, done, seconds)
        return Outcome(started_at, self.clock.now(), seconds, done, error)

    def _write(self, slot: Slot) -> None:
        """One UPDATE of the job's row (an INSERT first, the first time the job ever runs)."""
        values = _row_values(slot.last, slot.unwritten)
        try:
            if not JobRun.objects.filter(name=slot.job.name).update(**values):
                JobRun.objects.bulk_create([JobRun(name=slot.job.name)], ignore_conflicts=True)
                JobRun.objects.filter(name=slot.job.name).update(**values)
        except DatabaseError as exc:  # kept in memory and written with a later run
            log.warning("job %s: its run could not be recorded (%s)", slot.job.name, exc,
                        extra={"job": slot.job.name})
            return
        slot.written_at, slot.failed, slot.unwritten = self.clock.monotonic(), bool(slot.last.error), Unwritten()


def _report(job: Job, done: int, seconds: float) -> None:
    extra = {"job": job.name, "done": done, "seconds": round(seconds, 3)}
    if done:
        log.info("job %s: %d done in %.2f s", job.name, done, seconds, extra=extra)
    budget = job.budget.total_seconds()
    if seconds > budget:
        log.warning("job %s took %.1f s, over its budget of %.0f s", job.name, seconds, budget, extra=extra)


def _row_values(last: Outcome, unwritten: Unwritten) -> dict:
    values = {"last_started_at": last.started_at, "last_finished_at": last.finished_at,
              "last_seconds": round(last.seconds, 3), "last_done": last.done, "last_failed": bool(last.error),
              "runs": F("runs") + unwritten.runs, "failures": F("failures") + unwritten.failures}
    if unwritten.busy_at:
        values["last_busy_at"] = unwritten.busy_at
    if unwritten.error_at:
        values["last_error"], values["last_error_at"] = unwritten.error, unwritten.error_at
    return values
