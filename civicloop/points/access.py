"""Who may run the mall and the points desk: Django permissions on staff accounts, so a city grants
them to whoever keeps its 荣誉超市 (a 社区 worker, a volunteer) without a new workflow role."""
from __future__ import annotations

KEEP_MALL = "points.keep_mall"  # hand out orders (核销), keep stock
MANAGE = "points.manage_points"  # catalogue, earning rules, fraud review, totals


def _staff(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_manage(user) -> bool:
    return _staff(user) and user.has_perm(MANAGE)


def can_keep_mall(user) -> bool:
    return _staff(user) and (user.has_perm(KEEP_MALL) or user.has_perm(MANAGE))
