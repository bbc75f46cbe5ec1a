"""Template helpers for the consoles: bilingual labels, lights, scope, dates in the city's time."""
from __future__ import annotations

from django import template
from django.utils.translation import get_language

from civicloop.cases.engine import light_now
from civicloop.core.extensions import case_panels as panels, console_links as links
from civicloop.lib.i18n import pick
from civicloop.org.roles import Scope

register = template.Library()


@register.filter
def lang(label) -> str:
    """'待受理 reported' or '中文 / English' → the half for the active language."""
    return pick(str(label or ""), get_language())


@register.filter
def scope_label(user) -> str:
    if user.scope == Scope.CITY:
        return pick(Scope(user.scope).label, get_language())
    if user.scope == Scope.DEPARTMENT:
        return str(user.department) if user.department_id else ""
    if user.scope == Scope.GRID:
        return f"{pick(Scope.GRID.label, get_language())} {user.scope_grid_id}"
    return str(user.scope_division) if user.scope_division_id else ""


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def with_error_attrs(field):
    """Render a bound field marked invalid and tied to its message for screen readers."""
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": f"{field.auto_id}-error"})


@register.filter
def light_of(case) -> str:
    """green / yellow / red for an open case with a running clock; '' otherwise."""
    found = light_now(case)
    return found.value if found else ""


@register.filter
def console_links(user) -> list[dict]:
    """Links the feature apps add to the tool bar (core.extensions)."""
    return links(user)


@register.simple_tag(takes_context=True)
def case_panels(context, case) -> str:
    """Sections the feature apps add to the case panel (core.extensions), already rendered."""
    from django.utils.safestring import mark_safe

    return mark_safe("".join(panels(context["request"], case)))
