"""A staff member's scope as a filter: the one place that turns city, district, street, community,
grid or department into the rows they may see (conventions rule 3).

org knows no other app's models. A model that is listed by scope says which of its fields carry
its place and its department, as a class attribute:

    class Case(models.Model):
        scope_fields = ScopeFields(street="street", community="community", grid="grid",
                                   department="department")

and every list reads through `scope_filter(user, queryset)`. A field may follow a relation
("case__street": a row is in scope when its case is). Place codes nest (a grid's 15 digits begin
with its community's 12, its street's 9 and its district's 6), so a model that keeps only a finer
place is still filtered by a coarser scope.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet

from civicloop.geo.models import Division
from civicloop.org.roles import Scope

NOTHING = Q(pk__in=[])
# Coarse to fine: the place fields a scope of each level may be matched on.
_PLACES = (Scope.STREET, Scope.COMMUNITY, Scope.GRID)
_FINER = {Scope.DISTRICT: _PLACES, Scope.STREET: _PLACES, Scope.COMMUNITY: _PLACES[1:], Scope.GRID: _PLACES[2:]}


@dataclass(frozen=True)
class ScopeFields:
    """Which fields of a model carry its street, community, grid and department ("" for none)."""

    street: str = ""
    community: str = ""
    grid: str = ""
    department: str = ""
    # Rows with no department of their own (a facility, a shop): department staff work across the
    # city and see them all. Otherwise a model without a department field shows them nothing.
    departments_see_all: bool = False

    def place(self, level: str) -> str:
        return {Scope.STREET: self.street, Scope.COMMUNITY: self.community, Scope.GRID: self.grid}.get(level, "")


@dataclass(frozen=True)
class Area:
    """What a staff member's scope names: a level (a Scope value) and its code ("" for the city)."""

    level: str
    code: str


def is_staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "role", ""))


def own_area(user) -> Area | None:
    """The area of the user's scope; None for anyone without a staff role or a scope naming no area."""
    if not is_staff(user):
        return None
    scope = str(getattr(user, "scope", ""))  # a plain string: it goes into cache keys and counter names
    if scope == Scope.CITY:
        return Area(scope, "")
    code = {Scope.DISTRICT: user.scope_division_id, Scope.STREET: user.scope_division_id,
            Scope.COMMUNITY: user.scope_division_id, Scope.GRID: user.scope_grid_id,
            Scope.DEPARTMENT: user.department_id}.get(scope)
    return Area(scope, code) if code else None


def declared(model: type[Model]) -> ScopeFields:
    fields = getattr(model, "scope_fields", None)
    if not isinstance(fields, ScopeFields):
        raise ImproperlyConfigured(f"{model.__name__} declares no scope_fields = ScopeFields(...): "
                                   "it cannot be listed by scope")
    return fields


def scope_filter(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the user's scope covers (none for anyone who is not staff)."""
    return queryset.filter(scope_q(user, queryset.model))


def scope_q(user, model: type[Model]) -> Q:
    """The same as a Q, for a subquery or a condition combined with others."""
    fields = declared(model)
    area = own_area(user)
    if area is None:
        return NOTHING
    if area.level == Scope.CITY:
        return Q()
    if area.level == Scope.DEPARTMENT:
        if fields.department:
            return Q(**{fields.department: area.code})
        return Q() if fields.departments_see_all else NOTHING
    return _place_q(model, fields, area)


def _place_q(model: type[Model], fields: ScopeFields, area: Area) -> Q:
    own = fields.place(area.level)
    if own:
        return Q(**{own: area.code})
    if area.level == Scope.DISTRICT and fields.street:
        # By its streets, not a LIKE on the code: a street index serves an IN list on both databases.
        return Q(**{f"{fields.street}__in": district_streets(area.code)})
    for level in _FINER.get(area.level, ()):
        if fields.place(level):
            return Q(**{_prefix_lookup(model, fields.place(level)): area.code})
    return NOTHING


def district_streets(district: str) -> list[str]:
    return list(Division.objects.filter(level=Division.Level.STREET, code__startswith=district)
                .values_list("code", flat=True))


def _prefix_lookup(model: type[Model], path: str) -> str:
    """`path__startswith`, through the key's own column when the path ends on a foreign key (no join)."""
    field = _field(model, path)
    return f"{path}__pk__startswith" if field.is_relation else f"{path}__startswith"


def _field(model: type[Model], path: str):
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


# ---------------------------------------------------------------------------- one row


def in_scope(user, obj: Model) -> bool:
    """Whether one row is inside the user's scope: scope_q's answer for a row already loaded."""
    fields = declared(type(obj))
    area = own_area(user)
    if area is None:
        return False
    if area.level == Scope.CITY:
        return True
    if area.level == Scope.DEPARTMENT:
        if fields.department:
            return _value(obj, fields.department) == area.code
        return fields.departments_see_all
    own = fields.place(area.level)
    if own:
        return _value(obj, own) == area.code
    finer = next((fields.place(level) for level in _FINER.get(area.level, ()) if fields.place(level)), "")
    return bool(finer) and (_value(obj, finer) or "").startswith(area.code)


def _value(obj: Model, path: str):
    *through, last = path.split("__")
    for part in through:
        obj = getattr(obj, part)
        if obj is None:
            return None
    return getattr(obj, obj._meta.get_field(last).attname)
