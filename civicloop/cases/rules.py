"""The case lifecycle as data plus pure rules: no ORM, no clock of its own.

States belong to three kinds (open, closed, void) and code asks the kind. Each action has one
Rule: the states it starts from, the roles that may take it, where it leads, and how it touches
a pending request (回退, 延期, 挂账, 作废 wait for an approval while the case stays where it is).
The stage clock (deadlines in working time, pauses, extensions) is here too, as functions of a
calendar, so services.py only loads, decides, saves and records.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import TextChoices

from civicloop.lib.workcal import Light, Limit, WorkCalendar, light
from civicloop.org.roles import Role
from civicloop.taxonomy.stages import Stage


class State(TextChoices):
    REPORTED = "reported", "待受理 reported"
    VERIFYING = "verifying", "核实中 being verified"
    NOT_FILED = "not_filed", "不予立案 not filed"
    SELF_HANDLED = "self_handled", "自行处置待审核 self-handled, to review"
    FILED = "filed", "已立案待派遣 filed"
    DISPATCHED = "dispatched", "已派遣待签收 dispatched"
    IN_PROGRESS = "in_progress", "处置中 in progress"
    HANDLED = "handled", "已处置待核查 handled, to check"
    CHECKED = "checked", "核查通过待结案 checked, to close"
    SUSPENDED = "suspended", "挂账/缓办 suspended"
    CLOSED = "closed", "已结案 closed"
    VOID = "void", "已作废 void"


class Kind(TextChoices):
    OPEN = "open", "办理中 open"
    CLOSED = "closed", "已办结 closed"
    VOID = "void", "无效 void"


KIND_OF: dict[str, str] = {s: Kind.OPEN for s in State}
KIND_OF.update({State.CLOSED: Kind.CLOSED, State.NOT_FILED: Kind.VOID, State.VOID: Kind.VOID})
OPEN_STATES = frozenset(s for s, k in KIND_OF.items() if k == Kind.OPEN)


class Pending(TextChoices):
    NONE = "", "无 none"
    RETURN = "return", "回退申请 return requested"
    EXTEND = "extend", "延期申请 extension requested"
    SUSPEND = "suspend", "挂账申请 suspension requested"
    VOID = "void", "作废申请 void requested"


class Action(TextChoices):
    REPORT = "report", "上报 report"
    REQUEST_VERIFICATION = "request_verification", "派发核实 send for verification"
    VERIFY_REPORT = "verify_report", "核实 verify report"
    FILE = "file", "立案 file"
    NOT_FILE = "not_file", "不予立案 do not file"
    DISPATCH = "dispatch", "派遣 dispatch"
    SIGN = "sign", "签收 sign for"
    HANDLE = "handle", "处置反馈 handle"
    CHECK = "check", "核查 check the fix"
    CLOSE = "close", "结案 close"
    REQUEST_VOID = "request_void", "申请作废 request void"
    APPROVE_VOID = "approve_void", "批准作废 approve void"
    DENY_VOID = "deny_void", "驳回作废 deny void"
    REQUEST_RETURN = "request_return", "申请回退 request return"
    APPROVE_RETURN = "approve_return", "批准回退 approve return"
    DENY_RETURN = "deny_return", "驳回回退 deny return"
    REQUEST_EXTENSION = "request_extension", "申请延期 request extension"
    APPROVE_EXTENSION = "approve_extension", "批准延期 approve extension"
    DENY_EXTENSION = "deny_extension", "驳回延期 deny extension"
    REQUEST_SUSPENSION = "request_suspension", "申请挂账 request suspension"
    APPROVE_SUSPENSION = "approve_suspension", "批准挂账 approve suspension"
    DENY_SUSPENSION = "deny_suspension", "驳回挂账 deny suspension"
    RESUME = "resume", "恢复办理 resume"
    SUPERVISE = "supervise", "督办 supervise"
    UNSUPERVISE = "unsupervise", "取消督办 end supervision"
    REOPEN = "reopen", "重新办理 reopen"
    MERGE = "merge", "合并重复 merge as duplicate"
    REASSIGN = "reassign", "改派 reassign"


class Marking(TextChoices):
    """Events that record a decision about a case outside its lifecycle: the state does not move,
    so they are not Actions (rules.RULES); they only sit in the timeline."""

    PUBLISH = "publish", "公开 made public"
    UNPUBLISH = "unpublish", "取消公开 made private"
    TAKE_OVER = "take_over", "市级接管 taken over by the city"
    HAND_BACK = "hand_back", "交回区级 handed back to the district"


EVENT_CHOICES = Action.choices + Marking.choices


def event_label(action: str) -> str:
    """The label of any event's action, lifecycle or not."""
    return Marking(action).label if action in Marking.values else Action(action).label


