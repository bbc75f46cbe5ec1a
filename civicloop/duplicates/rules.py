"""The duplicate score, as pure functions: five parts in 0–1 and their weighted mean.

- distance: 1 at the same spot, 0 at the search radius;
- category: 1 the same, 0 different, ½ when either has none yet (most reports before 立案);
- time: 1 reported together, 0 at the window's edge;
- text: cosine of the two descriptions' character bigrams (Chinese needs no word splitting);
- photo: 1 when the report photos' dHashes are within `SAME_PICTURE` bits (cases.images), falling
  to 0 at 32 bits (what two unrelated pictures differ by); not judged when either has no photo.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

SAME_PICTURE = 10  # cases.images: a Hamming distance of at most 10 of 64 bits is the same picture
UNRELATED_PICTURES = 32
PARTS = ("distance", "category", "time", "text", "photo")

# Cells of 0.001° (about 111 m north–south, 102 m east–west in 蒙自): the index key of a point.
CELL_DEGREES = 0.001
_ROW = 4_000_000  # more columns than 360° / CELL_DEGREES, so (row, column) packs into one integer


def cell_of(lon: float, lat: float) -> int:
    return math.floor((lat + 90) / CELL_DEGREES) * _ROW + math.floor((lon + 180) / CELL_DEGREES)


def cells_around(lon: float, lat: float, radius_m: float) -> list[int]:
    """Every cell that the circle's bounding box touches."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.1, math.cos(math.radians(lat))))
    rows = range(math.floor((lat - dlat + 90) / CELL_DEGREES), math.floor((lat + dlat + 90) / CELL_DEGREES) + 1)
    cols = range(math.floor((lon - dlon + 180) / CELL_DEGREES), math.floor((lon + dlon + 180) / CELL_DEGREES) + 1)
    return [r * _ROW + c for r in rows for c in cols]


_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> Counter:
    text = _NOISE.sub("", (text or "").lower())
    if len(text) < 2:
        return Counter([text]) if text else Counter()
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(n * b[g] for g, n in a.items() if g in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def photo_part(hamming: int | None) -> float | None:
    if hamming is None:
        return None
    if hamming <= SAME_PICTURE:
        return 1.0
    return max(0.0, 1 - (hamming - SAME_PICTURE) / (UNRELATED_PICTURES - SAME_PICTURE))


def category_part(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.5
    return 1.0 if a == b else 0.0


@dataclass(frozen=True)
class Score:
    total: float
    parts: dict  # part name -> 0–1, or None when not judged

    def as_percent(self) -> dict:
        return {name: (None if value is None else round(value * 100)) for name, value in self.parts.items()}


def score(*, metres: float, radius_m: float, category_a: str | None, category_b: str | None, hours: float,
          window_hours: float, text: float, hamming: int | None, weights: dict[str, float]) -> Score:
    parts = {
        "distance": max(0.0, 1 - metres / radius_m),
        "category": category_part(category_a, category_b),
        "time": max(0.0, 1 - abs(hours) / window_hours),
        "text": text,
        "photo": photo_part(hamming),
    }
    judged = [(weights.get(name, 0.0), value) for name, value in parts.items() if value is not None]
    total_weight = sum(w for w, _ in judged)
    total = sum(w * v for w, v in judged) / total_weight if total_weight else 0.0
    return Score(round(total, 4), parts)
