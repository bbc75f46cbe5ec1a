"""The transition core shared by services.py (one case at a time) and the history seeder (in bulk).

plan() works on a Case object in memory and the cached configuration only: it asks the rules
for the next state, moves the stage clock and says which fields change and what the event says.
commit() saves a plan with the version check. Nothing else computes a case's state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from civicloop.cases import rules
from civicloop.cases.rules import Action, Clock, State
from civicloop.lib.workcal import Limit
from civicloop.taxonomy.queries import TaxonomyConfig
from civicloop.taxonomy.stages import Stage

_STAMPS = {
    Action.FILE: "filed_at",
    Action.DISPATCH: "dispatched_at",
    Action.REASSIGN: "dispatched_at",
    Action.SIGN: "signed_at",
    Action.HANDLE: "handled_at",
    Action.CLOSE: "closed_at",
}
# Stages that can run several times (返工); the case's flag says whether every run was on time.
_CUMULATIVE = frozenset({Stage.HANDLE, Stage.CHECK})


@dataclass
class Plan:
    action: str
    fields: dict = field(default_factory=dict)
    event: dict = field(default_factory=dict)


def actor_of(user, case) -> rules.Actor:
    own = bool(case.department_id) and user.department_id == case.department_id
    return rules.Actor(role=user.role, own_department=own)


def light_now(case, now: datetime | None = None):
    """green / yellow / red (a Light) for an open case with a running clock; None otherwise."""
    if case.kind != rules.Kind.OPEN:
        return None
    return rules.clock_light(clock_of(case), now or timezone.now())


def clock_of(case) -> Clock:
    return Clock(
        stage=case.stage or None, limit_seconds=case.stage_limit_seconds, working=case.stage_working,
        consumed=case.stage_consumed, run_from=case.stage_run_from, deadline=case.stage_deadline,
        warn_at=case.stage_warn_at,
    )


def clock_fields(clock: Clock) -> dict:
    return {
        "stage": clock.stage or "", "stage_limit_seconds": clock.limit_seconds, "stage_working": clock.working,
        "stage_consumed": clock.consumed, "stage_run_from": clock.run_from, "stage_deadline": clock.deadline,
        "stage_warn_at": clock.warn_at,
    }


def start_clock(cfg: TaxonomyConfig, stage: str, *, category: str | None, condition: str, now: datetime) -> Clock:
    limit = cfg.limit(category, condition, stage)
    return rules.clock_start(cfg.calendar, stage, limit, now, settings.WARN_FRACTION)


def plan(
    case, user, action: str, *, cfg: TaxonomyConfig, now: datetime, passed: bool = True, reason: str = "",
    changes: dict | None = None, data: dict | None = None, extension: Limit | None = None,
) -> Plan:
    """Decide one transition. `changes` are fields the action sets (category, department …)."""
    state, pending = rules.decide(action, case.state, case.pending, actor_of(user, case), passed=passed,
                                  dispatched=case.department_id is not None)
    fields = dict(changes or {})
    category = fields.get("category_id", case.category_id)
    condition = fields.get("condition", case.condition)
    clock, ended, on_time = _move_clock(
        cfg, case, action, state, pending, now, category=category, condition=condition,
        rework=rules.is_rework(action, passed=passed), extension=extension,
    )
    fields.update(clock_fields(clock))
    fields.update(state=state, kind=rules.KIND_OF[state], pending=pending, updated_at=now)
    if ended:
        flag = f"{ended}_on_time"
        previous = getattr(case, flag)
        fields[flag] = on_time and previous is not False if ended in _CUMULATIVE else on_time
    fields.update(_bookkeeping(case, action, state, pending, now, passed=passed, data=data))
    event = {
        # A citizen reporter is not a staff account: the event names the role, the data the citizen.
        "action": action, "actor": None if getattr(user, "is_reporter", False) else user, "actor_role": user.role, "from_state": case.state, "to_state": state,
        "pending_from": case.pending, "pending_to": pending, "reason": reason, "data": data or {},
        "stage": ended or "", "on_time": on_time if ended else None,
        "department_id": fields.get("department_id", case.department_id), "created_at": now,
    }
    return Plan(action=action, fields=fields, event=event)


def _move_clock(cfg, case, action, state, pending, now, *, category, condition, rework, extension):
    cal = cfg.calendar
    clock = clock_of(case)
    ended, on_time = None, None
    completes = rules.COMPLETES.get(action)
    if completes and clock.stage == completes:
        ended, on_time = completes, rules.clock_on_time(cal, clock, now)
    new_stage = rules.STAGE_OF[state]
    if state == State.SUSPENDED:
        pass  # the handling clock stays, paused below, and runs on after 恢复
    elif new_stage is None:
        clock = Clock()
    elif new_stage != clock.stage or rework or ended:
        clock = start_clock(cfg, new_stage, category=category, condition=condition, now=now)
    if extension is not None and clock.stage:
        clock = rules.clock_extend(cal, clock, cal.limit_seconds(extension), settings.WARN_FRACTION)
    if state == State.SUSPENDED or pending in rules.PAUSES_WHILE_PENDING:
        clock = rules.clock_pause(cal, clock, now)
    else:
        clock = rules.clock_resume(cal, clock, now, settings.WARN_FRACTION)
    return clock, ended, on_time


def _bookkeeping(case, action, state, pending, now, *, passed, data) -> dict:
    fields = {}
    stamp = _STAMPS.get(action)
    if stamp:
        fields[stamp] = now
    if action == Action.CHECK and passed:
        fields["checked_at"] = now
    if rules.is_rework(action, passed=passed):
        fields["rework_count"] = case.rework_count + 1
        fields["closed_at"] = None
    if action == Action.APPROVE_RETURN:
        fields.update(return_count=case.return_count + 1, department_id=None, assignee_id=None)
    if action == Action.APPROVE_EXTENSION:
        fields["extension_count"] = case.extension_count + 1
    if action in (Action.SUPERVISE, Action.UNSUPERVISE):
        fields["supervised"] = action == Action.SUPERVISE
    if rules.RULES[action].opens:
        fields["pending_data"] = data or {}
    elif rules.RULES[action].needs:
        fields["pending_data"] = {}
    return fields


def apply(case, plan_: Plan) -> None:
    """Copy a plan's fields onto the in-memory case (after saving, or when building history)."""
    for name, value in plan_.fields.items():
        setattr(case, name, value)
    case.version += 1
