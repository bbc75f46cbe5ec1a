"""{% calendar_warning as w %}: the coming year's holiday arrangement is unknown (docs/calendar.md)."""
from __future__ import annotations

from django import template

from civicloop.org.roles import Role, Scope
from civicloop.taxonomy.queries import CalendarStatus, calendar_status

register = template.Library()

# Who can do something about it: administrators, and the city-wide leaders who ask them to.
_CITY_LEADERS = {Role.COMMANDER, Role.SHIFT_LEADER}


def warned(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.role == Role.ADMIN or (user.role in _CITY_LEADERS and user.scope == Scope.CITY)


@register.simple_tag(takes_context=True)
def calendar_warning(context) -> CalendarStatus | None:
    """The status when it needs this user's attention, else None (a cached read, no query)."""
    if not warned(context.get("user")):
        return None
    status = calendar_status()
    return None if status.ok else status
