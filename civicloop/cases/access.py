"""Who may see and act on which case: decided here and nowhere else (conventions rule 3)."""
from __future__ import annotations

from dataclasses import dataclass

from civicloop.cases import command, engine, rules
from civicloop.cases.rules import REPORTER
from civicloop.org import scoping
from civicloop.org.roles import Role, Scope


@dataclass(frozen=True)
class Reporter:
    """The citizen who reported this case, as an actor of the workflow (“没有解决” reopens it).

    The citizens app proves the link before it builds one; here it may act on its own case only.
    """

    case_id: int
    citizen_id: int
    role: str = REPORTER
    department_id: None = None
    is_authenticated: bool = True
    is_reporter: bool = True

def can_see(user, case) -> bool:
    if getattr(user, "is_reporter", False):
        return user.case_id == case.pk
    return scoping.in_scope(user, case)


def can_report_at(user, *, street: str, community: str, grid: str) -> bool:
    """Staff report only inside their own area; a department worker reports anywhere in the city."""
    scope = user.scope
    if scope in (Scope.CITY, Scope.DEPARTMENT):
        return True
    if scope == Scope.DISTRICT:
        return _in_district(street, user.scope_division_id)
    if scope == Scope.STREET:
        return street == user.scope_division_id
    if scope == Scope.COMMUNITY:
        return community == user.scope_division_id
    return scope == Scope.GRID and grid == user.scope_grid_id


def allowed_actions(user, case) -> list[str]:
    """What this person may do to this case now: the lifecycle's answer for their role, less the
    steps another command centre runs (cases/command.py). The panel, the API and the engine agree."""
    actions = rules.allowed_actions(case.state, case.pending, engine.actor_of(user, case))
    return [action for action in actions if command.may_act_on(user, case, action)]


def _in_district(street: str | None, district: str | None) -> bool:
    return bool(street and district and len(district) == 6 and street.startswith(district))


def is_read_only(user) -> bool:
    return getattr(user, "role", "") == Role.ADMIN
