"""Rates, weighted scores and grades as pure functions of counts (domain.md §4; docs/metrics.md).

No ORM here: queries.py loads the counts and the configuration and calls these.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def derived(counts: dict[str, int]) -> dict[str, int]:
    """The should-have-been-done (应) figures: runs finished plus runs overdue and unfinished."""
    c = counts
    return {
        "received": c["reported"],  # 受理数 (cities' 办结率 counts everything received)
        "concluded": c["closed"] + c["self_closed"],  # 办结数
        "should_verify": c["verified"] + c.get("overdue_verify", 0),
        "should_dispatch": c["dispatched"] + c.get("overdue_dispatch", 0),
        "should_handle": c["handled"] + c.get("overdue_handle", 0),
        "should_check": c["checked"] + c.get("overdue_check", 0),
        "should_close": c["closed"] + c.get("overdue_close", 0),
    }


DERIVED_LABELS = {
    "received": "受理数 received", "concluded": "办结数 concluded", "should_verify": "应核实数 verifications due",
    "should_dispatch": "应派遣数 dispatches due", "should_handle": "应处置数 handling due",
    "should_check": "应核查数 checks due", "should_close": "应结案数 closures due",
}


@dataclass(frozen=True)
class Rate:
    name: str
    label: str
    numerator: tuple[tuple[int, str], ...]  # (sign, count name) summed
    denominator: str


def _r(name, label, numerator, denominator) -> Rate:
    terms = tuple((1, n) if isinstance(n, str) else n for n in numerator)
    return Rate(name, label, terms, denominator)


RATES: tuple[Rate, ...] = (
    _r("handle_rate", "处置率 handling rate", ["handled"], "should_handle"),
    _r("handle_on_time_rate", "按期处置率 handled on time", ["handled_on_time"], "should_handle"),
    _r("close_rate", "结案率 closure rate", ["closed"], "should_close"),
    _r("close_on_time_rate", "按期结案率 closed on time", ["closed_on_time"], "should_close"),
    _r("accurate_filing_rate", "准确立案率 accurate filing", ["filed", (-1, "voided_filed")], "filed"),
    _r("filing_on_time_rate", "按时立案率 filed on time", ["filed_on_time"], "filed"),
    _r("dispatch_on_time_rate", "按期派遣率 dispatched on time", ["dispatched_on_time"], "should_dispatch"),
    _r("accurate_dispatch_rate", "准确派遣率 accurate dispatch", ["dispatched", (-1, "reworked")], "should_dispatch"),
    _r("valid_report_rate", "有效上报率 valid reports", ["valid"], "reported"),
    _r("verify_on_time_rate", "按期核实率 verified on time", ["verified_on_time"], "should_verify"),
    _r("check_on_time_rate", "按期核查率 checked on time", ["checked_on_time"], "should_check"),
    _r("rework_rate", "返工率 rework rate", ["reworked"], "should_close"),
    _r("conclusion_rate", "办结率 conclusion rate", ["concluded"], "received"),
    # Used by the staff scores (docs/metrics.md §3).
    _r("intake_on_time_rate", "按时受理率 taken up on time", ["intake_on_time"], "intake_judged"),
    _r("patrol_report_rate", "监督举报率 share found by patrols", ["reported_patrol"], "reported"),
    _r("missed_rate", "漏报率 share not found by patrols", ["reported", (-1, "reported_patrol")], "reported"),
    _r("all_close_on_time_rate", "按时结案率（含自行处置）closed on time, all",
       ["closed_on_time", "self_closed_on_time"], "concluded"),
    _r("unreturned_dispatch_rate", "派遣未回退率 dispatches not returned", ["dispatched", (-1, "returned")],
       "dispatched"),
)
RATE_LABELS = {r.name: r.label for r in RATES}


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as a percentage rounded half-up to 0.01; None when nothing was due."""
    if not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def rates(figures: dict[str, int]) -> dict[str, Decimal | None]:
    out = {}
    for rate in RATES:
        top = sum(sign * figures[name] for sign, name in rate.numerator)
        out[rate.name] = percent(top, figures[rate.denominator])
    return out


# ---------------------------------------------------------------------------- scores


