"""Who may use the IoT console pages: city-wide desk staff see devices, rules and events;
administrators and commanders register devices, issue tokens and edit rules."""
from civicloop.org.roles import Role, Scope

VIEW = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.COMMANDER, Role.ADMIN})
MANAGE = frozenset({Role.COMMANDER, Role.ADMIN})


def _city(user) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "scope", "") == Scope.CITY


def can_view(user) -> bool:
    return _city(user) and user.role in VIEW


def can_manage(user) -> bool:
    return _city(user) and user.role in MANAGE
