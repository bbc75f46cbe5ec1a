"""Which figures a report's tables show, in which order, under which Chinese-first labels.

Labels come from the evaluation modules (one wording everywhere: docs/metrics.md); both the
Excel and the PDF builder read these lists.
"""
from __future__ import annotations

from civicloop.evaluation.counters import LABELS, NAMES, OVERDUE, OVERDUE_LABELS
from civicloop.evaluation.rules import DERIVED_LABELS, RATE_LABELS, RATES
from civicloop.lib.i18n import split as split_label

ALL_LABELS = {**LABELS, **OVERDUE_LABELS, **DERIVED_LABELS, **RATE_LABELS}
RATE_NAMES = frozenset(RATE_LABELS)

# The columns of the 按部门 / 按街道 / 按类别 / 按来源 sheets: the published loop, in its order.
COLUMNS = (
    "reported", "filed", "dispatched", "should_handle", "handled", "handled_on_time", "handle_rate",
    "handle_on_time_rate", "should_close", "closed", "closed_on_time", "close_rate", "close_on_time_rate",
    "reworked", "rework_rate", "concluded", "conclusion_rate", "overdue_handle", "overdue_close",
)
# The PDF's tables are narrower (A4 portrait). A department's row starts at 派遣: 上报 and 立案
# happen before a case has a department, so those counts sit on the no-department row.
PDF_COLUMNS = ("reported", "dispatched", "should_close", "closed", "closed_on_time", "close_rate",
               "close_on_time_rate", "rework_rate")
PDF_DEPARTMENT_COLUMNS = ("dispatched", "should_handle", "handled", "handle_on_time_rate", "should_close", "closed",
                          "close_on_time_rate", "rework_rate")
# The key figures at the top of the summary (总体) sheet and the PDF's first page.
KPIS = ("reported", "self_handled", "filed", "dispatched", "handled", "should_close", "closed", "closed_on_time",
        "concluded", "handle_rate", "handle_on_time_rate", "close_rate", "close_on_time_rate", "rework_rate",
        "conclusion_rate")
# The summary lists every figure the metrics API has: counters, overdue, derived, then rates.
SUMMARY = (*NAMES, *OVERDUE, *DERIVED_LABELS, *(r.name for r in RATES))

# The parts of the weighted scores that are not rates themselves.
PART_LABELS = {"count_score": "数量分值 count score", "not_missed": "1−漏报率 1 − missed rate",
               "not_reworked": "1−返工率 1 − rework rate"}
SCORE_COLUMNS = ("close_rate", "close_on_time_rate", "handle_on_time_rate", "rework_rate", "filed", "dispatched")
BOARD_NAMES = {"department": "部门 departments", "street": "街道 streets"}
MARKS = {"red": "红榜 red list", "black": "黑榜 black list", "": ""}


def split(label: str) -> tuple[str, str]:
    """'上报数 reports' → ('上报数', 'reports'): the label's Chinese words, then its English."""
    return split_label(label)


def zh(name: str) -> str:
    return split(ALL_LABELS.get(name) or PART_LABELS.get(name, name))[0] or name


def en(name: str) -> str:
    return split(ALL_LABELS.get(name) or PART_LABELS.get(name, name))[1]


def is_rate(name: str) -> bool:
    return name in RATE_NAMES
