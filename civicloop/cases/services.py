"""Every change to a case goes through one of these functions (conventions rule 1).

Each checks the actor's role and scope, validates its input, lets engine.plan() decide the
transition, then saves it in one transaction with a version check and one immutable event.
Notifications are written to the outbox in the same transaction and sent after commit.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.cases import access, command, engine, rules, serials, signals
from civicloop.cases.models import Case, CaseEvent, Channel
from civicloop.cases.rules import Action, Kind, Marking, State
from civicloop.core import bulk, context, extensions
from civicloop.core.errors import ActionNotAllowed, Conflict, Forbidden, InvalidInput, NotFound
from civicloop.geo.index import locate
from civicloop.geo.models import Grid
from civicloop.geo.points import parse_point
from civicloop.lib import codes
from civicloop.lib.workcal import Limit, Unit
from civicloop.notify import services as notify
from civicloop.org.models import Department, User
from civicloop.org.roles import Role, Scope
from civicloop.taxonomy.queries import config

FIELD_ROLES = frozenset({Role.INSPECTOR, Role.GRID_WORKER})


# ---------------------------------------------------------------------------- input checks


def _text(name: str, value: str | None, *, required: bool = False, limit: int = 500) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput.field(name, "不能为空 / is required")
    if len(value) > limit:
        raise InvalidInput.field(name, f"不能超过{limit}个字符（现为{len(value)}）/ at most {limit} characters")
    return value


def _category(code: str | None, *, required: bool) -> str | None:
    if not code:
        if required:
            raise InvalidInput.field("category", "请选择事项分类 / a category is required")
        return None
    info = config().categories.get(str(code))
    if info is None or not info.active:
        raise InvalidInput.field("category", f"未知或已停用的事项分类 {code} / unknown or inactive category")
    return info.code


def _department(code: str | None, *, field: str = "department"):
    department = Department.objects.filter(pk=code, active=True).first() if code else None
    if department is None:
        raise InvalidInput.field(field, f"未知或已停用的部门 {code or ''} / unknown or inactive department")
    return department


def _priority(value) -> int | None:
    if value is None or value == "":
        return None
    if value not in (1, 2, 3, "1", "2", "3"):
        raise InvalidInput.field("priority", "优先级须为 1、2 或 3 / priority is 1, 2 or 3")
    return int(value)


# ---------------------------------------------------------------------------- lookup


def get_case(user, reference: str, *, for_action: bool = False) -> Case:
    """404 when missing or out of scope (never reveal that it exists); 403 for read-only staff acting."""
    case = Case.objects.filter(reference=reference).first()
    if case is None or not access.can_see(user, case):
        raise _not_found(reference)
    if for_action and access.is_read_only(user):
        raise Forbidden("管理员账号不能办理案件 / administrators cannot act on cases")
    return case


def _require_in_scope(case, user) -> None:
    if not access.can_see(user, case):
        raise _not_found(case.reference)


def _not_found(reference: str) -> NotFound:
    # The same answer whether it is missing or out of scope: a case's existence is not revealed.
    return NotFound(_("Case %(reference)s was not found, or is outside your area.") % {"reference": reference})


# ---------------------------------------------------------------------------- reporting


def report_case(
    *, actor, channel: str, lon, lat, crs: str = "wgs84", description: str, category: str | None = None,
    address: str = "", reporter_name: str = "", reporter_phone: str = "", self_handled: bool = False,
    client_key: str | None = None, refs: dict | None = None, now: datetime | None = None,
) -> Case:
    """上报: the one intake function every channel ends in. A repeated client key returns the first case.

    `refs` says what the report came from, for the apps that care: {"facility": id}, {"patrol": id},
    {"device": id}, {"hotline_order": id}, {"open311_key": …}. It is kept in the REPORT event's
    data and handed to `signals.case_changed` receivers in the same transaction.
    """
    if client_key:
        existing = Case.objects.filter(client_key=client_key).first()
        if existing is not None:
            return existing
    fields = report_fields(actor=actor, channel=channel, lon=lon, lat=lat, crs=crs, description=description,
                            category=category, address=address, reporter_name=reporter_name,
                            reporter_phone=reporter_phone, self_handled=self_handled, client_key=client_key)
    try:
        return _create(actor, fields, now or timezone.now(), refs=_refs(refs))
    except IntegrityError:
        # Two retries of one submission raced; the first one's case is the answer.
        existing = Case.objects.filter(client_key=client_key).first() if client_key else None
        if existing is None:
            raise
        return existing


def report_fields(*, actor, channel, lon, lat, crs, description, category, address, reporter_name,
                   reporter_phone, self_handled, client_key) -> dict:
    if channel not in Channel.values:
        raise InvalidInput.field("channel", f"未知的来源渠道 {channel} / unknown channel")
    description = _text("description", description, required=True, limit=settings.DESCRIPTION_MAX)
    lon, lat = parse_point(lon, lat, crs)
    hit = locate(lon, lat)
    if hit is None:
        raise InvalidInput.field("location", f"位置不在{settings.CITY_NAME}的网格范围内 / the point is outside the city's grids")
    if actor is not None and not access.can_report_at(actor, street=hit.street_code, community=hit.community_code,
                                                      grid=hit.code):
        raise Forbidden("只能在本人负责的区域内上报 / you can report only inside your own area")
    if self_handled and (actor is None or actor.role not in FIELD_ROLES):
        raise InvalidInput.field("self_handled", "只有监督员和网格员可以自行处置 / only inspectors and grid workers self-handle")
    code = _category(category, required=self_handled)
    info = config().categories.get(code) if code else None
    return {
        "channel": channel, "description": description, "lon": round(lon, 7), "lat": round(lat, 7),
        "grid_id": hit.code, "community_id": hit.community_code, "street_id": hit.street_code,
        "road_code": extensions.road_at(lon, lat, settings.CASE_ROAD_METRES) or None,
        "category_id": code, "priority": info.priority if info else 1,
        "address": _text("address", address, limit=200), "reporter_name": _text("reporter_name", reporter_name, limit=40),
        "reporter_phone": _text("reporter_phone", reporter_phone, limit=20), "self_handled": bool(self_handled),
        "client_key": _text("client_key", client_key, limit=64) or None,
    }


def _refs(refs: dict | None) -> dict:
    if not refs:
        return {}
    if not isinstance(refs, dict) or any(not isinstance(k, str) or not isinstance(v, (str, int)) for k, v in refs.items()):
        raise InvalidInput.field("refs", "来源引用格式错误 / refs must map names to ids")
    return dict(refs)


def _create(actor, fields: dict, now: datetime, *, refs: dict | None = None) -> Case:
    # Inside a caller's transaction (Open311, hotline) a savepoint is only worth its two round trips
    # when a repeated client key may collide: report_case then answers with the first case.
    # In bulk.batch() the case, its event and the receivers' rows go to PostgreSQL in one statement
    # (their keys come with the serial); SQLite takes its write lock at the serial's upsert.
    case, event = new_case(actor, fields, now, reference="")
    if refs:
        event.data = {**event.data, "refs": refs}
    with transaction.atomic(savepoint=fields["client_key"] is not None), bulk.batch():
        day = timezone.localtime(now).date()
        serial, (case.pk, event.pk) = serials.next_serial(day, ids_for=(Case, CaseEvent))
        case.reference = codes.case_reference(codes.county_of(case.community_id), day, serial)
        bulk.insert_one(case)
        event.case = case
        bulk.insert_one(event)
        signals.case_changed.send(sender=Case, case=case, event=event, refs=refs or {})
    return case


def new_case(actor, fields: dict, now: datetime, *, reference: str) -> tuple[Case, CaseEvent]:
    """The unsaved case and its first event; the history seeder builds cases through this too."""
    state = rules.initial_state(self_handled=fields["self_handled"])
    clock = engine.start_clock(config(), rules.STAGE_OF[state], category=fields["category_id"], condition="", now=now)
    case = Case(reference=reference, state=state, kind=rules.KIND_OF[state], reporter=actor, reported_at=now,
                updated_at=now, **fields, **engine.clock_fields(clock))
    event = CaseEvent(seq=1, action=Action.REPORT, actor=actor, actor_role=getattr(actor, "role", "") or "",
                      from_state="", to_state=state, created_at=now, request_id=context.request_id.get(),
                      data={"channel": fields["channel"]})
    return case, event


# ---------------------------------------------------------------------------- the transition door


def _act(case: Case, user, action: str, *, version: int | None, now: datetime | None = None, **kwargs) -> Case:
    _require_in_scope(case, user)
    if access.is_read_only(user):
        raise Forbidden("管理员账号不能办理案件 / administrators cannot act on cases")
    if not command.may_act_on(user, case, action):
        raise ActionNotAllowed(command.refusal(user, case, action), allowed_actions=access.allowed_actions(user, case))
    expected = case.version if version is None else int(version)
    if expected != case.version:
        raise _conflict(case)
    now = now or timezone.now()
    try:
        plan = engine.plan(case, user, action, cfg=config(), now=now, **kwargs)
    except rules.NotAllowed as exc:
        raise ActionNotAllowed(str(exc), allowed_actions=exc.allowed) from None
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=expected).update(version=expected + 1, **plan.fields)
        if updated != 1:
            raise _conflict(case)
        seq = CaseEvent.objects.filter(case_id=case.pk).count() + 1
        event = CaseEvent(case_id=case.pk, seq=seq, request_id=context.request_id.get(), **plan.event)
        event.save(force_insert=True)
        engine.apply(case, plan)
        _notify(case, action, plan)
        signals.case_changed.send(sender=Case, case=case, event=event, refs={})
    return case


def _conflict(case: Case) -> Conflict:
    return Conflict(
        "案件已被他人更新，请刷新后重试 / the case was changed by someone else; reload and try again",
        reference=case.reference,
    )


def _notify(case: Case, action: str, plan: engine.Plan) -> None:
    """Who must know: the unit when work arrives or comes back, the reporter when it is done."""
    if action in (Action.DISPATCH, Action.REASSIGN) or (action == Action.CHECK and plan.event["to_state"] == State.IN_PROGRESS):
        notify.enqueue(recipient=f"department:{case.department_id}", subject=f"新任务 {case.reference}",
                       body=case.description[:200], case=case)
    elif action in REPORTER_NOTICES and case.reporter_phone:
        # Providers (SMS and WeChat) send only approved templates, so each notice is one of ours.
        template, subject = REPORTER_NOTICES[action]
        url = settings.PUBLIC_URL + reverse("citizens:report", args=[case.reference])
        notify.enqueue_reporter_notice(phone=case.reporter_phone, template=template, reference=case.reference,
                                       url=url, subject=f"{subject} {case.reference}", case=case,
                                       at=plan.event.get("created_at"))


# The reporter hears when the case is taken up, fixed and closed.
REPORTER_NOTICES = {Action.FILE: ("case_filed", "已受理"), Action.HANDLE: ("case_handled", "已处理"),
                    Action.CLOSE: ("case_closed", "案件已办结")}


# ---------------------------------------------------------------------------- the actions


def request_verification(case, user, *, version=None, inspector: int | None = None, note: str = "", now=None):
    """派发核实: ask an inspector to confirm on site that the report is real."""
    changes = {}
    if inspector is not None:
        changes["inspector_id"] = _field_worker(inspector, case).pk
    return _act(case, user, Action.REQUEST_VERIFICATION, version=version, now=now, changes=changes,
                reason=_text("note", note))


def _field_worker(user_id, case):
    worker = User.objects.filter(pk=user_id, is_active=True, role__in=FIELD_ROLES).first()
    if worker is None or not access.can_see(worker, case):
        raise InvalidInput.field("inspector", "请选择负责该区域的监督员或网格员 / pick an inspector for this area")
    return worker


def verify_report(case, user, *, version=None, real: bool | None = None, note: str = "", now=None):
    """核实: the inspector says whether the report is real; the desk then files it or not."""
    if real is None:
        raise InvalidInput.field("real", "请填写核实结果 / say whether the report is real")
    return _act(case, user, Action.VERIFY_REPORT, version=version, now=now, reason=_text("note", note),
                changes={"report_verified": bool(real)}, data={"real": bool(real)})


def file_case(case, user, *, version=None, category: str | None = None, condition: str = "", priority=None,
              grid: str | None = None, note: str = "", now=None):
    """立案: confirm category, condition, grid and priority; the dispatch clock starts."""
    code = _category(category or case.category_id, required=True)
    changes = {"category_id": code, "condition": _text("condition", condition, limit=60)}
    level = _priority(priority)
    changes["priority"] = level or config().categories[code].priority
    data = {}
    if grid and grid.strip() != case.grid_id:
        changes.update(_regrid(grid.strip(), user))
        data["grid"] = {"from": case.grid_id, "to": changes["grid_id"]}
    return _act(case, user, Action.FILE, version=version, now=now, changes=changes, data=data,
                reason=_text("note", note))


def _regrid(code: str, user) -> dict:
    """The operator corrects a report placed in the wrong grid (a phone's GPS drifts); the new
    grid must be an active one inside the operator's own area."""
    grid = Grid.objects.filter(pk=code, active=True).select_related("community").first()
    if grid is None:
        raise InvalidInput.field("grid", f"未知或已停用的网格 {code} / unknown or inactive grid")
    street = grid.community.parent_id
    if not access.can_report_at(user, street=street, community=grid.community_id, grid=grid.pk):
        raise InvalidInput.field("grid", "只能改到本人辖区内的网格 / pick a grid inside your own area")
    return {"grid_id": grid.pk, "community_id": grid.community_id, "street_id": street}


def reject_report(case, user, *, version=None, reason: str = "", now=None):
    """不予立案: with the reason the reporter will read."""
    return _act(case, user, Action.NOT_FILE, version=version, now=now, reason=_text("reason", reason, required=True))


def suggest_department(case) -> str | None:
    """The routing rules' department (routing.rules, through its department_router hook: most specific of
    category × area, with priority and 督办 overrides; then the taxonomy's street route, then the category default)."""
    return extensions.department_for(case)


def dispatch_case(case, user, *, version=None, department: str | None = None, note: str = "", now=None):
    """派遣: to the named department, or the routing rule's (category × street) when none is named."""
    code = department or suggest_department(case)
    if not code:
        raise InvalidInput.field("department", "该事项没有默认责任部门，请指定 / no routing rule; name a department")
    target = _own_district_department(user, _department(code))
    return _act(case, user, Action.DISPATCH, version=version, now=now, reason=_text("note", note),
                changes={"department_id": target.pk, "assignee_id": None}, data={"department": target.pk})


def _own_district_department(user, department):
    """A district centre dispatches to its own district's departments (两级指挥)."""
    if getattr(user, "scope", "") == Scope.DISTRICT and command.department_district(department) != user.scope_division_id:
        raise InvalidInput.field("department", _("%(name)s is not a department of your district.")
                                 % {"name": department.name})
    return department


def sign_case(case, user, *, version=None, now=None):
    """签收: the unit's worker takes the task."""
    return _act(case, user, Action.SIGN, version=version, now=now, changes={"assignee_id": user.pk})


def handle_case(case, user, *, version=None, note: str = "", now=None):
    """处置反馈: the unit reports the fix (after-photos are uploaded as attachments)."""
    return _act(case, user, Action.HANDLE, version=version, now=now,
                reason=_text("note", note, required=True, limit=1000))


def check_fix(case, user, *, version=None, passed: bool | None = None, note: str = "", now=None):
    """核查: on site, the inspector passes the fix or sends it back for 返工."""
    if passed is None:
        raise InvalidInput.field("passed", "请填写核查结果 / say whether the fix passed")
    reason = _text("note", note, required=not passed, limit=1000)
    return _act(case, user, Action.CHECK, version=version, now=now, passed=bool(passed), reason=reason,
                data={"passed": bool(passed)})


def close_case(case, user, *, version=None, note: str = "", now=None):
    """结案 (also the review that closes a 自行处置 case)."""
    return _act(case, user, Action.CLOSE, version=version, now=now, reason=_text("note", note))


def request_void(case, user, *, version=None, reason: str = "", now=None):
    return _request(case, user, Action.REQUEST_VOID, version, reason, now)


def approve_void(case, user, *, version=None, reason: str = "", now=None):
    return _act(case, user, Action.APPROVE_VOID, version=version, now=now, reason=_text("reason", reason))


def deny_void(case, user, *, version=None, reason: str = "", now=None):
    return _deny(case, user, Action.DENY_VOID, version, reason, now)


def request_return(case, user, *, version=None, reason: str = "", now=None):
    """回退: "not ours", with the reason; the dispatcher decides."""
    return _request(case, user, Action.REQUEST_RETURN, version, reason, now)


def approve_return(case, user, *, version=None, reason: str = "", now=None):
    return _act(case, user, Action.APPROVE_RETURN, version=version, now=now, reason=_text("reason", reason))


def deny_return(case, user, *, version=None, reason: str = "", now=None):
    return _deny(case, user, Action.DENY_RETURN, version, reason, now)


def request_extension(case, user, *, version=None, amount=None, unit: str | None = None, reason: str = "", now=None):
    """延期: more time, in the same kind of clock the stage runs on (working or natural)."""
    limit = _extension(case, amount, unit)
    return _request(case, user, Action.REQUEST_EXTENSION, version, reason, now,
                    data={"amount": limit.amount, "unit": limit.unit.value})


def approve_extension(case, user, *, version=None, amount=None, unit: str | None = None, reason: str = "", now=None):
    """The dispatcher may grant less (or more) than asked; the deadline moves by what is granted."""
    asked = case.pending_data or {}
    limit = _extension(case, amount if amount is not None else asked.get("amount"), unit or asked.get("unit"))
    return _act(case, user, Action.APPROVE_EXTENSION, version=version, now=now, extension=limit,
                reason=_text("reason", reason), data={"amount": limit.amount, "unit": limit.unit.value})


def _extension(case, amount, unit) -> Limit:
    try:
        value = float(Decimal(str(amount)))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput.field("amount", "请填写延期时长（数字）/ amount must be a number") from None
    if not math.isfinite(value) or value <= 0 or value > 365:
        raise InvalidInput.field("amount", "延期时长须大于0且不超过365 / amount must be in (0, 365]")
    try:
        kind = Unit(unit or ("WD" if case.stage_working else "ND"))
    except ValueError:
        raise InvalidInput.field("unit", "单位须为 WH/WD/ND/NH/NM / unknown unit") from None
    if kind.is_working != case.stage_working:
        raise InvalidInput.field("unit", "延期单位须与时限同为工作时间或自然时间 / unit must match the stage's clock")
    return Limit(value, kind)


def deny_extension(case, user, *, version=None, reason: str = "", now=None):
    return _deny(case, user, Action.DENY_EXTENSION, version, reason, now)


def request_suspension(case, user, *, version=None, reason: str = "", now=None):
    """挂账/缓办: cannot be solved in time (budget, a project); the clock stops once approved."""
    return _request(case, user, Action.REQUEST_SUSPENSION, version, reason, now)


def approve_suspension(case, user, *, version=None, reason: str = "", now=None):
    return _act(case, user, Action.APPROVE_SUSPENSION, version=version, now=now, reason=_text("reason", reason))


def deny_suspension(case, user, *, version=None, reason: str = "", now=None):
    return _deny(case, user, Action.DENY_SUSPENSION, version, reason, now)


def resume_case(case, user, *, version=None, note: str = "", now=None):
    """恢复: a suspended case goes back to its unit, with the time it had left."""
    return _act(case, user, Action.RESUME, version=version, now=now, reason=_text("note", note))


def _request(case, user, action, version, reason, now, data=None):
    return _act(case, user, action, version=version, now=now, reason=_text("reason", reason, required=True),
                data={"reason": reason.strip(), "by": user.pk, **(data or {})})


def _deny(case, user, action, version, reason, now):
    return _act(case, user, action, version=version, now=now, reason=_text("reason", reason, required=True))


def supervise_case(case, user, *, version=None, reason: str = "", now=None):
    """督办: a leader flags a hard or late case."""
    return _act(case, user, Action.SUPERVISE, version=version, now=now, reason=_text("reason", reason, required=True))


def unsupervise_case(case, user, *, version=None, reason: str = "", now=None):
    return _act(case, user, Action.UNSUPERVISE, version=version, now=now, reason=_text("reason", reason))


def reopen_case(case, user, *, version=None, reason: str = "", now=None):
    """重新办理 after closure (counted as 返工), only within the configured window."""
    now = now or timezone.now()
    _within_reopen_window(case, now)
    return _act(case, user, Action.REOPEN, version=version, now=now, reason=_text("reason", reason, required=True))


def _within_reopen_window(case, now) -> None:
    window = timedelta(days=settings.REOPEN_WINDOW_DAYS)
    if case.state == State.CLOSED and case.closed_at and now - case.closed_at > window:
        raise ActionNotAllowed(
            f"结案已超过{settings.REOPEN_WINDOW_DAYS}天，不能重新办理 / closed more than "
            f"{settings.REOPEN_WINDOW_DAYS} days ago", allowed_actions=[])


def reopen_by_reporter(case, *, citizen_id: int, reason: str = "", version=None, now=None):
    """“没有解决”: the reporter says the fix did not hold. The same REOPEN rule and window as the
    shift leader's (counted as 返工); the citizens app checks that this citizen reported the case
    and limits how often (citizens.services.rate_case)."""
    now = now or timezone.now()
    _within_reopen_window(case, now)
    reporter = access.Reporter(case_id=case.pk, citizen_id=citizen_id)
    return _act(case, reporter, Action.REOPEN, version=version, now=now, data={"citizen": citizen_id},
                reason=_text("reason", reason, required=True, limit=1000))


def merge_case(case, user, *, version=None, into: str = "", reason: str = "", now=None):
    """合并: this report is a duplicate of an open case; it is voided and points there."""
    target = Case.objects.filter(reference=(into or "").strip()).first()
    if target is None or not access.can_see(user, target):
        raise InvalidInput.field("into", f"目标案件不存在 / case {into} not found")
    if target.pk == case.pk:
        raise InvalidInput.field("into", "不能与自身合并 / a case cannot duplicate itself")
    if target.kind != Kind.OPEN or target.duplicate_of_id:
        raise InvalidInput.field("into", "只能并入办理中的原始案件 / merge only into an open, original case")
    return _act(case, user, Action.MERGE, version=version, now=now, reason=_text("reason", reason),
                changes={"duplicate_of_id": target.pk}, data={"into": target.reference})


def reassign_case(case, user, *, version=None, department: str | None = None, reason: str = "", now=None):
    """改派: a leader moves the task to another unit; the handling clock runs on."""
    target = _own_district_department(user, _department(department))
    if target.pk == case.department_id:
        raise InvalidInput.field("department", "新部门与当前部门相同 / that is already the case's department")
    return _act(case, user, Action.REASSIGN, version=version, now=now, reason=_text("reason", reason, required=True),
                changes={"department_id": target.pk, "assignee_id": None}, data={"department": target.pk})


ACTIONS = {
    Action.REQUEST_VERIFICATION: request_verification,
    Action.VERIFY_REPORT: verify_report,
    Action.FILE: file_case,
    Action.NOT_FILE: reject_report,
    Action.DISPATCH: dispatch_case,
    Action.SIGN: sign_case,
    Action.HANDLE: handle_case,
    Action.CHECK: check_fix,
    Action.CLOSE: close_case,
    Action.REQUEST_VOID: request_void,
    Action.APPROVE_VOID: approve_void,
    Action.DENY_VOID: deny_void,
    Action.REQUEST_RETURN: request_return,
    Action.APPROVE_RETURN: approve_return,
    Action.DENY_RETURN: deny_return,
    Action.REQUEST_EXTENSION: request_extension,
    Action.APPROVE_EXTENSION: approve_extension,
    Action.DENY_EXTENSION: deny_extension,
    Action.REQUEST_SUSPENSION: request_suspension,
    Action.APPROVE_SUSPENSION: approve_suspension,
    Action.DENY_SUSPENSION: deny_suspension,
    Action.RESUME: resume_case,
    Action.SUPERVISE: supervise_case,
    Action.UNSUPERVISE: unsupervise_case,
    Action.REOPEN: reopen_case,
    Action.MERGE: merge_case,
    Action.REASSIGN: reassign_case,
}


# ---------------------------------------------------------------------------- publicity (not a transition)

PUBLISH_ROLES = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.COMMANDER})


