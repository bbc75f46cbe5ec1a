"""What the case panel shows: the facts, photos, map, timeline, nearby open cases and the forms
for the actions this person may take now (access.allowed_actions decides, not the template)."""
from __future__ import annotations

import json
from collections import defaultdict

from django.utils.translation import get_language

from civicloop.cases import access, engine, privacy, rules
from civicloop.cases.models import Case
from civicloop.cases.rules import Action, State
from civicloop.geo import tiles
from civicloop.console.forms import FORMS, ActionForm
from civicloop.core import audit, extensions
from civicloop.lib.i18n import pick

# One key per action, shown on its button; approve/deny share keys because only one request
# can be pending at a time.
KEYS = {
    Action.FILE: "f", Action.NOT_FILE: "n", Action.REQUEST_VERIFICATION: "v", Action.MERGE: "m",
    Action.REQUEST_VOID: "w", Action.DISPATCH: "d", Action.SIGN: "s", Action.HANDLE: "h", Action.CHECK: "c",
    Action.VERIFY_REPORT: "c", Action.CLOSE: "x", Action.APPROVE_VOID: "a", Action.APPROVE_RETURN: "a",
    Action.APPROVE_EXTENSION: "a", Action.APPROVE_SUSPENSION: "a", Action.DENY_VOID: "r",
    Action.DENY_RETURN: "r", Action.DENY_EXTENSION: "r", Action.DENY_SUSPENSION: "r",
    Action.REQUEST_RETURN: "b", Action.REQUEST_EXTENSION: "e", Action.REQUEST_SUSPENSION: "p",
    Action.RESUME: "u", Action.SUPERVISE: "g", Action.UNSUPERVISE: "G", Action.REASSIGN: "t", Action.REOPEN: "o",
}
# The desk looks for duplicates before filing; later the case already stands on its own.
DUPLICATE_STATES = frozenset({State.REPORTED, State.VERIFYING, State.FILED})


def context(request, case: Case, *, queue=None, bound=None, error: str = "", notice: str = "",
            with_forms: bool = True) -> dict:
    user, language = request.user, get_language()
    light = engine.light_now(case)
    nearby = possible_duplicates(case, user) if case.state in DUPLICATE_STATES else []
    attached = list(case.attachments.order_by("pk"))  # read once: the timeline and the photo groups share them
    return {
        "case": case, "queue": queue, "error": error, "notice": notice,
        "light": light.value if light else None,
        "state_label": pick(State(case.state).label, language),
        "pending_label": pick(rules.Pending(case.pending).label, language) if case.pending else "",
        "reporter_phone": privacy.reporter_phone(case, user, where="console"),
        "reporter_name": _reporter_name(case, user),
        "actions": _actions(case, user, bound, language) if with_forms else [],
        "timeline": timeline(case, language, attached),
        "photos": _photos(attached),
        "nearby": nearby,
        "category_suggestions": _category_suggestions(case),
        "minimap": json.dumps(_minimap(case, nearby), ensure_ascii=False),
        "on_time": [(pick(str(label), language), getattr(case, f"{stage}_on_time"))
                    for stage, label in (("file", "立案 filing"), ("dispatch", "派遣 dispatch"),
                                         ("handle", "处置 handling"), ("check", "核查 check"),
                                         ("close", "结案 closing"))],
    }


def _reporter_name(case, user) -> str:
    """The reporter's name is personal data too: each showing is recorded (core.AccessLog)."""
    if case.reporter_name:
        audit.record(user, what="reporter_name", subject=f"case:{case.reference}", where="console")
    return case.reporter_name


def _actions(case, user, bound, language) -> list[dict]:
    if access.is_read_only(user):
        return []
    allowed = access.allowed_actions(user, case)
    rows = []
    for action in allowed:
        is_bound = bool(bound) and bound[0] == action
        form = bound[1] if is_bound else FORMS[action](case=case, user=user, action=action)
        rows.append({"name": action, "slug": action.replace("_", "-"), "label": pick(Action(action).label, language),
                     "form": form, "key": KEYS.get(action, ""), "open": is_bound,
                     "simple": type(form) is ActionForm, "danger": action in (Action.NOT_FILE, Action.REQUEST_VOID)
                     or action.startswith("deny_")})
    return rows


def timeline(case, language, attachments: list) -> list[dict]:
    photos = defaultdict(list)
    for item in attachments:
        photos[item.event_id].append(item)
    rows = []
    for event in case.events.select_related("actor", "department").order_by("seq"):
        rows.append({"event": event, "label": pick(rules.event_label(event.action), language),
                     "to_label": pick(State(event.to_state).label, language) if event.to_state else "",
                     "photos": photos.get(event.pk, [])})
    return rows


def _photos(attachments: list) -> dict:
    groups = defaultdict(list)
    for item in attachments:
        groups[item.kind].append(item)
    return {"before": groups["before"], "after": groups["after"], "evidence": groups["evidence"]}


def possible_duplicates(case, user, *, limit: int | None = None) -> list[dict]:
    """Open cases this person may see, scored by the duplicate finder (distance, category, time,
    text, photo), best first; the parts are shown so the operator sees why."""
    can_merge = not access.is_read_only(user) and Action.MERGE in access.allowed_actions(user, case)
    return [{"case": c.case, "metres": c.metres, "same_category": c.same_category, "can_merge": can_merge,
             "score": round(c.score.total * 100), "parts": c.score.as_percent()}
            for c in extensions.duplicate_candidates(case, user, limit=limit)]


def _category_suggestions(case) -> list[dict]:
    """The classifier's top three with its confidence, for the 立案 form."""
    if case.state not in (State.REPORTED, State.VERIFYING):
        return []
    return [{"code": s["code"], "name": s["name"], "share": round(s["confidence"] * 100)}
            for s in extensions.category_suggestions(case.description)]


def _minimap(case, nearby) -> dict:
    lon, lat = tiles.to_display(case.lon, case.lat)
    grid = json.loads(case.grid.geometry) if case.grid_id else None
    points = []
    for row in nearby:
        olon, olat = tiles.to_display(row["case"].lon, row["case"].lat)
        points.append({"lon": olon, "lat": olat, "reference": row["case"].reference})
    return {"lon": lon, "lat": lat, "grid": tiles.geometry_to_display(grid) if grid else None,
            "tiles": tiles.tile_config(), "nearby": points}
