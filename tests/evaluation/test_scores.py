"""Weighted scores and grades (domain.md §4) on the hand-made month, worked out by hand."""
from __future__ import annotations

from decimal import Decimal

import pytest

from civicloop.evaluation import queries, rules
from civicloop.evaluation.models import ScoreConfig
from tests.evaluation.test_hand_made import CAOBA_STREET, NOW, WENLAN_STREET, story  # noqa: F401

pytestmark = pytest.mark.django_db


def by_key(subject, **kwargs):
    return {s.row.key: s for s in queries.scores("2026-11", subject, now=NOW, **kwargs)}


def test_department_scores(story):
    found = by_key("department")
    # hwz: 派遣 6 → 立案数分值 100; 结案率 4/5 = 80.00; 按期处置率 4/7 = 57.14; 返工率 1/5 → 80.00
    # (10×100 + 30×80 + 30×57.14 + 30×80) / 100 = 75.14 → B
    assert (found["hwz"].score, found["hwz"].grade) == (Decimal("75.14"), "B")
    assert found["hwz"].parts == {"count_score": 100, "close_rate": Decimal("80.00"),
                                  "handle_on_time_rate": Decimal("57.14"), "not_reworked": Decimal("80.00")}
    # cgj: 100, 结案率 1/1 = 100, 按期处置率 1/2 = 50 (the reopened run is overdue), 返工率 1/1 → 0
    # (1000 + 3000 + 1500 + 0) / 100 = 55.00 → D
    assert (found["cgj"].score, found["cgj"].grade) == (Decimal("55.00"), "D")


def test_staff_scores(story, persona):
    inspectors = by_key("inspector")
    one = inspectors[str(persona("inspector_001").pk)]
    # 有效上报率 5/5 = 100; 漏报率 of 文澜: 4 of its 9 reports not by patrols = 44.44 → 55.56;
    # 按期核实率 1/2 = 50; 按期核查率 7/7 = 100: (4000 + 1111.2 + 1000 + 2000) / 100 = 81.11 → B
    assert (one.score, one.grade) == (Decimal("81.11"), "B")
    operator = by_key("operator")[str(persona("operator").pk)]
    # 受理数 9 → 0 points; 按时受理率 8/9 = 88.89; 核查按时派发 does not apply (automatic), so its
    # weight drops out: (25×0 + 40×88.89) / 65 = 54.70 → D
    assert (operator.score, operator.grade, operator.parts["check_dispatch_on_time_rate"]) == (Decimal("54.70"), "D", None)
    leader = by_key("shift_leader")[str(persona("leader").pk)]
    # files nothing (立案 rates do not apply); 按时结案率 (4 + 1) / 7 = 71.43 → C
    assert (leader.score, leader.grade) == (Decimal("71.43"), "C")
    dispatcher = by_key("dispatcher")[str(persona("dispatcher").pk)]
    # 派遣 7 → 0; 按期派遣率 6/7 = 85.71; 未回退 (7 − 1)/7 = 85.71: (0 + 3428.4 + 3428.4) / 100 = 68.57 → C
    assert (dispatcher.score, dispatcher.grade) == (Decimal("68.57"), "C")


def test_area_scores_and_the_street_ranking(story):
    streets = by_key("area", area="street")
    # 文澜: 监督举报率 5/9 = 55.56, 立案 7 → 100, 结案率 5/6 = 83.33, 按期结案率 4/6 = 66.67;
    # weights 20/10/20/20 sum to 70: (1111.2 + 1000 + 1666.6 + 1333.4) / 70 = 73.02 → C
    assert (streets[WENLAN_STREET].score, streets[WENLAN_STREET].grade) == (Decimal("73.02"), "C")
    # 草坝: 2/3 = 66.67, 立案 1 → 100, nothing due to close: (1333.4 + 1000) / 30 = 77.78 → B
    assert (streets[CAOBA_STREET].score, streets[CAOBA_STREET].grade) == (Decimal("77.78"), "B")
    ranked = queries.ranking("2026-11", "street", now=NOW)
    assert [(r["rank"], r["key"]) for r in ranked] == [(1, CAOBA_STREET), (2, WENLAN_STREET)]
    red, black = queries.red_and_black(ranked, 3)
    assert [r["key"] for r in red] == [CAOBA_STREET] and [r["key"] for r in black] == [WENLAN_STREET]


def test_weights_come_from_the_admin(story):
    ScoreConfig.objects.filter(subject="department").update(weights={"close_rate": 1})
    assert by_key("department")["hwz"].score == Decimal("80.00")


def test_grades_and_bands():
    scale = rules.GRADES
    assert [rules.grade(Decimal(v), scale) for v in ("90", "89.99", "75", "60", "40", "39.99")] == ["A", "B", "B", "C", "D", "E"]
    assert [rules.band_score(n, rules.COUNT_BANDS) for n in (2001, 2000, 1201, 1200, 501, 500, 301, 300, 101, 100, 0)] == [
        100, 90, 90, 75, 75, 60, 60, 40, 40, 0, 0]
    assert [rules.band_score(n, rules.FILED_BANDS) for n in (0, 50, 51, 100, 101, 200, 201, 500, 501, 1000, 1001)] == [
        100, 100, 90, 90, 75, 75, 60, 60, 40, 40, 0]
    assert rules.percent(65008, 65101) == Decimal("99.86") and rules.percent(1, 0) is None
