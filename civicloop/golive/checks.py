"""The go-live check (城市配置检查): what a city still lacks before it can run the loop.

Each check is a function of no arguments returning a list of `Finding`s (empty when all is well),
declared on an AppConfig as `go_live_checks` (core/extensions.py collects them). The checks of
things every city shares — the jurisdiction, grids, routes, staff, district command centres, the
calendar, maps — are here, written against the other apps' models and public functions.

Every check is a handful of aggregate queries; the only geometry work is one union of the grids per
street and then of the streets (a few hundred polygons at each step), so it stays quick on a city of
20,000 grids (docs/performance.md).
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicloop.cases.command import STAGES
from civicloop.cases.rules import RULES, Action
from civicloop.core import extensions
from civicloop.geo.models import Division, Grid
from civicloop.geo.shapes import stored_area
from civicloop.lib.i18n import pick
from civicloop.org.models import CommandCentre, Department, User
from civicloop.org.roles import Role, Scope
from civicloop.routing.models import RoutingRule
from civicloop.taxonomy.models import Category, DepartmentRoute
from civicloop.taxonomy.queries import calendar_status

log = logging.getLogger(__name__)

BLOCKING, WARNING = "blocking", "warning"
EXAMPLES = 5  # how many examples a finding names; the count says how many there are in all
# Grids may leave this share of the boundary uncovered (slivers along a surveyed boundary line,
# rivers, a boundary drawn at a coarser scale than the grids) before it is worth a warning.
COVERAGE_TOLERANCE = 0.01
STREET_DIGITS, COMMUNITY_DIGITS, GRID_DIGITS = 9, 12, 15


@dataclass(frozen=True)
class Fix:
    """Where a finding is fixed: a page (a URL name, reversed when shown) or a command to run."""

    label: str
    url_name: str = ""
    command: str = ""


@dataclass(frozen=True)
class Finding:
    key: str  # stable, for scripts and tests: "geo.no_root", "routes.unrouted", …
    severity: str  # BLOCKING or WARNING
    title: str
    explanation: str
    count: int | None = None
    examples: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # check name → how long it took

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]


def run() -> Report:
    """Every declared check, blocking findings first. A check that fails is a finding, not an error page."""
    report = Report()
    for app, check in extensions.go_live_checks():
        name = f"{app}.{getattr(check, '__name__', 'check')}"
        started = time.perf_counter()
        try:
            report.findings.extend(check())
        except Exception:  # one broken check must not hide what the others found
            log.exception("go-live check %s failed", name)
            report.findings.append(Finding(f"failed.{name}", WARNING, _("A check could not run"),
                                           _("The check %(name)s failed; the server log has the details.")
                                           % {"name": name}))
        report.seconds[name] = time.perf_counter() - started
    report.findings.sort(key=lambda f: not f.blocking)
    return report


# ---------------------------------------------------------------------------- helpers


def _root_code() -> str:
    return settings.JURISDICTION


def _root():
    return Division.objects.filter(code=_root_code()).first()


def _boundary(text: str):
    """The root's boundary as a shapely polygon, or None when missing or unusable."""
    geom = stored_area(text)
    return geom if geom is None or geom.is_valid else shapely.make_valid(geom)


def _grids():
    return Grid.objects.filter(active=True, community__code__startswith=_root_code())


def _named(rows) -> tuple[str, ...]:
    return tuple(f"{name} ({code})" for code, name in rows[:EXAMPLES])


def _import_fixes() -> tuple[Fix, ...]:
    return (Fix(_("Import boundaries and grids"), url_name="geo:import"),
            Fix(_("or from the command line"), command="civicloop geo-import FILE"))


def _setup_fix() -> Fix:
    return Fix(_("Set-up data from Excel"), url_name="setupdata:index")


# ---------------------------------------------------------------------------- the jurisdiction


