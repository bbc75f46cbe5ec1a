"""The worker's part of /healthz: each declared job's last run, its duration and its last error.

Public, like the rest of /healthz: a job's last error shows as its exception's type and time only; the
message and traceback (which may quote a phone number or a path) are in the log and the admin's job runs.
A job counts as late when a worker is expected (CIVICLOOP_WORKER_EXPECTED) and the job has not run, or
last ran longer ago than ops.worker.late_after allows, or its last run failed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from civicloop.core.extensions import Job, worker_jobs
from civicloop.ops.models import JobRun
from civicloop.ops.worker import late_after


@dataclass(frozen=True)
class JobsHealth:
    ok: bool
    detail: dict


def jobs_health(*, now: datetime | None = None) -> JobsHealth:
    now = now or timezone.now()
    jobs, expected = worker_jobs(), settings.WORKER_EXPECTED
    try:
        rows = {row.name: row for row in JobRun.objects.filter(name__in=[job.name for job in jobs])}
    except DatabaseError:  # new code before its migration (a deploy under way): the site still serves
        return JobsHealth(not expected, {"expected": expected, "problem": "job runs unreadable", "jobs": []})
    entries = [_entry(job, rows.get(job.name), now, expected) for job in jobs]
    return JobsHealth(all(entry["ok"] for entry in entries),
                      {"expected": expected, "jobs": entries})


def _entry(job: Job, row: JobRun | None, now: datetime, expected: bool) -> dict:
    entry = {"name": job.name, "every_s": job.every.total_seconds()}
    if row is not None and row.last_finished_at:
        entry |= {"last_run": row.last_finished_at.isoformat(), "seconds": row.last_seconds,
                  "done": row.last_done, "failed": row.last_failed}
    if row is not None and row.last_error_at:
        entry["last_error"] = {"at": row.last_error_at.isoformat(), "type": error_type(row.last_error)}
    problem = _problem(job, row, now) if expected else ""
    return entry | {"ok": not problem, **({"problem": problem} if problem else {})}


def _problem(job: Job, row: JobRun | None, now: datetime) -> str:
    if row is None or row.last_finished_at is None:
        return "never ran"
    if now - row.last_finished_at > late_after(job):
        return "overdue"
    return "failing" if row.last_failed else ""


def error_type(text: str) -> str:
    """The exception's type from the last line of a traceback ("OperationalError: …" → "OperationalError")."""
    lines = text.strip().splitlines()
    return lines[-1].split(":", 1)[0].strip() if lines else ""
