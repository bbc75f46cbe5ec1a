"""Keeping the open-case index, and the worker's auto-merge of near-certain duplicates.

Merging is a person's decision (合并 in the case panel) unless the score reaches
DUPLICATE_AUTO_MERGE_SCORE: then the worker merges through cases.services.merge_case like a
person would, as the staff account `system` (made on demand, inactive so nobody can sign in with
it), and the event's reason gives the score and its parts.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.cases import services
from civicloop.cases.models import Attachment, Case
from civicloop.cases.rules import Action, Kind, State
from civicloop.core import bulk
from civicloop.core.errors import Conflict, InvalidInput
from civicloop.duplicates import rules
from civicloop.duplicates.models import OpenCase
from civicloop.duplicates.queries import candidates
from civicloop.org.models import User
from civicloop.org.roles import Role, Scope

log = logging.getLogger(__name__)
SYSTEM_USERNAME = "system"


# ---------------------------------------------------------------------------- the index


def on_case_changed(sender, case, event, **kwargs) -> None:
    """case_changed receiver: one write per transition, in the transition's transaction."""
    if case.kind != Kind.OPEN or case.duplicate_of_id:
        OpenCase.objects.filter(case_id=case.pk).delete()
        return
    fields = _fields(case)
    if event.action == Action.REPORT:
        bulk.insert_one(OpenCase(case_id=case.pk, **fields))  # every report passes here: no ORM save
    elif not OpenCase.objects.filter(case_id=case.pk).update(**fields):
        # Reopened, or a case from before the index (reindex was not run): add it now.
        OpenCase.objects.create(case_id=case.pk, screened=True, **fields)


def _fields(case) -> dict:
    return {"cell": rules.cell_of(case.lon, case.lat), "lon": case.lon, "lat": case.lat,
            "category_id": case.category_id or "", "reported_at": case.reported_at,
            "text": (case.description or "")[:200]}


def reindex(*, chunk: int = 20_000, progress=None) -> int:
    """Rebuild the index from the cases table (after a bulk import, or to repair it). Returns the
    number of open cases indexed; they count as screened (the auto-merge is for new reports)."""
    OpenCase.objects.all().delete()
    rows = (Case.objects.filter(kind=Kind.OPEN, duplicate_of__isnull=True).order_by("pk")
            .values_list("pk", "lon", "lat", "category_id", "reported_at", "description"))
    done, last = 0, 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:chunk])
        if not batch:
            return done
        OpenCase.objects.bulk_create([
            OpenCase(case_id=pk, cell=rules.cell_of(lon, lat), lon=lon, lat=lat, category_id=category or "",
                     reported_at=at, text=(text or "")[:200], screened=True)
            for pk, lon, lat, category, at, text in batch], batch_size=5000)
        done += len(batch)
        last = batch[-1][0]
        if progress:
            progress(done)


# ---------------------------------------------------------------------------- auto-merge


def system_actor():
    """The staff account the platform acts as: an inactive city-wide 值班长 named `system`."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, display_name="系统 system", role=Role.SHIFT_LEADER, scope=Scope.CITY,
                    is_active=False)
        user.set_unusable_password()
        user.save()
    return user


def screen_new_reports(*, batch: int = 100) -> int:
    """Worker job: look once at each new report whose photos are processed; merge it into an
    older open case when the best score reaches DUPLICATE_AUTO_MERGE_SCORE. Returns how many
    reports were looked at."""
    pending = set(Attachment.objects.filter(status=Attachment.Status.PENDING, case__in=OpenCase.objects.filter(
        screened=False).values("case_id")).values_list("case_id", flat=True))
    waiting = list(OpenCase.objects.filter(screened=False).exclude(case_id__in=pending)
                   .order_by("reported_at").values_list("case_id", flat=True)[:batch])
    if not waiting:
        return 0
    if settings.DUPLICATE_AUTO_MERGE_SCORE <= 1:
        for case in Case.objects.filter(pk__in=waiting, state=State.REPORTED):
            _maybe_merge(case)
    OpenCase.objects.filter(case_id__in=waiting).update(screened=True)
    return len(waiting)


def _maybe_merge(case) -> bool:
    actor = system_actor()
    best = next((c for c in candidates(case, actor, limit=5) if c.case.reported_at <= case.reported_at), None)
    if best is None or best.score.total < settings.DUPLICATE_AUTO_MERGE_SCORE:
        return False
    parts = " ".join(f"{k}={v}" for k, v in best.score.as_percent().items() if v is not None)
    reason = f"自动合并：重复度 {best.score.total:.2f} ({parts}) / merged automatically"
    try:
        with transaction.atomic():
            services.merge_case(case, actor, version=case.version, into=best.case.reference, reason=reason,
                                now=timezone.now())
    except (Conflict, InvalidInput) as exc:  # a person acted first, or the target closed meanwhile
        log.info("auto-merge of %s skipped: %s", case.reference, exc)
        return False
    except Exception as exc:  # ActionNotAllowed and the like: leave it to a person
        log.warning("auto-merge of %s failed: %s", case.reference, exc)
        return False
    return True