R = Role
# Not a staff role: the citizen who reported a case, who may only say “没有解决” after closure.
REPORTER = "reporter"
_FIELD = frozenset({R.INSPECTOR, R.GRID_WORKER})
_DESK = frozenset({R.OPERATOR, R.SHIFT_LEADER})
_APPROVERS = frozenset({R.DISPATCHER, R.COMMANDER})
_IN_HAND = frozenset({State.DISPATCHED, State.IN_PROGRESS})
_BEFORE_DISPATCH = frozenset({State.REPORTED, State.VERIFYING, State.FILED, State.SELF_HANDLED})


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    roles: frozenset[str]
    target: str | None = None  # None: the state does not change
    needs: str = Pending.NONE  # the pending request this action answers
    opens: str = Pending.NONE  # the pending request this action files
    own_department: bool = False  # only a worker of the case's department may act
    any_pending: bool = False  # flag-only actions work whatever is pending


RULES: dict[str, Rule] = {
    Action.REQUEST_VERIFICATION: Rule(frozenset({State.REPORTED}), _DESK, State.VERIFYING),
    Action.VERIFY_REPORT: Rule(frozenset({State.VERIFYING}), _FIELD, State.REPORTED),
    Action.FILE: Rule(frozenset({State.REPORTED}), _DESK, State.FILED),
    Action.NOT_FILE: Rule(frozenset({State.REPORTED, State.VERIFYING}), _DESK, State.NOT_FILED),
    Action.DISPATCH: Rule(frozenset({State.FILED}), frozenset({R.DISPATCHER}), State.DISPATCHED),
    Action.SIGN: Rule(frozenset({State.DISPATCHED}), frozenset({R.HANDLER}), State.IN_PROGRESS, own_department=True),
    Action.HANDLE: Rule(frozenset({State.IN_PROGRESS}), frozenset({R.HANDLER}), State.HANDLED, own_department=True),
    # CHECK leads to CHECKED when the fix passes and back to IN_PROGRESS (返工) when it fails.
    Action.CHECK: Rule(frozenset({State.HANDLED}), _FIELD, State.CHECKED),
    Action.CLOSE: Rule(frozenset({State.CHECKED, State.SELF_HANDLED}), frozenset({R.SHIFT_LEADER}), State.CLOSED),
    Action.REQUEST_VOID: Rule(_BEFORE_DISPATCH, _DESK, opens=Pending.VOID),
    Action.APPROVE_VOID: Rule(_BEFORE_DISPATCH, frozenset({R.SHIFT_LEADER}), State.VOID, needs=Pending.VOID),
    Action.DENY_VOID: Rule(_BEFORE_DISPATCH, frozenset({R.SHIFT_LEADER}), needs=Pending.VOID),
    Action.REQUEST_RETURN: Rule(_IN_HAND, frozenset({R.HANDLER}), opens=Pending.RETURN, own_department=True),
    Action.APPROVE_RETURN: Rule(_IN_HAND, _APPROVERS, State.FILED, needs=Pending.RETURN),
    Action.DENY_RETURN: Rule(_IN_HAND, _APPROVERS, needs=Pending.RETURN),
    Action.REQUEST_EXTENSION: Rule(_IN_HAND, frozenset({R.HANDLER}), opens=Pending.EXTEND, own_department=True),
    Action.APPROVE_EXTENSION: Rule(_IN_HAND, _APPROVERS, needs=Pending.EXTEND),
    Action.DENY_EXTENSION: Rule(_IN_HAND, _APPROVERS, needs=Pending.EXTEND),
    Action.REQUEST_SUSPENSION: Rule(
        frozenset({State.IN_PROGRESS}), frozenset({R.HANDLER}), opens=Pending.SUSPEND, own_department=True
    ),
    Action.APPROVE_SUSPENSION: Rule(frozenset({State.IN_PROGRESS}), _APPROVERS, State.SUSPENDED, needs=Pending.SUSPEND),
    Action.DENY_SUSPENSION: Rule(frozenset({State.IN_PROGRESS}), _APPROVERS, needs=Pending.SUSPEND),
    Action.RESUME: Rule(frozenset({State.SUSPENDED}), _APPROVERS, State.IN_PROGRESS),
    Action.SUPERVISE: Rule(OPEN_STATES, frozenset({R.COMMANDER}), any_pending=True),
    Action.UNSUPERVISE: Rule(OPEN_STATES, frozenset({R.COMMANDER}), any_pending=True),
    # The shift leader, or the reporter saying “没有解决”, sends a closed case back.
    Action.REOPEN: Rule(frozenset({State.CLOSED}), frozenset({R.SHIFT_LEADER, REPORTER}), State.IN_PROGRESS),
    Action.MERGE: Rule(frozenset({State.REPORTED, State.VERIFYING, State.FILED}), _DESK, State.VOID),
    Action.REASSIGN: Rule(_IN_HAND, _APPROVERS, State.DISPATCHED),
}

