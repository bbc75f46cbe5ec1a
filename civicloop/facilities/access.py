"""Who may see and manage the registry. Facilities follow the staff member's area like cases do
(Facility.scope_fields, read by org.scoping.scope_filter)."""
from __future__ import annotations

from civicloop.org import scoping
from civicloop.org.roles import Role, Scope

MANAGERS = frozenset({Role.ADMIN, Role.COMMANDER, Role.SHIFT_LEADER, Role.OPERATOR, Role.DISPATCHER})


def can_view(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", ""))


def can_manage(user) -> bool:
    """Edit, import and print labels: the centre's desk roles with the whole city in view."""
    return can_view(user) and user.role in MANAGERS and user.scope == Scope.CITY


def area_key(user) -> tuple[str, str] | None:
    """The user's area for the in-memory map index (org.scoping's area): None = the whole city."""
    area = scoping.own_area(user)
    if area is None or area.level in (Scope.CITY, Scope.DEPARTMENT):
        return None  # departments maintain facilities across the city
    return (area.level, area.code)