# Which count the count-score bands (数量分值) grade, per subject.
COUNT_OF = {"operator": "intake_judged", "dispatcher": "dispatched", "department": "dispatched", "area": "filed"}

# Components that are 100 minus a rate (1 − 漏报率, 1 − 返工率).
COMPLEMENTS = {"not_missed": "missed_rate", "not_reworked": "rework_rate"}


def band_score(value: int, bands: list) -> Decimal | None:
    """[[from, to or None, score], …]: the score of the band the count falls in."""
    for low, high, score in bands:
        if value >= low and (high is None or value <= high):
            return Decimal(str(score))
    return None


def component(name: str, figures: dict, rate_values: dict, *, count_name: str | None, bands: list) -> Decimal | None:
    if name == "count_score":
        return band_score(figures.get(count_name, 0), bands) if count_name else None
    if name in COMPLEMENTS:
        value = rate_values.get(COMPLEMENTS[name])
        return None if value is None else HUNDRED - value
    return rate_values.get(name)


@dataclass(frozen=True)
class Score:
    score: Decimal | None
    grade: str | None
    parts: dict[str, Decimal | None]  # component → its value (0–100) or None when not applicable


def weighted(parts: dict[str, Decimal | None], weights: dict[str, float]) -> Decimal | None:
    """Σ weight × value / Σ weight over the components that apply: weights need not sum to 100
    (the one public 区域 formula sums to 70), and a component with nothing to judge (no case
    due) leaves the others to carry the score instead of counting as zero."""
    used = [(Decimal(str(weights[n])), v) for n, v in parts.items() if v is not None and weights.get(n)]
    total = sum((w for w, _ in used), Decimal(0))
    if not total:
        return None
    return (sum((w * v for w, v in used), Decimal(0)) / total).quantize(CENT, rounding=ROUND_HALF_UP)


def grade(score: Decimal | None, scale: list[tuple[str, Decimal]]) -> str | None:
    """scale: [(letter, lowest score)] highest first; below the last band: the last letter."""
    if score is None:
        return None
    for letter, lowest in scale:
        if score >= lowest:
            return letter
    return scale[-1][0] if scale else None


def score(subject: str, figures: dict, rate_values: dict, *, weights: dict, bands: list,
          scale: list[tuple[str, Decimal]]) -> Score:
    parts = {name: component(name, figures, rate_values, count_name=COUNT_OF.get(subject), bands=bands)
             for name in weights}
    value = weighted(parts, weights)
    return Score(score=value, grade=grade(value, scale), parts=parts)


# Defaults from domain.md §4, seeded by migration 0002 and editable in the admin.
COUNT_BANDS = [[2001, None, 100], [1201, 2000, 90], [501, 1200, 75], [301, 500, 60], [101, 300, 40], [0, 100, 0]]
FILED_BANDS = [[0, 50, 100], [51, 100, 90], [101, 200, 75], [201, 500, 60], [501, 1000, 40], [1001, None, 0]]
DEFAULTS = {
    "inspector": ({"valid_report_rate": 40, "not_missed": 20, "verify_on_time_rate": 20, "check_on_time_rate": 20}, []),
    # civicloop sends the 核查 task by itself on 处置反馈, so the operator's 核查按时派发率 has
    # nothing to judge (None) and the other two carry the score; 核实按时派发率 is the operator's
    # 按时受理率 (立案 or 不予立案 within the intake limit).
    "operator": ({"count_score": 25, "intake_on_time_rate": 40, "check_dispatch_on_time_rate": 35}, COUNT_BANDS),
    "shift_leader": ({"filing_on_time_rate": 25, "accurate_filing_rate": 40, "all_close_on_time_rate": 35}, []),
    "dispatcher": ({"count_score": 20, "dispatch_on_time_rate": 40, "unreturned_dispatch_rate": 40}, COUNT_BANDS),
    "department": ({"count_score": 10, "close_rate": 30, "handle_on_time_rate": 30, "not_reworked": 30}, FILED_BANDS),
    "area": ({"patrol_report_rate": 20, "count_score": 10, "close_rate": 20, "close_on_time_rate": 20}, FILED_BANDS),
}
GRADES = [("A", Decimal(90)), ("B", Decimal(75)), ("C", Decimal(60)), ("D", Decimal(40)), ("E", Decimal(0))]
