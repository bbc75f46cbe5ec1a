"""Who may use the hotline's console pages: city-wide desk staff see orders and record 回访;
administrators and commanders also manage the hotline systems and their keys."""
from civicloop.org.roles import Role, Scope

DESK = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.COMMANDER, Role.ADMIN})
CONFIGURE = frozenset({Role.COMMANDER, Role.ADMIN})


def _city(user) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "scope", "") == Scope.CITY


def can_use(user) -> bool:
    return _city(user) and user.role in DESK


def can_configure(user) -> bool:
    return _city(user) and user.role in CONFIGURE


# 待定位: an order without a place belongs to no street yet, so it is the city desk's to place.
LOCATE = frozenset({Role.OPERATOR, Role.SHIFT_LEADER})


def can_locate(user) -> bool:
    return _city(user) and user.role in LOCATE
