"""Pure rules of the 安心码: quarters, checklist scores, star bands (local practice, see docs/shops.md)."""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MAX_STARS = {"catering": 7, "lodging": 5}  # 蒙自: restaurants up to 七星, hotels up to 五星
# Lowest average score for each star, best first (local; a city changes them in settings).
DEFAULT_BANDS = {
    "catering": (95, 90, 85, 80, 70, 60),  # 7★ ≥ 95 … 2★ ≥ 60, else 1★
    "lodging": (95, 90, 80, 70),  # 5★ ≥ 95 … 2★ ≥ 70, else 1★
}
PASS_MARK = 60


def quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def checklist_score(items: dict[int, int], given: dict[int, int]) -> Decimal:
    """0–100 from points given per item (item id → max points); items not given score 0."""
    total = sum(items.values())
    if total == 0:
        return Decimal(0)
    got = sum(min(max(int(given.get(pk, 0)), 0), most) for pk, most in items.items())
    return (Decimal(got) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP)


def result_of(score: Decimal) -> str:
    return "合格" if score >= PASS_MARK else "不合格"


def stars_for(kind: str, score: Decimal, bands: dict | None = None) -> int:
    thresholds = (bands or DEFAULT_BANDS)[kind]
    top = MAX_STARS[kind]
    for i, low in enumerate(thresholds):
        if score >= low:
            return top - i
    return 1


def average(scores: list[Decimal]) -> Decimal:
    return (sum(scores) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP) if scores else Decimal(0)
