"""The allowed values a template's second sheet lists (and its drop-downs offer), from this city's data.

Each list is (what to type in the cell, what it is): a label in the workbook's language for a
choice, a code for a division, department or category. Call inside translation.override()."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicloop.geo.models import Division, Grid
from civicloop.lib.i18n import pick
from civicloop.org.models import Department
from civicloop.org.roles import Role, Scope
from civicloop.taxonomy.models import Category, Priority


@dataclass(frozen=True)
class Allowed:
    title: str
    rows: list[tuple[str, str]]


def _labels(choices) -> list[tuple[str, str]]:
    return [(pick(str(label), get_language()), str(value)) for value, label in choices]


# Below the jurisdiction, what departments and staff scopes name: a district (区县, for a district
# bureau or a district command centre's staff), a street, a community.
LEVELS = (Division.Level.COUNTY, Division.Level.STREET, Division.Level.COMMUNITY)


def jurisdiction_divisions():
    """Districts, streets and communities under the deployment's root division (settings.JURISDICTION)."""
    return Division.objects.filter(code__startswith=settings.JURISDICTION, level__in=LEVELS).order_by("code")


def _divisions() -> list[tuple[str, str]]:
    return list(jurisdiction_divisions().values_list("code", "name"))


def _areas() -> list[tuple[str, str]]:
    grids = Grid.objects.filter(code__startswith=settings.JURISDICTION, active=True).order_by("code")
    return _divisions() + list(grids.values_list("code", "name"))


def _categories() -> list[tuple[str, str]]:
    groups = dict(Category.objects.order_by("major_code").values_list("major_code", "major_name"))
    codes = list(Category.objects.filter(active=True).order_by("code").values_list("code", "name"))
    return list(groups.items()) + codes


BUILDERS = {
    "department_kinds": (_("Department kinds"), lambda: _labels(Department.Kind.choices)),
    "divisions": (_("Districts, streets and communities"), _divisions),
    "areas": (_("Districts, streets, communities and grids"), _areas),
    "roles": (_("Roles"), lambda: _labels(Role.choices)),
    "scopes": (_("Scopes"), lambda: _labels(Scope.choices)),
    "departments": (_("Departments"), lambda: list(Department.objects.order_by("code").values_list("code", "name"))),
    "categories": (_("Category groups and categories"), _categories),
    "national_categories": (_("National categories (GB/T 47678.5)"),
                            lambda: list(Category.objects.filter(is_local=False).order_by("code").values_list("code", "name"))),
    "priorities": (_("Priorities"), lambda: _labels(Priority.choices)),
    "conditions": (_("Priority conditions"), lambda: _labels([p for p in Priority.choices if p[0] > Priority.NORMAL])),
    "yes_no": (_("Yes or no"), lambda: [(str(_("Yes")), ""), (str(_("No")), "")]),
}


def allowed(name: str) -> Allowed:
    title, build = BUILDERS[name]
    return Allowed(str(title), build())
