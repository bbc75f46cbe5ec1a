"""The pure case workflow (civicloop.cases.rules): states, rules, decide(), replay() and the stage clock.

No database here: rules.py is plain data and functions over a WorkCalendar.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicloop.cases import rules
from civicloop.cases.rules import (
    REPORTER,
    KIND_OF,
    OPEN_STATES,
    PAUSES_WHILE_PENDING,
    RULES,
    STAGE_OF,
    Action,
    Actor,
    Clock,
    Kind,
    NotAllowed,
    Pending,
    State,
    Step,
)
from civicloop.lib.workcal import Light, Limit, Unit, WorkCalendar
from civicloop.org.roles import Role
from civicloop.taxonomy.stages import Stage

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()  # 08:30-12:00, 14:30-18:00, the State Council schedule
H = 3600.0
WARN = 0.8


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


MON_0900 = sh(2026, 11, 23, 9)  # an ordinary Monday

# What each pending request may be answered with (the request's own approve/deny).
ANSWERS = {
    Pending.RETURN: {Action.APPROVE_RETURN, Action.DENY_RETURN},
    Pending.EXTEND: {Action.APPROVE_EXTENSION, Action.DENY_EXTENSION},
    Pending.SUSPEND: {Action.APPROVE_SUSPENSION, Action.DENY_SUSPENSION},
    Pending.VOID: {Action.APPROVE_VOID, Action.DENY_VOID},
}
FLAGS = {Action.SUPERVISE, Action.UNSUPERVISE}
ALL_ACTORS = [Actor(role, own) for role in Role.values for own in (False, True)]


def actor_for(action: str, *, own: bool = True) -> Actor:
    """An actor the rule admits (the first of its roles, sorted for stable test ids)."""
    return Actor(sorted(RULES[action].roles)[0], own)


def pending_for(action: str) -> str:
    return RULES[action].needs


# ---------------------------------------------------------------------------- the data itself


def test_every_state_has_a_kind_and_a_stage_entry():
    assert set(KIND_OF) == set(State.values)
    assert set(STAGE_OF) == set(State.values)
    assert all(KIND_OF[s] in Kind.values for s in State)
    assert KIND_OF[State.CLOSED] == Kind.CLOSED
    assert {s for s in State if KIND_OF[s] == Kind.VOID} == {State.NOT_FILED, State.VOID}
    assert OPEN_STATES == {s for s in State if KIND_OF[s] == Kind.OPEN}
    assert State.SUSPENDED in OPEN_STATES


def test_a_clock_runs_exactly_in_the_open_states_except_suspension():
    for state in State:
        if state in OPEN_STATES and state != State.SUSPENDED:
            assert STAGE_OF[state] in Stage.values, state
        else:
            assert STAGE_OF[state] is None, state


def test_every_action_but_report_has_a_well_formed_rule():
    assert set(RULES) == set(Action.values) - {Action.REPORT}
    for action, rule in RULES.items():
        assert rule.sources, action
        assert rule.sources <= set(State.values), action
        assert rule.roles <= set(Role.values) | {REPORTER}, action
        assert REPORTER not in rule.roles or action == Action.REOPEN, action  # a citizen only reopens
        assert Role.ADMIN not in rule.roles, action  # administrators never act on cases
        assert rule.target is None or rule.target in State.values, action
        assert rule.needs in Pending.values and rule.opens in Pending.values, action
        assert not (rule.needs and rule.opens), action
        # every state an action starts from is open, except 重新办理 from a closed case
        if action != Action.REOPEN:
            assert rule.sources <= OPEN_STATES, action


def test_each_pending_request_has_one_opener_and_its_answers():
    for pending, answers in ANSWERS.items():
        openers = {a for a, r in RULES.items() if r.opens == pending}
        assert len(openers) == 1, pending
        assert {a for a, r in RULES.items() if r.needs == pending} == answers
        (opener,) = openers
        for answer in answers:  # a request can be answered wherever it can be filed
            assert RULES[opener].sources <= RULES[answer].sources, (opener, answer)


def test_the_service_layer_has_one_function_per_rule():
    from civicloop.cases import services

    assert set(services.ACTIONS) == set(RULES)


def test_initial_state():
    assert rules.initial_state(self_handled=False) == State.REPORTED
    assert rules.initial_state(self_handled=True) == State.SELF_HANDLED


# ---------------------------------------------------------------------------- decide()

TRANSITIONS = sorted((action, source) for action, rule in RULES.items() for source in rule.sources)


@pytest.mark.parametrize("action, source", TRANSITIONS)
def test_decide_from_each_source_state_gives_the_rules_target(action, source):
    rule = RULES[action]
    for role in sorted(rule.roles):
        state, pending = rules.decide(action, source, rule.needs, Actor(role, True))
        assert state == (rule.target or source)
        if rule.opens:
            assert pending == rule.opens
        else:
            assert pending == Pending.NONE  # answered, or nothing was pending


@pytest.mark.parametrize("action, source", [(a, s) for a, s in TRANSITIONS if RULES[a].any_pending])
def test_flag_actions_keep_whatever_is_pending(action, source):
    for pending in Pending.values:
        assert rules.decide(action, source, pending, actor_for(action)) == (source, pending)


@pytest.mark.parametrize("action", sorted(RULES))
def test_a_role_outside_the_rule_is_refused_with_the_allowed_list(action):
    rule = RULES[action]
    source = sorted(rule.sources)[0]
    for role in sorted(set(Role.values) - rule.roles):
        for own in (False, True):
            actor = Actor(role, own)
            with pytest.raises(NotAllowed) as info:
                rules.decide(action, source, rule.needs, actor)
            assert info.value.allowed == rules.allowed_actions(source, rule.needs, actor)
            assert action not in info.value.allowed


@pytest.mark.parametrize("action", sorted(RULES))
def test_an_action_from_a_state_outside_its_sources_is_refused(action):
    rule = RULES[action]
    actor = actor_for(action)
    for state in sorted(set(State.values) - rule.sources):
        with pytest.raises(NotAllowed) as info:
            rules.decide(action, state, rule.needs, actor)
        assert info.value.allowed == rules.allowed_actions(state, rule.needs, actor)
        assert str(state) in str(info.value)


@pytest.mark.parametrize("action", sorted(a for a, r in RULES.items() if r.own_department))
def test_department_actions_need_the_cases_own_department(action):
    rule = RULES[action]
    source = sorted(rule.sources)[0]
    with pytest.raises(NotAllowed):
        rules.decide(action, source, rule.needs, actor_for(action, own=False))
    rules.decide(action, source, rule.needs, actor_for(action, own=True))


def test_unknown_action_is_refused_with_the_allowed_list():
    actor = Actor(Role.OPERATOR, False)
    with pytest.raises(NotAllowed) as info:
        rules.decide("teleport", State.REPORTED, Pending.NONE, actor)
    assert info.value.allowed == rules.allowed_actions(State.REPORTED, Pending.NONE, actor)
    assert Action.FILE in info.value.allowed
    with pytest.raises(NotAllowed):
        rules.decide(Action.REPORT, State.REPORTED, Pending.NONE, actor)  # report is not a transition


def test_allowed_actions_agree_with_decide_everywhere():
    for state in State.values:
        for pending in Pending.values:
            for actor in ALL_ACTORS:
                allowed = rules.allowed_actions(state, pending, actor)
                assert allowed == [a for a in RULES if rules.is_allowed(a, state, pending, actor)]
                for action in RULES:
                    if action in allowed:
                        rules.decide(action, state, pending, actor)
                    else:
                        with pytest.raises(NotAllowed) as info:
                            rules.decide(action, state, pending, actor)
                        assert info.value.allowed == allowed


@pytest.mark.parametrize("pending", sorted(ANSWERS))
def test_a_pending_request_blocks_everything_but_its_answers_and_the_flags(pending):
    seen_answers = set()
    for state in State.values:
        for actor in ALL_ACTORS:
            allowed = set(rules.allowed_actions(state, pending, actor))
            assert allowed <= ANSWERS[pending] | FLAGS, (state, actor, allowed)
            seen_answers |= allowed & ANSWERS[pending]
    assert seen_answers == ANSWERS[pending]  # and the answers are really available somewhere


def test_nothing_at_all_is_allowed_on_closed_or_void_cases_but_reopen():
    for state in State.values:
        if KIND_OF[state] == Kind.OPEN:
            continue
        for actor in ALL_ACTORS:
            allowed = rules.allowed_actions(state, Pending.NONE, actor)
            if state == State.CLOSED and actor.role == Role.SHIFT_LEADER:
                assert allowed == [Action.REOPEN]
            else:
                assert allowed == [], (state, actor)


def test_a_request_cannot_be_filed_twice():
    actor = Actor(Role.HANDLER, True)
    state, pending = rules.decide(Action.REQUEST_EXTENSION, State.IN_PROGRESS, Pending.NONE, actor)
    assert (state, pending) == (State.IN_PROGRESS, Pending.EXTEND)
    for request in (Action.REQUEST_EXTENSION, Action.REQUEST_RETURN, Action.REQUEST_SUSPENSION):
        with pytest.raises(NotAllowed):
            rules.decide(request, state, pending, actor)


def test_an_answer_without_a_request_is_refused():
    for answers in ANSWERS.values():
        for action in answers:
            source = sorted(RULES[action].sources)[0]
            with pytest.raises(NotAllowed):
                rules.decide(action, source, Pending.NONE, actor_for(action))


def test_check_passed_goes_to_checked_and_failed_goes_back_for_rework():
    inspector = Actor(Role.INSPECTOR, False)
    assert rules.decide(Action.CHECK, State.HANDLED, Pending.NONE, inspector) == (State.CHECKED, Pending.NONE)
    assert rules.decide(Action.CHECK, State.HANDLED, Pending.NONE, inspector, passed=False) == (
        State.IN_PROGRESS, Pending.NONE)
    assert rules.is_rework(Action.CHECK, passed=False)
    assert not rules.is_rework(Action.CHECK, passed=True)
    assert rules.is_rework(Action.REOPEN)
    # `passed` means nothing to other actions
    assert rules.decide(Action.HANDLE, State.IN_PROGRESS, Pending.NONE, Actor(Role.HANDLER, True), passed=False) == (
        State.HANDLED, Pending.NONE)


def test_the_main_loop_and_its_detours():
    desk, leader = Actor(Role.OPERATOR, False), Actor(Role.SHIFT_LEADER, False)
    dispatcher, handler = Actor(Role.DISPATCHER, False), Actor(Role.HANDLER, True)
    inspector = Actor(Role.INSPECTOR, False)
    s = (State.REPORTED, Pending.NONE)

    def go(action, actor, **kw):
        nonlocal s
        s = rules.decide(action, *s, actor, **kw)
        return s

    assert go(Action.REQUEST_VERIFICATION, desk) == (State.VERIFYING, "")
    assert go(Action.VERIFY_REPORT, inspector) == (State.REPORTED, "")
    assert go(Action.FILE, desk) == (State.FILED, "")
    assert go(Action.DISPATCH, dispatcher) == (State.DISPATCHED, "")
    assert go(Action.REQUEST_RETURN, handler) == (State.DISPATCHED, Pending.RETURN)
    assert go(Action.APPROVE_RETURN, dispatcher) == (State.FILED, "")
    assert go(Action.DISPATCH, dispatcher) == (State.DISPATCHED, "")
    assert go(Action.SIGN, handler) == (State.IN_PROGRESS, "")
    assert go(Action.REQUEST_SUSPENSION, handler) == (State.IN_PROGRESS, Pending.SUSPEND)
    assert go(Action.SUPERVISE, Actor(Role.COMMANDER, False)) == (State.IN_PROGRESS, Pending.SUSPEND)
    assert go(Action.APPROVE_SUSPENSION, dispatcher) == (State.SUSPENDED, "")
    assert go(Action.RESUME, dispatcher) == (State.IN_PROGRESS, "")
    assert go(Action.REQUEST_EXTENSION, handler) == (State.IN_PROGRESS, Pending.EXTEND)
    assert go(Action.DENY_EXTENSION, dispatcher) == (State.IN_PROGRESS, "")
    assert go(Action.REASSIGN, dispatcher) == (State.DISPATCHED, "")
    assert go(Action.SIGN, handler) == (State.IN_PROGRESS, "")
    assert go(Action.HANDLE, handler) == (State.HANDLED, "")
    assert go(Action.CHECK, inspector, passed=False) == (State.IN_PROGRESS, "")
    assert go(Action.HANDLE, handler) == (State.HANDLED, "")
    assert go(Action.CHECK, inspector) == (State.CHECKED, "")
    assert go(Action.CLOSE, leader) == (State.CLOSED, "")
    assert go(Action.REOPEN, leader) == (State.IN_PROGRESS, "")


def test_void_and_merge_only_before_dispatch():
    desk, leader = Actor(Role.OPERATOR, False), Actor(Role.SHIFT_LEADER, False)
    assert rules.decide(Action.REQUEST_VOID, State.SELF_HANDLED, "", desk) == (State.SELF_HANDLED, Pending.VOID)
    assert rules.decide(Action.APPROVE_VOID, State.FILED, Pending.VOID, leader) == (State.VOID, "")
    assert rules.decide(Action.DENY_VOID, State.VERIFYING, Pending.VOID, leader) == (State.VERIFYING, "")
    assert rules.decide(Action.MERGE, State.VERIFYING, "", desk) == (State.VOID, "")
    for state in (State.DISPATCHED, State.IN_PROGRESS, State.HANDLED, State.CHECKED):
        for action in (Action.REQUEST_VOID, Action.MERGE):
            with pytest.raises(NotAllowed):
                rules.decide(action, state, "", desk)
    with pytest.raises(NotAllowed):
        rules.decide(Action.MERGE, State.SELF_HANDLED, "", desk)  # a self-handled case is no duplicate


# ---------------------------------------------------------------------------- random walks


def _walk(moves) -> tuple[list[Step], list[tuple[str, str]]]:
    """Plays (action, actor, passed) moves from a report; refused moves must change nothing."""
    steps = [Step(Action.REPORT, "", State.REPORTED, "", "")]
    state, pending = State.REPORTED, Pending.NONE
    trail = [(state, pending)]
    for action, actor, passed in moves:
        if action in rules.allowed_actions(state, pending, actor):
            new_state, new_pending = rules.decide(action, state, pending, actor, passed=passed)
            steps.append(Step(action, state, new_state, pending, new_pending))
            state, pending = new_state, new_pending
            trail.append((state, pending))
        else:
            with pytest.raises(NotAllowed):
                rules.decide(action, state, pending, actor, passed=passed)
    return steps, trail


MOVES = st.lists(
    st.tuples(st.sampled_from(sorted(RULES)), st.sampled_from(ALL_ACTORS), st.booleans()), max_size=80)


@settings(max_examples=300, database=None)
@given(MOVES)
def test_any_walk_stays_inside_the_workflow_and_replays(moves):
    steps, trail = _walk(moves)
    for state, pending in trail:
        assert state in State.values and pending in Pending.values
        if KIND_OF[state] != Kind.OPEN:
            assert pending == Pending.NONE  # no request outlives the case
        if pending:
            assert state in RULES[next(a for a, r in RULES.items() if r.opens == pending)].sources
    assert rules.replay(steps) == trail[-1]
    for n in range(1, len(steps) + 1):  # every prefix replays to where the case was then
        assert rules.replay(steps[:n]) == trail[n - 1]


# ---------------------------------------------------------------------------- replay()


def _chain() -> list[Step]:
    steps, _ = _walk([
        (Action.FILE, Actor(Role.OPERATOR, False), True),
        (Action.DISPATCH, Actor(Role.DISPATCHER, False), True),
        (Action.REQUEST_RETURN, Actor(Role.HANDLER, True), True),
        (Action.DENY_RETURN, Actor(Role.COMMANDER, False), True),
        (Action.SIGN, Actor(Role.HANDLER, True), True),
        (Action.HANDLE, Actor(Role.HANDLER, True), True),
        (Action.CHECK, Actor(Role.INSPECTOR, False), True),
        (Action.CLOSE, Actor(Role.SHIFT_LEADER, False), True),
    ])
    assert len(steps) == 9
    return steps


def test_replay_of_a_consistent_chain_gives_the_final_state():
    steps = _chain()
    assert rules.replay(steps) == (State.CLOSED, Pending.NONE)
    assert rules.replay(steps[:4]) == (State.DISPATCHED, Pending.RETURN)
    assert rules.replay(steps[:1]) == (State.REPORTED, Pending.NONE)
    self_handled = [Step(Action.REPORT, "", State.SELF_HANDLED, "", ""),
                    Step(Action.CLOSE, State.SELF_HANDLED, State.CLOSED, "", "")]
    assert rules.replay(self_handled) == (State.CLOSED, "")


def test_replay_of_a_broken_chain_raises():
    steps = _chain()
    with pytest.raises(ValueError):
        rules.replay([])
    with pytest.raises(ValueError):
        rules.replay(steps[1:])  # does not start with the report
    with pytest.raises(ValueError):
        rules.replay(steps[:3] + steps[4:])  # a step missing: the state jumps
    with pytest.raises(ValueError):
        rules.replay(steps[:2] + [steps[3], steps[2]] + steps[4:])  # out of order
    tampered = list(steps)
    tampered[4] = Step(Action.DENY_RETURN, State.DISPATCHED, State.DISPATCHED, "", "")  # pending lost
    with pytest.raises(ValueError):
        rules.replay(tampered)


# ---------------------------------------------------------------------------- the stage clock


def _start(limit=Limit(4, Unit.WORK_HOURS), now=MON_0900) -> Clock:
    return rules.clock_start(CAL, Stage.HANDLE, limit, now, WARN)


def test_clock_start_in_working_hours():
    clock = _start()
    # Mon 09:00-12:00 = 3h, then 14:30-15:30 = the 4th hour; the warning at 3.2h = 14:42.
    assert clock.stage == Stage.HANDLE and clock.working and clock.consumed == 0
    assert clock.limit_seconds == 4 * H
    assert clock.run_from == MON_0900
    assert clock.deadline == sh(2026, 11, 23, 15, 30)
    assert clock.warn_at == sh(2026, 11, 23, 14, 42)
    assert rules.clock_used(CAL, clock, sh(2026, 11, 23, 13)) == 3 * H  # the lunch break does not count


def test_clock_start_in_natural_time_counts_the_night():
    clock = rules.clock_start(CAL, Stage.HANDLE, Limit(2, Unit.NATURAL_HOURS), sh(2026, 11, 22, 23, 30), WARN)
    assert not clock.working
    assert clock.deadline == sh(2026, 11, 23, 1, 30)
    assert clock.warn_at == sh(2026, 11, 23, 1, 6)


def test_pause_and_resume_keep_the_consumed_time():
    clock = _start()
    paused = rules.clock_pause(CAL, clock, sh(2026, 11, 23, 11))  # 2h used
    assert paused.consumed == 2 * H
    assert paused.run_from is None and paused.deadline is None and paused.warn_at is None
    assert paused.limit_seconds == clock.limit_seconds and paused.stage == clock.stage
    # time stands still while paused, however long
    assert rules.clock_used(CAL, paused, sh(2026, 12, 31, 17)) == 2 * H
    assert rules.clock_pause(CAL, paused, sh(2026, 11, 25, 10)) == paused  # pausing twice changes nothing

    resumed = rules.clock_resume(CAL, paused, sh(2026, 11, 24, 9), WARN)  # Tuesday 09:00, 2h left
    assert resumed.consumed == 2 * H and resumed.run_from == sh(2026, 11, 24, 9)
    assert resumed.deadline == sh(2026, 11, 24, 11)
    assert resumed.warn_at == sh(2026, 11, 24, 10, 12)  # 3.2h - 2h = 1.2h
    assert rules.clock_resume(CAL, resumed, sh(2026, 11, 25, 9), WARN) == resumed  # resuming twice neither
    assert rules.clock_used(CAL, resumed, sh(2026, 11, 24, 10)) == 3 * H


def test_resuming_an_overdue_clock_makes_it_due_at_once():
    paused = rules.clock_pause(CAL, _start(), sh(2026, 11, 24, 9))  # Mon 09:00 → Tue 09:00 = 7h used of 4h
    assert paused.consumed == 7 * H
    resumed = rules.clock_resume(CAL, paused, sh(2026, 11, 25, 10), WARN)
    assert resumed.deadline == resumed.warn_at == sh(2026, 11, 25, 10)
    assert not rules.clock_on_time(CAL, resumed, sh(2026, 11, 25, 10))


def test_pause_and_resume_do_nothing_without_a_stage():
    idle = Clock()
    assert rules.clock_pause(CAL, idle, MON_0900) == idle
    assert rules.clock_resume(CAL, idle, MON_0900, WARN) == idle
    assert rules.clock_light(idle, MON_0900) is None


def test_extend_moves_the_deadline_of_a_running_clock():
    clock = _start()
    extended = rules.clock_extend(CAL, clock, CAL.limit_seconds(Limit(1, Unit.WORK_DAYS)), WARN)
    assert extended.limit_seconds == 4 * H + 7 * H
    assert extended.run_from == clock.run_from and extended.consumed == clock.consumed
    # 11 working hours from Mon 09:00: Mon 3h + 3.5h, Tue 08:30-12:00 3.5h, then 14:30-15:30
    assert extended.deadline == sh(2026, 11, 24, 15, 30) == CAL.advance(clock.deadline, 7 * H, working=True)
    assert extended.warn_at == CAL.advance(MON_0900, 0.8 * 11 * H, working=True)
    assert extended.warn_at > clock.warn_at


def test_extend_a_paused_clock_counts_once_it_resumes():
    paused = rules.clock_pause(CAL, _start(), sh(2026, 11, 23, 11))
    extended = rules.clock_extend(CAL, paused, 2 * H, WARN)
    assert extended.deadline is None and extended.limit_seconds == 6 * H and extended.consumed == 2 * H
    resumed = rules.clock_resume(CAL, extended, sh(2026, 11, 24, 9), WARN)
    assert resumed.deadline == sh(2026, 11, 24, 15, 30)  # 4h left: 09:00-12:00, then 14:30-15:30
    assert resumed.deadline == CAL.advance(sh(2026, 11, 24, 9), 4 * H, working=True)


def test_clock_on_time():
    clock = _start()
    assert rules.clock_on_time(CAL, clock, sh(2026, 11, 23, 15))
    assert rules.clock_on_time(CAL, clock, clock.deadline)  # exactly at the limit is on time
    assert rules.clock_on_time(CAL, clock, sh(2026, 11, 23, 14, 29))  # the lunch break does not count
    assert not rules.clock_on_time(CAL, clock, sh(2026, 11, 23, 20))  # the afternoon did
    assert not rules.clock_on_time(CAL, clock, clock.deadline + timedelta(seconds=1))
    assert not rules.clock_on_time(CAL, clock, sh(2026, 11, 24, 9))
    # paused in time, the clock stays on time for ever; extended, a late one is on time again
    paused = rules.clock_pause(CAL, clock, sh(2026, 11, 23, 15))
    assert rules.clock_on_time(CAL, paused, sh(2027, 1, 1, 9))
    late = rules.clock_pause(CAL, clock, sh(2026, 11, 24, 9))
    assert not rules.clock_on_time(CAL, late, sh(2026, 11, 24, 9))
    assert rules.clock_on_time(CAL, rules.clock_extend(CAL, late, 3 * H, WARN), sh(2026, 11, 24, 9))


def test_clock_light():
    clock = _start()
    assert rules.clock_light(clock, sh(2026, 11, 23, 10)) == Light.GREEN
    assert rules.clock_light(clock, clock.warn_at) == Light.YELLOW
    assert rules.clock_light(clock, clock.deadline) == Light.YELLOW
    assert rules.clock_light(clock, clock.deadline + timedelta(seconds=1)) == Light.RED
    assert rules.clock_light(rules.clock_pause(CAL, clock, sh(2026, 11, 24, 9)), sh(2026, 11, 24, 9)) is None


def test_clock_over_a_holiday():
    # Wed Sep 30 2026 17:00 with 1 working day: 1h that day, National Day off, the rest on Thu Oct 8.
    clock = rules.clock_start(CAL, Stage.HANDLE, Limit(1, Unit.WORK_DAYS), sh(2026, 9, 30, 17), WARN)
    assert clock.deadline == sh(2026, 10, 8, 14, 30) + timedelta(hours=2, minutes=30)
    assert rules.clock_used(CAL, clock, sh(2026, 10, 7, 23)) == 1 * H


@settings(max_examples=200, database=None)
@given(
    limit_hours=st.integers(1, 40),
    working=st.booleans(),
    runs=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 4000)), min_size=1, max_size=6),
    extra_hours=st.integers(0, 10),
)
def test_pause_resume_extend_account_for_every_running_minute(limit_hours, working, runs, extra_hours):
    """Start, then alternate pauses and resumes (minutes of running, minutes of pause): the used time is
    what the calendar counts over the running periods only, and the deadline follows from what is left."""
    unit = Unit.WORK_HOURS if working else Unit.NATURAL_HOURS
    now = MON_0900
    clock = rules.clock_start(CAL, Stage.HANDLE, Limit(limit_hours, unit), now, WARN)
    used = 0.0
    for i, (run, pause) in enumerate(runs):
        end = now + timedelta(minutes=run)
        used += CAL.elapsed(now, end, working=working)
        clock = rules.clock_pause(CAL, clock, end)
        assert clock.consumed == pytest.approx(used) and clock.deadline is None
        if i == 1 and extra_hours:
            clock = rules.clock_extend(CAL, clock, extra_hours * H, WARN)
        now = end + timedelta(minutes=pause)
        clock = rules.clock_resume(CAL, clock, now, WARN)
        assert clock.run_from == now
    limit = (limit_hours + (extra_hours if len(runs) > 1 else 0)) * H
    assert clock.limit_seconds == limit
    assert clock.deadline == CAL.advance(now, max(0.0, limit - used), working=working)
    assert clock.warn_at <= clock.deadline
    assert rules.clock_used(CAL, clock, clock.deadline) == pytest.approx(max(limit, used))
    assert rules.clock_on_time(CAL, clock, clock.deadline) == (used <= limit + 1e-6)
    assert PAUSES_WHILE_PENDING == {Pending.RETURN, Pending.SUSPEND, Pending.VOID}
