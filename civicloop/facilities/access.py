"""Who may see and manage the registry. Facilities follow the staff member's area like cases do."""
from __future__ import annotations

from django.db.models import Q

from civicloop.org.roles import Role, Scope

MANAGERS = frozenset({Role.ADMIN, Role.COMMANDER, Role.SHIFT_LEADER, Role.OPERATOR, Role.DISPATCHER})


def can_view(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", ""))


def can_manage(user) -> bool:
    """Edit, import and print labels: the centre's desk roles with the whole city in view."""
    return can_view(user) and user.role in MANAGERS and user.scope == Scope.CITY


def area_filter(user) -> Q:
    if not can_view(user):
        return Q(pk__in=[])
    if user.scope == Scope.STREET:
        return Q(street_id=user.scope_division_id)
    if user.scope == Scope.COMMUNITY:
        return Q(community_id=user.scope_division_id)
    if user.scope == Scope.GRID:
        return Q(grid_id=user.scope_grid_id)
    return Q()  # city and departments (who maintain facilities across the city)


def area_key(user) -> tuple[str, str] | None:
    """The same area as area_filter, for the in-memory map index: None = the whole city."""
    if user.scope == Scope.STREET:
        return ("street", user.scope_division_id)
    if user.scope == Scope.COMMUNITY:
        return ("community", user.scope_division_id)
    if user.scope == Scope.GRID:
        return ("grid", user.scope_grid_id)
    return None
