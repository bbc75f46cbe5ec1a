"""Pure rules of an appraisal (评比): who is nominated, how judges' scores make the ranking."""
from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal


def nominated(likes: int, threshold: int) -> bool:
    return likes >= threshold


def ranking(entries: list[tuple[int, int]], scores: list[tuple[int, int, int, int]], threshold: int) -> list[dict]:
    """entries: (entry id, likes); scores: (entry id, judge id, criterion id, points).

    An entry's score is, per criterion, the judges' average, summed over criteria; only nominated
    entries are ranked; ties share a place (1, 2, 2, 4)."""
    per = defaultdict(lambda: defaultdict(list))
    for entry, _judge, criterion, points in scores:
        per[entry][criterion].append(points)
    rows = []
    for entry, likes in entries:
        if not nominated(likes, threshold):
            continue
        total = sum((Decimal(sum(p)) / len(p) for p in per[entry].values()), Decimal(0))
        judges = len({j for e, j, _c, _p in scores if e == entry})
        rows.append({"entry": entry, "likes": likes, "score": total.quantize(Decimal("0.01"), ROUND_HALF_UP), "judges": judges})
    rows.sort(key=lambda r: (-r["score"], -r["likes"], r["entry"]))
    for i, row in enumerate(rows):
        row["place"] = rows[i - 1]["place"] if i and rows[i - 1]["score"] == row["score"] else i + 1
    return rows
