"""The figures cities published, reproduced exactly from generated history and the real rollup.

The history is bulk-inserted (evaluation.synth: rows shaped as cases.services writes them), then
rollup.refresh() counts it as the worker would, and queries.metrics() reads the period.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from civicloop.evaluation import queries, rollup, synth
from civicloop.evaluation.synth import Shape

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_jining_end_of_july():
    """济宁 (end of July): 上报 83722, 自行处置 15925, 派遣 66201, 处置 66199, 按期处置 66199, 应结案 65101,
    结案 65101, 按期结案 65008 → 处置率 100.00%, 按期处置率 100.00%, 结案率 100.00%, 按期结案率 99.86%.

    Of 67,797 reports not self-handled, 66,201 were dispatched: 65,101 closed (93 of them late), 1,098
    handled and waiting for the check, 2 still with the unit within their limit (so 应处置 = 处置 and
    应结案 = 结案: nothing is overdue). The other 1,596: 800 not filed, 500 voided, 296 waiting."""
    start, end = datetime(2026, 1, 1, tzinfo=SH), datetime(2026, 7, 31, 12, tzinfo=SH)
    shapes = synth.exact([
        (65008, Shape("closed")), (93, Shape("closed", frozenset({"close"}))),
        (1098, Shape("handled")), (2, Shape("in_progress")),
        (15925, Shape("self_closed")),
        (800, Shape("not_filed", channel="citizen")), (500, Shape("void", channel="citizen")),
        (296, Shape("reported", channel="citizen")),
    ])
    synth.generate(shapes, start=start, end=end, total=len(shapes))
    rollup.refresh()
    row, = queries.metrics("2026-01-01..2026-07-31", now=datetime(2026, 7, 31, 23, tzinfo=SH))
    assert (row["reported"], row["self_handled"], row["dispatched"]) == (83722, 15925, 66201)
    assert (row["handled"], row["handled_on_time"], row["should_handle"]) == (66199, 66199, 66199)
    assert (row["should_close"], row["closed"], row["closed_on_time"]) == (65101, 65101, 65008)
    assert row["handle_rate"] == Decimal("100.00")
    assert row["handle_on_time_rate"] == Decimal("100.00")
    assert row["close_rate"] == Decimal("100.00")
    assert row["close_on_time_rate"] == Decimal("99.86")


def test_mengzi_conclusion_rate():
    """蒙自: 24.89万 received, 23.66万 concluded → 办结率 95.06%. Most small problems are fixed on the
    spot by grid workers (自行处置); the rest go round the whole loop; 12,300 are not concluded."""
    start, end = datetime(2025, 1, 1, tzinfo=SH), datetime(2025, 12, 31, 12, tzinfo=SH)
    shapes = synth.exact([
        (230_000, Shape("self_closed", channel="grid_worker")), (6_600, Shape("closed", channel="citizen")),
        (4_000, Shape("not_filed", channel="citizen")), (2_300, Shape("void", channel="citizen")),
        (6_000, Shape("in_progress", channel="citizen")),
    ], seed=2)
    synth.generate(shapes, start=start, end=end, total=len(shapes))
    rollup.refresh()
    row, = queries.metrics("2025", now=datetime(2026, 1, 1, tzinfo=SH))
    assert (row["received"], row["concluded"]) == (248_900, 236_600)
    assert row["conclusion_rate"] == Decimal("95.06")