def set_public(case, user, *, public: bool | None, reason: str = "", version=None, now=None) -> Case:
    """公开 / 取消公开: staff let others read this report's description and see its photos, or stop
    them (cases.publicity decides who sees what). The desk reads reports, so the desk decides; the
    state does not move, but the event keeps who decided, when and why, and the version check
    holds as for every change."""
    _require_in_scope(case, user)
    if access.is_read_only(user) or getattr(user, "role", "") not in PUBLISH_ROLES:
        raise Forbidden(_("Only operators, shift leaders and commanders can make a report public."))
    if public is None:
        raise InvalidInput.field("public", _("Say whether the report is to be public."))
    reason = _text("reason", reason, required=True)
    # "Already so" is read from the database: a stale copy must get the version conflict, not a no-op.
    saved_version, saved_at = Case.objects.filter(pk=case.pk).values_list("version", "published_at").get()
    if (saved_at is not None) == bool(public) and saved_version == (case.version if version is None else int(version)):
        return case  # already so: nothing to record
    now = now or timezone.now()
    return _mark(case, user, Marking.PUBLISH if public else Marking.UNPUBLISH, version=version, reason=reason,
                 changes={"published_at": now if public else None}, data={"public": bool(public)}, now=now)


def _mark(case, user, marking: str, *, version, reason: str, changes: dict, data: dict, now) -> Case:
    """A decision the timeline keeps that does not move the state (rules.Marking): the same version
    check and immutable event as a transition. No case_changed signal: its receivers (hotline, points,
    duplicates …) follow the lifecycle, which did not move; the new event moves Open311's data
    version, so its cached pages go."""
    expected = case.version if version is None else int(version)
    if expected != case.version:
        raise _conflict(case)
    with transaction.atomic():
        if Case.objects.filter(pk=case.pk, version=expected).update(
                version=expected + 1, updated_at=now, **changes) != 1:
            raise _conflict(case)
        seq = CaseEvent.objects.filter(case_id=case.pk).count() + 1
        CaseEvent(case_id=case.pk, seq=seq, action=marking, actor=user, actor_role=user.role, from_state=case.state,
                  to_state=case.state, pending_from=case.pending, pending_to=case.pending, reason=reason, data=data,
                  department_id=case.department_id, created_at=now,
                  request_id=context.request_id.get()).save(force_insert=True)
    for name, value in changes.items():
        setattr(case, name, value)
    case.updated_at, case.version = now, expected + 1
    return case


