"""Read helpers for cases: keyset pages of a list (filters.CaseFilter chooses its cases), and a case as it goes out."""
from __future__ import annotations

import base64
import math
from datetime import datetime

from django.db.models import Q, QuerySet

from civicloop.cases import access, engine, privacy, rules
from civicloop.cases.models import Case
from civicloop.cases.rules import Kind, State
from civicloop.core import extensions
from civicloop.core.errors import InvalidInput
from civicloop.lib.coords import distance_m

MAX_PAGE = 200


def page(qs: QuerySet, *, cursor: str | None, limit: int) -> tuple[list[Case], str | None]:
    """Keyset pagination on (reported_at, id) descending: as fast on page 1,000 as on page 1."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput.field("limit", f"每页 1–{MAX_PAGE} 条 / limit must be 1..{MAX_PAGE}")
    if cursor:
        at, pk = _decode(cursor)
        # The redundant `reported_at <= at` bound lets both databases use the index as a range;
        # the OR alone makes them scan from the newest row.
        qs = qs.filter(Q(reported_at__lte=at), Q(reported_at__lt=at) | Q(reported_at=at, id__lt=pk))
    rows = list(qs.select_related("category", "department").order_by("-reported_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_encode(rows[-1]) if more else None)


def _encode(case: Case) -> str:
    raw = f"{case.reported_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, pk = raw.split("|")
        return datetime.fromisoformat(at), int(pk)
    except Exception:
        raise InvalidInput.field("cursor", "分页游标无效 / invalid cursor") from None


def summary(case: Case, user=None) -> dict:
    light = engine.light_now(case)
    return {
        "reference": case.reference, "state": case.state, "state_label": State(case.state).label,
        "kind": case.kind, "pending": case.pending, "channel": case.channel,
        "category": case.category_id, "category_name": case.category.name if case.category_id else None,
        "description": case.description, "address": case.address, "lon": case.lon, "lat": case.lat,
        "grid": case.grid_id, "community": case.community_id, "street": case.street_id,
        "road": case.road_code, "priority": case.priority, "department": case.department_id,
        "department_name": case.department.name if case.department_id else None,
        "supervised": case.supervised, "stage": case.stage or None, "stage_deadline": case.stage_deadline,
        "stage_warn_at": case.stage_warn_at, "light": light.value if light else None,
        "reported_at": case.reported_at, "closed_at": case.closed_at, "version": case.version,
    }


def detail(case: Case, user) -> dict:
    body = summary(case, user)
    body.update({
        "condition": case.condition, "road_name": extensions.road_name(case.road_code) if case.road_code else None,
        "reporter_name": case.reporter_name,
        "reporter_phone": privacy.reporter_phone(case, user, where="api"),
        "assignee": case.assignee_id, "inspector": case.inspector_id,
        "duplicate_of": case.duplicate_of.reference if case.duplicate_of_id else None,
        "self_handled": case.self_handled, "report_verified": case.report_verified,
        "rework_count": case.rework_count, "return_count": case.return_count,
        "extension_count": case.extension_count, "pending_data": case.pending_data,
        "public": case.published_at is not None, "published_at": case.published_at,
        "filed_at": case.filed_at, "dispatched_at": case.dispatched_at, "signed_at": case.signed_at,
        "handled_at": case.handled_at, "checked_at": case.checked_at,
        "on_time": {s: getattr(case, f"{s}_on_time") for s in ("verify", "file", "dispatch", "handle", "check", "close")},
        "allowed_actions": access.allowed_actions(user, case),
        "timeline": [_event(e) for e in case.events.select_related("actor").order_by("seq")],
        "attachments": [{"id": a.pk, "kind": a.kind, "content_type": a.content_type, "size": a.size,
                         "event": a.event_id} for a in case.attachments.order_by("pk")],
    })
    return body


def _event(e) -> dict:
    return {"seq": e.seq, "action": e.action, "action_label": rules.event_label(e.action),
            "actor": str(e.actor) if e.actor_id else None, "actor_role": e.actor_role,
            "from_state": e.from_state or None, "to_state": e.to_state, "pending": e.pending_to,
            "reason": e.reason, "data": e.data, "stage": e.stage or None, "on_time": e.on_time,
            "department": e.department_id, "at": e.created_at}


def open_cases_near(qs: QuerySet, lon: float, lat: float, *, radius_m: float) -> list[tuple[Case, int]]:
    """Open, original cases of `qs` within radius_m metres of the point, nearest first, with the
    distance in whole metres (possible duplicates, “已有人上报”). A bounding box narrows the rows in
    the database; the true distance decides."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.1, math.cos(math.radians(lat))))
    rows = (qs.filter(kind=Kind.OPEN, duplicate_of__isnull=True, lat__range=(lat - dlat, lat + dlat),
                      lon__range=(lon - dlon, lon + dlon)).select_related("category")[:200])
    found = [(case, distance_m(lon, lat, case.lon, case.lat)) for case in rows]
    return sorted(((case, round(m)) for case, m in found if m <= radius_m), key=lambda pair: pair[1])
