"""Recording staff views of citizens' personal data in the append-only AccessLog, and forgetting old rows."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from civicloop.core import context
from civicloop.core.models import AccessLog


def record(user, *, what: str, subject: str, where: str) -> None:
    """One row per view; the request id ties it to the web server's log line."""
    staff = user if getattr(user, "pk", None) and getattr(user, "is_authenticated", False) else None
    AccessLog.objects.create(at=timezone.now(), user=staff, username=getattr(staff, "username", "")[:150],
                             what=what[:40], subject=subject[:60], where=where[:20],
                             request_id=context.request_id.get() or "")


def record_many(user, *, what: str, subjects: list[str], where: str) -> None:
    """A list page showing many people's data at once: one row each (bulk, one query)."""
    if not subjects:
        return
    staff = user if getattr(user, "pk", None) and getattr(user, "is_authenticated", False) else None
    now, request_id = timezone.now(), context.request_id.get() or ""
    AccessLog.objects.bulk_create([AccessLog(at=now, user=staff, username=getattr(staff, "username", "")[:150],
                                             what=what[:40], subject=s[:60], where=where[:20], request_id=request_id)
                                   for s in subjects])


def forget_old_access_log(*, now: datetime | None = None) -> int:
    """Worker job: rows older than CIVICLOOP_ACCESS_LOG_KEEP_DAYS go, one bounded batch per call."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCESS_LOG_KEEP_DAYS)
    ids = list(AccessLog.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:5000])
    return AccessLog.objects.filter(pk__in=ids).delete()[0] if ids else 0