def jurisdiction() -> list[Finding]:
    """A root division for CIVICLOOP_JURISDICTION, streets under it, and a boundary (or grids instead)."""
    root = _root()
    if root is None:
        return [_no_root()]
    found = []
    if not _streets().exists():
        found.append(Finding("geo.no_streets", BLOCKING, _("No streets or towns under the jurisdiction"),
                             _("%(name)s has no street or town divisions loaded; cases are placed by street.")
                             % {"name": root.name},
                             fixes=(Fix(_("Load the divisions"), command=f"civicloop city init {root.code}"),)))
    if _boundary(root.geometry) is None:
        found.append(_no_boundary(root))
    return found


def _no_root() -> Finding:
    code = _root_code()
    return Finding(
        "geo.no_root", BLOCKING, _("The jurisdiction is not loaded"),
        _("CIVICLOOP_JURISDICTION is %(code)s, but there is no division with this code. Load the jurisdiction's "
          "divisions from the national list.") % {"code": code},
        fixes=(Fix(_("Load the divisions"), command=f"civicloop city init {code}"),))


def _no_boundary(root) -> Finding:
    grids = _grids().count()
    if grids:
        return Finding(
            "geo.no_boundary", WARNING, _("The jurisdiction has no boundary"),
            _("No boundary is loaded for %(name)s; its %(grids)d grids stand in for it, so a report from a place "
              "outside every grid is refused.") % {"name": root.name, "grids": grids},
            fixes=_import_fixes())
    return Finding(
        "geo.no_boundary", BLOCKING, _("The jurisdiction has no boundary"),
        _("Neither a boundary of %(name)s nor any unit grid is loaded: nothing tells a place inside the "
          "city from one outside, and no case can be placed in a grid.") % {"name": root.name},
        fixes=_import_fixes())


def _streets():
    return Division.objects.filter(level=Division.Level.STREET, code__startswith=_root_code())


# ---------------------------------------------------------------------------- grids


def grids() -> list[Finding]:
    """Unit grids exist, every street and community has some, and together they cover the boundary."""
    root = _root()
    if root is None:
        return []  # jurisdiction() says so
    if not _grids().exists():
        return [Finding("grids.none", BLOCKING, _("No unit grids"),
                        _("No active unit grid is loaded under %(name)s: cases cannot be placed in a grid, "
                          "routed by area or shown on the grid map.") % {"name": root.name},
                        fixes=_import_fixes())]
    found = [f for f in (_divisions_without_grids("street"), _divisions_without_grids("community")) if f]
    gap = _coverage_gap(root)
    if gap:
        found.append(gap)
    return found


def _divisions_without_grids(level: str) -> Finding | None:
    digits = STREET_DIGITS if level == "street" else COMMUNITY_DIGITS
    with_grids = _grids().annotate(part=Substr("community_id", 1, digits)).values("part")
    missing = (Division.objects.filter(level=level, code__startswith=_root_code())
               .exclude(code__in=with_grids).order_by("code").values_list("code", "name"))
    count = missing.count()
    if not count:
        return None
    if level == "street":
        title = _("Streets without any grid")
        text = ngettext("%(n)d street or town has no unit grid: its cases cannot be placed in a grid.",
                        "%(n)d streets or towns have no unit grid: their cases cannot be placed in a grid.", count)
    else:
        title = _("Communities without any grid")
        text = ngettext("%(n)d community or village has no unit grid.",
                        "%(n)d communities or villages have no unit grid.", count)
    return Finding(f"grids.{level}_without_grid", WARNING, title, text % {"n": count}, count,
                   _named(list(missing[:EXAMPLES])), _import_fixes())


def uncovered_share(boundary, polygons: dict[str, list]) -> tuple[float, object]:
    """The share of the boundary's area no grid covers, and the largest uncovered piece.

    Grids are united street by street, then the streets: a few hundred polygons at each step. Areas
    are in square degrees; a share within one city barely depends on that (docs/performance.md).
    """
    streets = [shapely.union_all(np.array(polys, dtype=object)) for polys in polygons.values()]
    covered = shapely.union_all(np.array(streets, dtype=object))
    gap = shapely.difference(boundary, covered)
    if gap.is_empty or not boundary.area:
        return 0.0, None
    pieces = list(getattr(gap, "geoms", [gap]))
    return gap.area / boundary.area, max(pieces, key=lambda g: g.area)


