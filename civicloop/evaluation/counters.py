"""What each case event adds to the daily counters: one SQL condition per counter, no ORM.

Counters are counted from `cases_caseevent` (alias e) joined to `cases_case` (alias c). Every
condition reads only columns the services write once and never change (action, from/to state,
stage, on_time, department, actor) plus the case's channel and reporter (set at 上报, never
changed), so the same events always give the same counts: a rebuild equals the incremental sum.
docs/metrics.md explains each counter and the rates built from them.
"""
from __future__ import annotations

from dataclasses import dataclass

# Whose row a counter lands on in the staff-member (actor) dimension; every other dimension
# counts the event under the case's (or the event's) key.
ACTOR = "actor"  # the staff member who took the action
REPORTER = "reporter"  # the staff member who reported the case (有效上报 is the reporter's merit)
FILER = "filer"  # who filed it (a filed case voided later is the filer's mistake, 准确立案率)
DISPATCHER = "dispatcher"  # who sent it to the unit that returned it (准确派遣)

_VOID = "e.action IN ('approve_void', 'merge')"
_REWORK = "((e.action = 'check' AND e.to_state = 'in_progress') OR e.action = 'reopen')"


@dataclass(frozen=True)
class Counter:
    name: str
    label: str  # Chinese first, then English
    condition: str  # SQL over e (case event) and c (case)
    actor_key: str = ACTOR


COUNTERS: tuple[Counter, ...] = (
    Counter("reported", "上报数 reports", "e.action = 'report'"),
    Counter("reported_patrol", "巡查上报数 patrol reports",
            "e.action = 'report' AND c.channel IN ('inspector', 'grid_worker')"),
    Counter("self_handled", "自行处置数 self-handled reports", "e.action = 'report' AND e.to_state = 'self_handled'"),
    Counter("valid", "有效上报数 valid reports",
            "(e.action = 'file' OR (e.action = 'close' AND e.from_state = 'self_handled'))", REPORTER),
    Counter("verify_requested", "派发核实数 verifications sent", "e.action = 'request_verification'"),
    Counter("verified", "核实数 verifications", "e.stage = 'verify'"),
    Counter("verified_on_time", "按时核实数 verified on time", "e.stage = 'verify' AND e.on_time"),
    Counter("intake_judged", "受理判定数 intake decisions (立案+不予立案)", "e.stage = 'file'"),
    Counter("intake_on_time", "按时受理数 taken up on time", "e.stage = 'file' AND e.on_time"),
    Counter("filed", "立案数 filed", "e.action = 'file'"),
    Counter("filed_on_time", "按时立案数 filed on time", "e.action = 'file' AND e.on_time"),
    Counter("not_filed", "不予立案数 not filed", "e.action = 'not_file'"),
    Counter("voided", "作废数 voided", _VOID),
    Counter("voided_filed", "立案后作废数 voided after filing", f"{_VOID} AND e.from_state = 'filed'", FILER),
    Counter("dispatched", "派遣数 dispatched", "e.stage = 'dispatch'"),
    Counter("dispatched_on_time", "按时派遣数 dispatched on time", "e.stage = 'dispatch' AND e.on_time"),
    Counter("returned", "回退数 returned", "e.action = 'approve_return'", DISPATCHER),
    Counter("reassigned", "改派数 reassigned", "e.action = 'reassign'"),
    Counter("handled", "处置数 handled", "e.stage = 'handle'"),
    Counter("handled_on_time", "按期处置数 handled on time", "e.stage = 'handle' AND e.on_time"),
    Counter("checked", "核查数 checks", "e.stage = 'check'"),
    Counter("checked_on_time", "按时核查数 checked on time", "e.stage = 'check' AND e.on_time"),
    Counter("reworked", "返工数 reworks", _REWORK),
    Counter("closed", "结案数 closed", "e.action = 'close' AND e.from_state = 'checked'"),
    Counter("closed_on_time", "按期结案数 closed on time", "e.action = 'close' AND e.from_state = 'checked' AND e.on_time"),
    Counter("self_closed", "自行处置结案数 self-handled closed", "e.action = 'close' AND e.from_state = 'self_handled'"),
    Counter("self_closed_on_time", "自行处置按时结案数 self-handled closed on time",
            "e.action = 'close' AND e.from_state = 'self_handled' AND e.on_time"),
    Counter("extended", "延期数 extensions", "e.action = 'approve_extension'"),
    Counter("suspended", "挂账数 suspensions", "e.action = 'approve_suspension'"),
    Counter("supervised", "督办数 supervised", "e.action = 'supervise'"),
)
NAMES: tuple[str, ...] = tuple(c.name for c in COUNTERS)
LABELS: dict[str, str] = {c.name: c.label for c in COUNTERS}

# Stages whose unfinished, overdue runs count towards the 应X数 (should-have-been-done) figures;
# read live from the case table, not from the log (an unfinished stage has no event yet).
OVERDUE = {
    "overdue_verify": ("verify", None),
    "overdue_dispatch": ("dispatch", None),
    "overdue_handle": ("handle", None),
    "overdue_check": ("check", None),
    "overdue_close": ("close", "checked"),  # 自行处置 cases waiting for review are not 应结案
}
OVERDUE_LABELS = {
    "overdue_verify": "超时未核实数 verifications overdue",
    "overdue_dispatch": "超时未派遣数 dispatches overdue",
    "overdue_handle": "超期未处置数 handling overdue",
    "overdue_check": "超时未核查数 checks overdue",
    "overdue_close": "超时未结案数 closures overdue",
}

# Dimensions of the rollup. Place and category follow the case (立案 may correct them); the
# department is the one the event recorded; staff members as described above.
CITY = "city"
DIMENSIONS = ("city", "department", "street", "community", "grid", "category", "channel", "actor")
CASE_DIMENSIONS = {"street": "street_id", "community": "community_id", "grid": "grid_id", "category": "category_id"}
MUTABLE = tuple(CASE_DIMENSIONS)  # the ones 立案 can change (category chosen, grid corrected)


def key_sql(dim: str, actor_key: str = ACTOR) -> str:
    """The SQL expression of a row's key in a dimension ('' for the city and for none)."""
    if dim == CITY:
        return "''"
    if dim == "department":
        return "COALESCE(e.department_id, '')"
    if dim == "channel":
        return "c.channel"
    if dim in CASE_DIMENSIONS:
        return f"COALESCE(c.{CASE_DIMENSIONS[dim]}, '')"
    return f"COALESCE(CAST(({_ACTOR_SQL[actor_key]}) AS TEXT), '')"


_ACTOR_SQL = {
    ACTOR: "e.actor_id",
    REPORTER: "c.reporter_id",
    # Correlated look-ups only for rare events (a void after filing, an approved return).
    FILER: "SELECT f.actor_id FROM cases_caseevent f WHERE f.case_id = e.case_id AND f.action = 'file'",
    DISPATCHER: ("SELECT d.actor_id FROM cases_caseevent d WHERE d.case_id = e.case_id "
                 "AND d.action IN ('dispatch', 'reassign') AND d.seq < e.seq ORDER BY d.seq DESC LIMIT 1"),
}


def counters_for(dim: str, actor_key: str = ACTOR) -> tuple[Counter, ...]:
    """In the actor dimension each attribution is its own pass; elsewhere one pass has them all."""
    if dim != "actor":
        return COUNTERS
    return tuple(c for c in COUNTERS if c.actor_key == actor_key)


def passes(dim: str) -> list[str]:
    return [ACTOR, REPORTER, FILER, DISPATCHER] if dim == "actor" else [ACTOR]