# Waiting for these approvals is not the unit's fault, so its clock stops meanwhile (local rule).
PAUSES_WHILE_PENDING = frozenset({Pending.RETURN, Pending.SUSPEND, Pending.VOID})

# Which stage's clock runs in which state; None: no clock (paused or finished).
STAGE_OF: dict[str, str | None] = {
    State.REPORTED: Stage.FILE,
    State.VERIFYING: Stage.VERIFY,
    State.SELF_HANDLED: Stage.CLOSE,
    State.FILED: Stage.DISPATCH,
    State.DISPATCHED: Stage.HANDLE,
    State.IN_PROGRESS: Stage.HANDLE,
    State.HANDLED: Stage.CHECK,
    State.CHECKED: Stage.CLOSE,
    State.SUSPENDED: None,
    State.CLOSED: None,
    State.NOT_FILED: None,
    State.VOID: None,
}

# The action that completes a stage, so the stage is judged on time or late.
COMPLETES: dict[str, str] = {
    Action.VERIFY_REPORT: Stage.VERIFY,
    Action.FILE: Stage.FILE,
    Action.NOT_FILE: Stage.FILE,
    Action.DISPATCH: Stage.DISPATCH,
    Action.HANDLE: Stage.HANDLE,
    Action.CHECK: Stage.CHECK,
    Action.CLOSE: Stage.CLOSE,
}

# Actions after which a stage starts afresh even though its name does not change (返工, 改派 keeps it).
RESTARTS = frozenset({Action.REOPEN})


class NotAllowed(Exception):
    def __init__(self, message: str, allowed: list[str]):
        super().__init__(message)
        self.allowed = allowed


@dataclass(frozen=True)
class Actor:
    role: str
    own_department: bool  # the actor works for the case's current department


def is_allowed(action: str, state: str, pending: str, actor: Actor) -> bool:
    rule = RULES[action]
    if state not in rule.sources or actor.role not in rule.roles:
        return False
    if rule.own_department and not actor.own_department:
        return False
    if rule.any_pending:
        return True
    return pending == rule.needs


def allowed_actions(state: str, pending: str, actor: Actor) -> list[str]:
    return [a for a in RULES if is_allowed(a, state, pending, actor)]


def decide(
    action: str, state: str, pending: str, actor: Actor, *, passed: bool = True, dispatched: bool = True
) -> tuple[str, str]:
    """The (state, pending) after the action, or NotAllowed naming what is allowed now."""
    if action not in RULES:
        raise NotAllowed(f"未知操作 / unknown action: {action}", allowed_actions(state, pending, actor))
    if not is_allowed(action, state, pending, actor):
        raise NotAllowed(
            f"当前状态不允许此操作 / '{action}' is not allowed in state '{state}'"
            + (f" while '{pending}' is pending" if pending else ""),
            allowed_actions(state, pending, actor),
        )
    rule = RULES[action]
    target = rule.target or state
    if action == Action.CHECK and not passed:
        target = State.IN_PROGRESS  # 返工: back to the unit
    if action == Action.REOPEN and not dispatched:
        target = State.FILED  # a self-handled case has no unit yet: the dispatcher sends it
    if rule.opens:
        return target, rule.opens
    if rule.needs:
        return target, Pending.NONE
    return target, pending