def _coverage_gap(root) -> Finding | None:
    boundary = _boundary(root.geometry)
    if boundary is None:
        return None  # jurisdiction() says so
    share, largest = uncovered_share(boundary, _grid_polygons())
    if share <= COVERAGE_TOLERANCE:
        return None
    point = largest.representative_point()
    return Finding(
        "grids.coverage", WARNING, _("Grids do not cover the jurisdiction"),
        _("%(share).1f%% of the area inside the boundary of %(name)s is in no unit grid (up to %(tolerance).0f%% "
          "is accepted). A report from there is accepted but lands in no grid. The largest gap is around "
          "%(lon).5f, %(lat).5f.") % {"share": share * 100, "name": root.name, "tolerance": COVERAGE_TOLERANCE * 100,
                                     "lon": point.x, "lat": point.y},
        fixes=_import_fixes())


def _grid_polygons() -> dict[str, list]:
    """Each street's active grids as shapely polygons (parsed in one call; unreadable ones left out)."""
    rows = list(_grids().values_list("community_id", "geometry"))
    geoms = shapely.from_geojson(np.array([text for _c, text in rows], dtype=object), on_invalid="ignore")
    broken = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    geoms[broken] = shapely.make_valid(geoms[broken])  # a self-crossing grid must not stop the union
    by_street: dict[str, list] = defaultdict(list)
    for (community, _text), geom in zip(rows, geoms):
        if geom is not None and not geom.is_empty:
            by_street[community[:STREET_DIGITS]].append(geom)
    return by_street


# ---------------------------------------------------------------------------- routes


def routes() -> list[Finding]:
    """Every active category reaches a department in every street: its default department, a
    city-wide routing rule, a category × street route, or routing rules for the street or all its
    communities. Rules only for urgent or supervised cases do not count: an ordinary case misses them."""
    streets, names = _street_communities()
    unrouted = _unrouted(streets, names)
    if not unrouted:
        return []
    nowhere = [(code, name) for code, name, missing in unrouted if len(missing) == len(streets)]
    partial = [(code, name, missing) for code, name, missing in unrouted if len(missing) < len(streets)]
    found = []
    if nowhere:
        found.append(Finding(
            "routes.nowhere", BLOCKING, _("Categories with no department anywhere"),
            ngettext("%(n)d active category has no default department and no routing rule: every case of it "
                     "waits for a dispatcher to pick a department by hand.",
                     "%(n)d active categories have no default department and no routing rule: every case of "
                     "them waits for a dispatcher to pick a department by hand.", len(nowhere)) % {"n": len(nowhere)},
            len(nowhere), tuple(f"{code} {name}" for code, name in nowhere[:EXAMPLES]), _route_fixes()))
    if partial:
        found.append(Finding(
            "routes.some_streets", WARNING, _("Categories without a department in some streets"),
            ngettext("%(n)d active category has no department in some streets or towns.",
                     "%(n)d active categories have no department in some streets or towns.", len(partial))
            % {"n": len(partial)}, len(partial),
            tuple(_("%(category)s: %(streets)s") % {"category": f"{code} {name}", "streets": "、".join(missing[:3])
                                                    + ("…" if len(missing) > 3 else "")}
                  for code, name, missing in partial[:EXAMPLES]), _route_fixes()))
    return found


def _route_fixes() -> tuple[Fix, ...]:
    return (Fix(_("Routing rules"), url_name="routing:rules"), _setup_fix(),
            Fix(_("Categories' default departments"), url_name="admin:taxonomy_category_changelist"))


def _street_communities() -> tuple[dict[str, set[str]], dict[str, str]]:
    """Each street's communities, and the streets' names."""
    names = dict(_streets().values_list("code", "name"))
    streets = {code: set() for code in names}
    for code in Division.objects.filter(level=Division.Level.COMMUNITY, code__startswith=_root_code()
                                        ).values_list("code", flat=True):
        if code[:STREET_DIGITS] in streets:
            streets[code[:STREET_DIGITS]].add(code)
    return streets, names