# ---------------------------------------------------------------------------- two-level command

TAKE_OVER_ROLES = frozenset({Role.SHIFT_LEADER, Role.COMMANDER})


def take_over_case(case, user, *, reason: str = "", version=None, now=None) -> Case:
    """市级接管: the city centre takes a case its district's centre runs into its own hands; the
    district's stages are then the city's (cases/command.py) until it is handed back."""
    _check_city_leader(case, user)
    if case.kind != Kind.OPEN:
        raise ActionNotAllowed(_("Only an open case can be taken over."), allowed_actions=[])
    if case.taken_over:
        return case
    if command.district_of(case.street_id) not in command.centres():
        raise ActionNotAllowed(_("The city centre already runs this case: its district has no command centre."),
                               allowed_actions=[])
    return _mark(case, user, Marking.TAKE_OVER, version=version, reason=_text("reason", reason, required=True),
                 changes={"taken_over": True}, data={"district": command.district_of(case.street_id)},
                 now=now or timezone.now())


def hand_back_case(case, user, *, reason: str = "", version=None, now=None) -> Case:
    """交回区级: the district's centre runs the case's next stages again."""
    _check_city_leader(case, user)
    if not case.taken_over:
        return case
    return _mark(case, user, Marking.HAND_BACK, version=version, reason=_text("reason", reason, required=True),
                 changes={"taken_over": False}, data={"district": command.district_of(case.street_id)},
                 now=now or timezone.now())


def _check_city_leader(case, user) -> None:
    _require_in_scope(case, user)
    if (access.is_read_only(user) or getattr(user, "scope", "") != Scope.CITY
            or getattr(user, "role", "") not in TAKE_OVER_ROLES):
        raise Forbidden(_("Only the city centre's shift leaders and commanders take a case over or hand it back."))
