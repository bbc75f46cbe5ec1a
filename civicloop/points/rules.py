"""Pure rules of points and honours: levels, credit, the daily cap, fraud signals' thresholds.

No ORM and no clock here, so each rule is tested on its own (and by hypothesis).
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    rank: int
    name: str  # 文明市民 铜牌 / 银牌 / 金牌 (记荣誉)
    min_earned: int
    min_verified: int


# 记功 and 记荣誉: a level needs both enough points earned and enough reports whose fix was verified,
# so points bought by many tiny reports alone do not make a gold citizen.
LEVELS: tuple[Level, ...] = (
    Level(0, "热心市民", 0, 0),
    Level(1, "文明市民·铜牌", 100, 5),
    Level(2, "文明市民·银牌", 500, 20),
    Level(3, "文明市民·金牌", 2000, 60),
)


def level_for(earned: int, verified: int) -> Level:
    reached = LEVELS[0]
    for level in LEVELS:
        if earned >= level.min_earned and verified >= level.min_verified:
            reached = level
    return reached


def next_level(earned: int, verified: int) -> Level | None:
    current = level_for(earned, verified)
    return LEVELS[current.rank + 1] if current.rank + 1 < len(LEVELS) else None


# 兑信用: the level a partner reads. A report voided as fraudulent weighs more than many good ones.
CREDIT_GRADES = ("A", "B", "C", "D")


def credit_grade(*, level: int, volunteer_hours: float, rejected_flags: int) -> str:
    if rejected_flags >= 3:
        return "D"
    score = level * 2 + min(int(volunteer_hours // 20), 3) - rejected_flags * 2
    if score >= 6:
        return "A"
    if score >= 3:
        return "B"
    return "C" if score >= 0 else "D"


def capped(amount: int, earned_today: int, cap: int) -> int:
    """What may still be earned from reports today (日上限); 0 when the cap is reached."""
    if cap <= 0:
        return amount
    return max(0, min(amount, cap - earned_today))


# ---------------------------------------------------------------------------- fraud signals


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine; good enough for hundreds of metres)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(h)))


def is_burst(count_in_window: int, limit: int) -> bool:
    """More reports in the window than a person walking a street makes (the limit is configuration)."""
    return limit > 0 and count_in_window > limit


# ---------------------------------------------------------------------------- pickup codes

# No 0/O, 1/I/L: read aloud at a counter, typed by a mall keeper.
PICKUP_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PICKUP_LENGTH = 8


def new_pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _ in range(PICKUP_LENGTH))


def normalise_pickup_code(raw: str) -> str:
    """What a keeper types or a scanner sends (it may be the whole URL of the QR) → the code."""
    text = (raw or "").strip().upper()
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return "".join(ch for ch in text if ch.isalnum())