def _unrouted(streets: dict[str, set[str]], names: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """(code, name, streets without a department) of each active category lacking one somewhere."""
    rules = _plain_rules()
    street_routes = defaultdict(set)
    for category, street in DepartmentRoute.objects.filter(department__active=True).values_list("category_id",
                                                                                               "street_id"):
        street_routes[category].add(street)
    categories = (Category.objects.filter(active=True).filter(Q(department__isnull=True) | Q(department__active=False))
                  .order_by("code").values_list("code", "name"))
    found = []
    for code, name in categories:
        areas = {area for applies, area in rules if applies(code)}
        if "" in areas:
            continue
        missing = [s for s, communities in streets.items()
                   if s not in street_routes[code] and s not in areas and not (communities and communities <= areas)]
        if missing or not streets:
            found.append((code, name, [names.get(s, s) for s in missing]))
    return found


def _plain_rules() -> list[tuple[object, str]]:
    """(does it apply to a category code?, area) of each active routing rule with no condition."""
    rows = (RoutingRule.objects.filter(active=True, department__active=True, min_priority__isnull=True,
                                       supervised_only=False)
            .values_list("category_id", "category_group", "area"))
    return [(_matcher(category or "", group), area) for category, group, area in rows]


def _matcher(category: str, group: str):
    if category:
        return lambda code: code == category
    return lambda code: code.startswith(group)  # "" (any category) starts every code


# ---------------------------------------------------------------------------- staff


def staff() -> list[Finding]:
    """Every active department has at least one active department worker (处置人员) to sign for cases."""
    handlers = Count("staff", filter=Q(staff__is_active=True, staff__role=Role.HANDLER))
    empty = list(Department.objects.filter(active=True)
                 .filter(Q(division__isnull=True) | Q(division__code__startswith=_root_code()))
                 .annotate(n=handlers).filter(n=0).order_by("code").values_list("code", "name"))
    if not empty:
        return []
    routed = _routed_departments()
    needed = [row for row in empty if row[0] in routed]
    idle = [row for row in empty if row[0] not in routed]
    found = []
    if needed:
        found.append(Finding(
            "staff.routed_department_empty", BLOCKING, _("Departments that receive cases have no staff"),
            ngettext("%(n)d department that routing sends cases to has no active department worker: its cases "
                     "would wait with nobody to sign for them.",
                     "%(n)d departments that routing sends cases to have no active department worker: their cases "
                     "would wait with nobody to sign for them.", len(needed)) % {"n": len(needed)},
            len(needed), _named(needed), _staff_fixes()))
    if idle:
        found.append(Finding(
            "staff.department_empty", WARNING, _("Departments without staff"),
            ngettext("%(n)d active department has no active department worker.",
                     "%(n)d active departments have no active department worker.", len(idle)) % {"n": len(idle)},
            len(idle), _named(idle), _staff_fixes()))
    return found


def _staff_fixes() -> tuple[Fix, ...]:
    return (_setup_fix(), Fix(_("Staff accounts"), url_name="admin:org_user_changelist"))


def _routed_departments() -> set[str]:
    routed = set(Category.objects.filter(active=True, department__isnull=False).values_list("department_id", flat=True))
    routed |= set(DepartmentRoute.objects.filter(category__active=True).values_list("department_id", flat=True))
    routed |= set(RoutingRule.objects.filter(active=True).values_list("department_id", flat=True))
    return routed


def loop_staff() -> list[Finding]:
    """Somebody may take each step of the loop (the roles come from cases.rules), an administrator
    exists, and every street has a field worker (监督员 or 网格员) whose scope covers it."""
    return [f for f in (_steps_without_staff(), _no_administrator(), _streets_without_field_staff()) if f]


def _loop_steps() -> dict[str, str]:
    return {Action.FILE: _("filing"), Action.DISPATCH: _("dispatch"),
            Action.CHECK: _("checking the fix"), Action.CLOSE: _("closing")}


def _steps_without_staff() -> Finding | None:
    language = get_language()
    missing = []
    for action, step in _loop_steps().items():
        roles = RULES[action].roles
        if not User.objects.filter(is_active=True, role__in=roles).exists():
            names = "、".join(pick(Role(r).label, language) for r in sorted(roles))
            missing.append(f"{step}: {names}")
    if not missing:
        return None
    return Finding(
        "staff.step_without_staff", BLOCKING, _("Steps of the loop nobody can take"),
        ngettext("%(n)d step of the loop has no active staff member with a role allowed to take it: cases stop there.",
                 "%(n)d steps of the loop have no active staff member with a role allowed to take them: cases stop "
                 "there.", len(missing)) % {"n": len(missing)},
        len(missing), tuple(missing), _staff_fixes())


def _no_administrator() -> Finding | None:
    if User.objects.filter(Q(is_superuser=True) | Q(role=Role.ADMIN), is_active=True).exists():
        return None
    return Finding("staff.no_admin", BLOCKING, _("No administrator"),
                   _("No active administrator account exists to keep the configuration."),
                   fixes=(Fix(_("Create one"), command="civicloop createstaff USERNAME --role admin"),))


def _streets_without_field_staff() -> Finding | None:
    streets = dict(_streets().values_list("code", "name"))
    field = User.objects.filter(is_active=True, role__in=(Role.INSPECTOR, Role.GRID_WORKER))
    if not streets or field.filter(scope=Scope.CITY).exists():
        return None
    areas = {division or grid for division, grid in field.values_list("scope_division_id", "scope_grid_id")
             if division or grid}
    covered = {street for street in streets if any(area[:STREET_DIGITS] == street or street.startswith(area)
                                                   for area in areas)}
    missing = sorted((code, name) for code, name in streets.items() if code not in covered)
    if not missing:
        return None
    return Finding(
        "staff.street_without_field_staff", WARNING, _("Streets without field staff"),
        ngettext("%(n)d street or town has no active inspector or grid worker whose scope covers it: nobody there "
                 "can verify a report or check a fix.",
                 "%(n)d streets or towns have no active inspector or grid worker whose scope covers them: nobody "
                 "there can verify a report or check a fix.", len(missing)) % {"n": len(missing)},
        len(missing), _named(missing), _staff_fixes())


# ---------------------------------------------------------------------------- district command centres


def command_centres() -> list[Finding]:
    """Where two-level command is in use (some district has an active centre: org.CommandCentre), each
    district has one, and each centre can run the stages the city leaves to it (cases/command.py): staff
    of the district's scope in a role for each stage, and departments of its own to dispatch to. A
    jurisdiction of one county, or one run from one centre, has nothing to check."""
    if len(_root_code()) >= 6:
        return []
    centres = dict(CommandCentre.objects.filter(active=True, division__code__startswith=_root_code())
                   .values_list("division_id", "division__name"))
    if not centres:
        return []
    found = [_districts_without_centre(centres), _centres_without_staff(centres), _centres_without_departments(centres)]
    return [f for f in found if f]


def _district_stages() -> list[str]:
    """The stages a district's centre runs: those the city has not kept (CIVICLOOP_CITY_STAGES)."""
    return [stage for stage in STAGES if stage not in settings.CITY_STAGES]


def _districts_without_centre(centres: dict[str, str]) -> Finding | None:
    without = (Division.objects.filter(level=Division.Level.COUNTY, code__startswith=_root_code())
               .exclude(code__in=list(centres)).order_by("code").values_list("code", "name"))
    count = without.count()
    if not count:
        return None
    return Finding(
        "command.district_without_centre", WARNING, _("Districts without a command centre"),
        ngettext("Two-level command is in use, but %(n)d district has no command centre: the city centre "
                 "runs its cases.",
                 "Two-level command is in use, but %(n)d districts have no command centre: the city centre "
                 "runs their cases.", count) % {"n": count},
        count, _named(list(without[:EXAMPLES])), _centre_fixes())


def _centres_without_staff(centres: dict[str, str]) -> Finding | None:
    """Centres lacking district-scoped staff in a role allowed the key action of a stage they run."""
    key_action = {"intake": Action.FILE, "dispatch": Action.DISPATCH, "close": Action.CLOSE}
    steps = _loop_steps()
    held = set(User.objects.filter(is_active=True, scope=Scope.DISTRICT, scope_division_id__in=list(centres))
               .values_list("scope_division_id", "role"))
    lacking = []
    for code, name in sorted(centres.items()):
        stages = [steps[key_action[stage]] for stage in _district_stages()
                  if not any((code, role) in held for role in RULES[key_action[stage]].roles)]
        if stages:
            lacking.append(f"{name} ({code}): {'、'.join(stages)}")
    if not lacking:
        return None
    return Finding(
        "command.centre_without_staff", BLOCKING, _("District command centres without staff"),
        ngettext("%(n)d district command centre has no staff of the district's scope for a step it runs: its "
                 "cases stop there.",
                 "%(n)d district command centres have no staff of the district's scope for a step they run: "
                 "their cases stop there.", len(lacking)) % {"n": len(lacking)},
        len(lacking), tuple(lacking[:EXAMPLES]), _centre_fixes())


def _centres_without_departments(centres: dict[str, str]) -> Finding | None:
    """A centre that dispatches may only dispatch to its own district's departments (cases.services)."""
    if "dispatch" not in _district_stages():
        return None
    active = Department.objects.filter(active=True, division__isnull=False).values_list("division_id", flat=True)
    with_departments = {code[:6] for code in active}
    empty = sorted((code, name) for code, name in centres.items() if code not in with_departments)
    if not empty:
        return None
    return Finding(
        "command.centre_without_departments", BLOCKING, _("District command centres with no departments"),
        ngettext("%(n)d district command centre dispatches, but no active department belongs to its district: "
                 "it can dispatch to nobody.",
                 "%(n)d district command centres dispatch, but no active department belongs to their districts: "
                 "they can dispatch to nobody.", len(empty)) % {"n": len(empty)},
        len(empty), _named(empty), (_setup_fix(), Fix(_("Departments"), url_name="admin:org_department_changelist")))


def _centre_fixes() -> tuple[Fix, ...]:
    return (Fix(_("District command centres"), url_name="admin:org_commandcentre_changelist"),
            Fix(_("Staff accounts"), url_name="admin:org_user_changelist"))


# ---------------------------------------------------------------------------- calendar


def calendar() -> list[Finding]:
    """The coming year's holiday arrangement is entered and confirmed (asked from 1 November)."""
    status = calendar_status()
    if status.ok:
        return []
    if status.reason == "draft":
        text = _("The holiday arrangement for %(year)d is entered as a draft. Confirm it once the State Council's "
                 "notice is published.")
    else:
        text = _("The State Council's holiday arrangement for %(year)d has not been entered. Until it is, deadlines "
                 "in %(year)d count only the statutory holidays and Monday to Friday.")
    return [Finding("calendar.next_year", WARNING, _("Holiday arrangement for %(year)d") % {"year": status.year},
                    text % {"year": status.year}, fixes=(
                        Fix(_("Enter the holiday arrangement"), url_name="admin:taxonomy_calendaryear_changelist"),
                        Fix(_("or from the command line"), command=f"civicloop calendar load {status.year}.toml")))]


# ---------------------------------------------------------------------------- maps


def maps() -> list[Finding]:
    """Some basemap to read a place by: map tiles, or the city's own reference layers."""
    if settings.MAP_TILES != "none" or settings.MAP_TILE_URL or _reference_layers():
        return []
    return [Finding(
        "maps.no_basemap", WARNING, _("No map tiles and no reference layers"),
        _("No map tile provider is configured (CIVICLOOP_MAP_TILES is none) and no reference layer (roads, "
          "buildings, water) is loaded: the maps show only boundaries and grids on a blank background."),
        fixes=_map_fixes())]


def _reference_layers() -> bool:
    """Whether the basemap app holds any reference feature (False in a build without it)."""
    try:
        model = apps.get_model("basemap", "ReferenceFeature")
    except LookupError:
        return False
    return model.objects.exists()


def _map_fixes() -> tuple[Fix, ...]:
    return (Fix(_("Choose a tile provider (docs/maps.md)"), command="CIVICLOOP_MAP_TILES=tianditu CIVICLOOP_TIANDITU_KEY=…"),
            Fix(_("or load reference layers"), command="civicloop basemap-import roads|water|buildings FILE"))