def initial_state(*, self_handled: bool) -> str:
    return State.SELF_HANDLED if self_handled else State.REPORTED


def is_rework(action: str, *, passed: bool = True) -> bool:
    return (action == Action.CHECK and not passed) or action == Action.REOPEN


# ---------------------------------------------------------------------------- the stage clock


@dataclass(frozen=True)
class Clock:
    """The running stage. run_from is None while the clock is paused (挂账, waiting for approval)."""

    stage: str | None = None
    limit_seconds: float = 0.0
    working: bool = True
    consumed: float = 0.0
    run_from: datetime | None = None
    deadline: datetime | None = None
    warn_at: datetime | None = None


def clock_start(cal: WorkCalendar, stage: str, limit: Limit, now: datetime, warn_fraction: float) -> Clock:
    seconds = cal.limit_seconds(limit)
    working = limit.unit.is_working
    return Clock(
        stage=stage, limit_seconds=seconds, working=working, consumed=0.0, run_from=now,
        deadline=cal.advance(now, seconds, working=working),
        warn_at=cal.advance(now, seconds * warn_fraction, working=working),
    )


def clock_used(cal: WorkCalendar, clock: Clock, now: datetime) -> float:
    if clock.run_from is None:
        return clock.consumed
    return clock.consumed + cal.elapsed(clock.run_from, now, working=clock.working)


def clock_pause(cal: WorkCalendar, clock: Clock, now: datetime) -> Clock:
    if clock.stage is None or clock.run_from is None:
        return clock
    return replace(clock, consumed=clock_used(cal, clock, now), run_from=None, deadline=None, warn_at=None)


def clock_resume(cal: WorkCalendar, clock: Clock, now: datetime, warn_fraction: float) -> Clock:
    if clock.stage is None or clock.run_from is not None:
        return clock
    return _rescheduled(cal, replace(clock, run_from=now), warn_fraction)


def clock_extend(cal: WorkCalendar, clock: Clock, extra_seconds: float, warn_fraction: float) -> Clock:
    extended = replace(clock, limit_seconds=clock.limit_seconds + extra_seconds)
    return _rescheduled(cal, extended, warn_fraction) if clock.run_from is not None else extended


def _rescheduled(cal: WorkCalendar, clock: Clock, warn_fraction: float) -> Clock:
    """Deadline and warning from the current run, counting what was used before it."""
    left = max(0.0, clock.limit_seconds - clock.consumed)
    warn_left = max(0.0, clock.limit_seconds * warn_fraction - clock.consumed)
    return replace(
        clock,
        deadline=cal.advance(clock.run_from, left, working=clock.working),
        warn_at=cal.advance(clock.run_from, warn_left, working=clock.working),
    )


def clock_on_time(cal: WorkCalendar, clock: Clock, now: datetime) -> bool:
    # A small tolerance: a clock that ran exactly to its limit is on time.
    return clock_used(cal, clock, now) <= clock.limit_seconds + 1e-6


def clock_light(clock: Clock, now: datetime) -> Light | None:
    return light(now, clock.warn_at, clock.deadline)


# ---------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class Step:
    action: str
    from_state: str
    to_state: str
    pending_from: str
    pending_to: str


def replay(steps: list[Step]) -> tuple[str, str]:
    """Folds an event log into (state, pending); a broken chain raises ValueError."""
    if not steps or steps[0].action != Action.REPORT:
        raise ValueError("an event log starts with the report")
    state, pending = steps[0].to_state, steps[0].pending_to
    for step in steps[1:]:
        if (step.from_state, step.pending_from) != (state, pending):
            raise ValueError(f"event {step.action} starts from {step.from_state}/{step.pending_from}, "
                             f"but the case was {state}/{pending}")
        state, pending = step.to_state, step.pending_to
    return state, pending
