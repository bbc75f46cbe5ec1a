"""Retention: a reporter's name, phone number and account link are kept only as long as
the case needs them (call-backs, the rating, “没有解决”); after CIVICLOOP_REPORTER_RETENTION_DAYS past
its closing (or voiding) they are removed. The case, its event log, photos and counters stay.

Worker jobs: each call does one bounded batch and returns how many it did (the worker loops while
any job is busy); a full pass over old cases is made at most once an hour per worker process.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicloop.cases.models import Case
from civicloop.cases.rules import Kind
from civicloop.citizens.models import CitizenReport

BATCH = 1000
PASS_EVERY_SECONDS = 3600
_next_pass = {"reporters": 0.0}


def anonymise_due(*, now: datetime | None = None, force: bool = False) -> int:
    if not force and time.monotonic() < _next_pass["reporters"]:
        return 0
    done = anonymise_reporters(now=now)
    if done < BATCH:
        _next_pass["reporters"] = time.monotonic() + PASS_EVERY_SECONDS
    return done


def anonymise_reporters(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Remove the reporter's personal data from up to `limit` cases finished before the retention cut."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REPORTER_RETENTION_DAYS)
    # reported_at < cutoff lets the (reported_at, id) index skip recent cases; a finished case was
    # last updated after it was reported.
    finished = Case.objects.filter(kind__in=[Kind.CLOSED, Kind.VOID], reported_at__lt=cutoff, updated_at__lt=cutoff)
    personal = Q(reporter_name__gt="") | Q(reporter_phone__gt="")
    linked = CitizenReport.objects.filter(citizen__isnull=False).values("case_id")
    ids = list(finished.filter(personal | Q(pk__in=linked)).values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    with transaction.atomic():
        Case.objects.filter(pk__in=ids).update(reporter_name="", reporter_phone="")
        # Followers and the reporter's account link go; an anonymous tracking code holds no person.
        CitizenReport.objects.filter(case_id__in=ids, citizen__isnull=False).delete()
    return len(ids)

