"""Who may see and act on which case: decided here and nowhere else (conventions rule 3)."""
from __future__ import annotations

from django.db.models import Q

from civicloop.org.roles import Role, Scope

_NOTHING = Q(pk__in=[])


def visibility_filter(user) -> Q:
    if user is None or not user.is_authenticated or not getattr(user, "role", ""):
        return _NOTHING
    if user.scope == Scope.CITY:
        return Q()
    if user.scope == Scope.STREET:
        return Q(street_id=user.scope_division_id)
    if user.scope == Scope.COMMUNITY:
        return Q(community_id=user.scope_division_id)
    if user.scope == Scope.GRID:
        return Q(grid_id=user.scope_grid_id)
    if user.scope == Scope.DEPARTMENT:
        return Q(department_id=user.department_id)
    return _NOTHING


def can_see(user, case) -> bool:
    if user is None or not user.is_authenticated or not getattr(user, "role", ""):
        return False
    scope = user.scope
    if scope == Scope.CITY:
        return True
    if scope == Scope.STREET:
        return case.street_id == user.scope_division_id
    if scope == Scope.COMMUNITY:
        return case.community_id == user.scope_division_id
    if scope == Scope.GRID:
        return case.grid_id == user.scope_grid_id
    if scope == Scope.DEPARTMENT:
        return case.department_id is not None and case.department_id == user.department_id
    return False


def can_report_at(user, *, street: str, community: str, grid: str) -> bool:
    """Staff report only inside their own area; a department worker reports anywhere in the city."""
    scope = user.scope
    if scope in (Scope.CITY, Scope.DEPARTMENT):
        return True
    if scope == Scope.STREET:
        return street == user.scope_division_id
    if scope == Scope.COMMUNITY:
        return community == user.scope_division_id
    return scope == Scope.GRID and grid == user.scope_grid_id


def is_read_only(user) -> bool:
    return user.role == Role.ADMIN
