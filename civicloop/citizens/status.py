"""What a citizen reads about a case: plain words, no internal states or staff names."""
from __future__ import annotations

from civicloop.cases.rules import State

PLAIN = {
    State.REPORTED: ("已受理", "received"),
    State.VERIFYING: ("核实中", "being checked on site"),
    State.NOT_FILED: ("不予立案", "not taken up"),
    State.SELF_HANDLED: ("已现场处理", "handled on the spot"),
    State.FILED: ("已立案", "accepted"),
    State.DISPATCHED: ("处理中", "in progress"),
    State.IN_PROGRESS: ("处理中", "in progress"),
    State.SUSPENDED: ("处理中（需较长时间）", "in progress (takes longer)"),
    State.HANDLED: ("已处理，待核查", "fixed, being checked"),
    State.CHECKED: ("已处理，待办结", "fixed, closing"),
    State.CLOSED: ("已办结", "closed"),
    State.VOID: ("已作废", "withdrawn"),
}

# Timeline steps a citizen sees (the rest is the centre's internal work).
PUBLIC_STEPS = {
    "report": ("提交上报", "reported"), "file": ("立案", "accepted"), "not_file": ("不予立案", "not taken up"),
    "dispatch": ("派往责任单位", "sent to the responsible unit"), "handle": ("处置完成", "fixed"),
    "check": ("现场核查", "checked on site"), "close": ("办结", "closed"), "reopen": ("重新办理", "reopened"),
    "merge": ("已合并到相同问题", "merged with the same report"), "approve_void": ("作废", "withdrawn"),
}


def plain_state(state: str, language: str | None = None) -> str:
    zh, en = PLAIN.get(state, ("处理中", "in progress"))
    return en if (language or "").startswith("en") else zh
