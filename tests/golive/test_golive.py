"""The go-live check (城市配置检查): on a new city each check says what is missing, and once that is
fixed it says nothing; the page is for administrators and city-wide leaders; `civicloop city check`
exits 1 while anything blocks."""
from __future__ import annotations

import json
from datetime import date

import pytest

from civicloop.geo.models import Division, Grid
from civicloop.geo.services import init_divisions
from civicloop.golive import checks
from civicloop.org.models import CommandCentre, Department, User
from civicloop.org.roles import Role, Scope
from civicloop.routing.models import RoutingRule
from civicloop.taxonomy import queries
from civicloop.taxonomy.models import CalendarYear, Category, DepartmentRoute

JINJIANG = "350582"  # 晋江市: 22 streets and towns, 405 communities in the national list
BOX = (118.50, 24.70, 118.70, 24.90)


def polygon(x0: float, y0: float, x1: float, y1: float) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})


def keys(*, severity: str | None = None) -> set[str]:
    return {f.key for f in checks.run().findings if severity is None or f.severity == severity}


def finding(key: str) -> checks.Finding:
    return next(f for f in checks.run().findings if f.key == key)


@pytest.fixture
def new_city(db, settings, monkeypatch):
    """晋江市 as the jurisdiction, nothing loaded yet; tiles chosen and the calendar known, so each test
    sees only what it is about unless it undoes that."""
    settings.JURISDICTION, settings.CITY_NAME, settings.MAP_TILES = JINJIANG, "晋江市", "osm"
    monkeypatch.setattr(queries, "today", lambda: date(2026, 12, 5))
    CalendarYear.objects.create(year=2027, confirmed=True, entered_at="2026-11-10T00:00:00Z")
    queries._cache.invalidate()
    return settings


@pytest.fixture
def divisions(new_city):
    init_divisions(JINJIANG)
    return Division.objects.get(code=JINJIANG)


def cover_with_grids(box=BOX, *, skip: set[str] = frozenset()) -> None:
    """A lattice of grids over the box, at least one in every community (but those in `skip`)."""
    communities = [c for c in Division.objects.filter(level="community", code__startswith=JINJIANG)
                   .order_by("code").values_list("code", flat=True) if c not in skip]
    cols = 21
    rows = -(-len(communities) // cols)
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) / cols, (y1 - y0) / rows
    grids = []
    for i in range(rows * cols):
        community = communities[i % len(communities)]
        cx, cy = x0 + (i % cols) * w, y0 + (i // cols) * h
        grids.append(Grid(code=f"{community}{1 + i // len(communities):03d}", name=f"网格{i}", community_id=community,
                          geometry=polygon(cx, cy, cx + w, cy + h), min_lon=cx, min_lat=cy, max_lon=cx + w,
                          max_lat=cy + h))
    Grid.objects.bulk_create(grids)


# ---------------------------------------------------------------------------- the jurisdiction and grids


def test_a_city_whose_jurisdiction_is_not_loaded_is_told_to_run_city_init(new_city):
    found = finding("geo.no_root")
    assert found.blocking
    assert any(fix.command == f"civicloop city init {JINJIANG}" for fix in found.fixes)


def test_after_city_init_it_asks_for_a_boundary_and_grids(divisions):
    assert {"geo.no_boundary", "grids.none"} <= keys(severity=checks.BLOCKING)
    assert "geo.no_root" not in keys()


def test_grids_alone_stand_in_for_a_missing_boundary_as_a_warning(divisions):
    cover_with_grids()
    assert finding("geo.no_boundary").severity == checks.WARNING
    assert "grids.none" not in keys()


def test_a_loaded_boundary_and_grids_covering_it_leave_nothing_to_say_about_geography(divisions):
    divisions.geometry = polygon(*BOX)
    divisions.save()
    assert "geo.no_boundary" not in keys()
    assert "grids.none" in keys()
    cover_with_grids()
    assert not {k for k in keys() if k.startswith(("geo.", "grids."))}


def test_grids_covering_half_the_boundary_are_reported_with_the_share_uncovered(divisions):
    divisions.geometry = polygon(*BOX)
    divisions.save()
    x0, y0, x1, y1 = BOX
    cover_with_grids((x0, y0, x1, (y0 + y1) / 2))
    gap = finding("grids.coverage")
    assert gap.severity == checks.WARNING
    assert "50.0%" in gap.explanation
    assert "24.8" in gap.explanation  # the largest gap is in the northern half


def test_streets_and_communities_without_grids_are_named(divisions):
    street = Division.objects.filter(level="street", code__startswith=JINJIANG).order_by("code").first()
    skipped = set(Division.objects.filter(parent=street).values_list("code", flat=True))
    cover_with_grids(skip=skipped)
    streets = finding("grids.street_without_grid")
    assert streets.count == 1 and street.name in streets.examples[0]
    assert finding("grids.community_without_grid").count == len(skipped)


# ---------------------------------------------------------------------------- routes and staff


def test_categories_without_any_department_block_until_routed(divisions):
    Category.objects.update(department=None)
    active = Category.objects.filter(active=True).count()
    assert finding("routes.nowhere").count == active
    Category.objects.update(department="hwz")
    assert not {k for k in keys() if k.startswith("routes.")}


def test_a_category_routed_in_some_streets_only_is_a_warning_naming_the_others(divisions):
    Category.objects.update(department="hwz")
    manhole = Category.objects.get(code="01001")
    manhole.department = None
    manhole.save()
    first, *others = Division.objects.filter(level="street", code__startswith=JINJIANG).order_by("code")
    DepartmentRoute.objects.create(category=manhole, street=first, department_id="swj")
    partial = finding("routes.some_streets")
    assert partial.count == 1 and partial.examples[0].startswith("01001")
    assert others[0].name in partial.examples[0] and first.name not in partial.examples[0]
    for street in others:  # a routing rule per street does as well as a taxonomy route
        RoutingRule.objects.create(category=manhole, area=street.code, department_id="swj")
    assert not {k for k in keys() if k.startswith("routes.")}


def test_a_rule_only_for_urgent_cases_does_not_count_as_a_route(divisions):
    Category.objects.update(department="hwz")
    Category.objects.filter(code="01001").update(department=None)
    RoutingRule.objects.create(category_id="01001", min_priority=2, department_id="swj")
    assert finding("routes.nowhere").examples == ("01001 " + Category.objects.get(code="01001").name,)
    RoutingRule.objects.create(category_group="01", department_id="swj")
    assert "routes.nowhere" not in keys()


def test_a_department_without_staff_is_reported_until_someone_joins_it(divisions):
    Category.objects.update(department="hwz")
    bureau = Department.objects.create(code="jj-water", name="晋江市水务局", kind=Department.Kind.PROFESSIONAL)
    idle = finding("staff.department_empty")
    assert idle.severity == checks.WARNING and "晋江市水务局 (jj-water)" in idle.examples
    Category.objects.filter(code="01001").update(department=bureau)
    assert "晋江市水务局 (jj-water)" in finding("staff.routed_department_empty").examples
    User.objects.create(username="jj_water_1", role=Role.HANDLER, scope=Scope.DEPARTMENT, department=bureau)
    assert not {k for k in keys() if k.startswith("staff.") and "department" in k}


def test_an_inactive_worker_does_not_count_as_staff(divisions):
    bureau = Department.objects.create(code="jj-water", name="晋江市水务局", kind=Department.Kind.PROFESSIONAL)
    User.objects.create(username="jj_water_1", role=Role.HANDLER, scope=Scope.DEPARTMENT, department=bureau,
                        is_active=False)
    assert "晋江市水务局 (jj-water)" in finding("staff.department_empty").examples


def test_a_step_of_the_loop_nobody_may_take_blocks(divisions):
    User.objects.filter(role=Role.SHIFT_LEADER).update(is_active=False)  # only they close cases
    stuck = finding("staff.step_without_staff")
    assert stuck.blocking and stuck.count == 1
    User.objects.create(username="jj_leader", role=Role.SHIFT_LEADER, scope=Scope.CITY)
    assert "staff.step_without_staff" not in keys()


def test_a_city_without_an_administrator_is_told_to_create_one(divisions):
    User.objects.filter(role=Role.ADMIN).update(is_active=False)
    User.objects.filter(is_superuser=True).update(is_active=False)
    assert finding("staff.no_admin").blocking
    User.objects.create(username="jj_admin", role=Role.ADMIN, scope=Scope.CITY)
    assert "staff.no_admin" not in keys()


def test_streets_without_an_inspector_or_grid_worker_are_named(divisions):
    streets = list(Division.objects.filter(level="street", code__startswith=JINJIANG).order_by("code"))
    assert finding("staff.street_without_field_staff").count == len(streets)
    User.objects.create(username="jj_inspector", role=Role.INSPECTOR, scope=Scope.STREET, scope_division=streets[0])
    remaining = finding("staff.street_without_field_staff")
    assert remaining.count == len(streets) - 1 and streets[0].name not in " ".join(remaining.examples)
    User.objects.create(username="jj_patrol", role=Role.GRID_WORKER, scope=Scope.CITY)
    assert "staff.street_without_field_staff" not in keys()


# ---------------------------------------------------------------------------- calendar and maps


def test_next_years_arrangement_is_asked_for_from_november_until_confirmed(new_city, monkeypatch):
    CalendarYear.objects.filter(year=2027).update(confirmed=False)
    queries._cache.invalidate()
    assert "2027" in finding("calendar.next_year").title
    CalendarYear.objects.filter(year=2027).update(confirmed=True)
    queries._cache.invalidate()
    assert "calendar.next_year" not in keys()


def test_no_tiles_and_no_reference_layers_is_a_warning(new_city):
    new_city.MAP_TILES = "none"
    assert finding("maps.no_basemap").severity == checks.WARNING
    new_city.MAP_TILES = "tianditu"
    assert "maps.no_basemap" not in keys()


def test_reference_layers_are_a_basemap_without_tiles(new_city):
    from django.apps import apps

    if not apps.is_installed("civicloop.basemap"):
        pytest.skip("no basemap app in this build")
    feature = apps.get_model("basemap", "ReferenceFeature")
    new_city.MAP_TILES = "none"
    feature.objects.create(layer="road", name="世纪大道", geometry=polygon(118.5, 24.7, 118.6, 24.71),
                           min_lon=118.5, min_lat=24.7, max_lon=118.6, max_lat=24.71)
    assert "maps.no_basemap" not in keys()


# ---------------------------------------------------------------------------- the demo city


def test_the_demo_city_lacks_only_next_years_calendar_and_a_basemap(db, settings, monkeypatch):
    """The test database holds the demo city as tests build it: boundary, grids, departments, staff and
    routes, no tiles (closed network) and no holiday arrangement entered for the coming year."""
    settings.MAP_TILES = "none"
    monkeypatch.setattr(queries, "today", lambda: date(2040, 11, 5))  # a year no package knows yet
    assert keys() == {"calendar.next_year", "maps.no_basemap"}


# ---------------------------------------------------------------------------- district command centres


@pytest.fixture
def jining(new_city):
    """济宁市 (3708), a prefecture-level city with districts, as the jurisdiction."""
    init_divisions("3708")
    new_city.JURISDICTION, new_city.CITY_NAME, new_city.CITY_STAGES = "3708", "济宁市", frozenset()
    return new_city


def district_staff(username: str, role: str, district: str = "370811") -> User:
    return User.objects.create(username=username, role=role, scope=Scope.DISTRICT, scope_division_id=district)


def test_one_level_command_has_no_district_centres_to_ask_for(jining):
    assert not {k for k in keys() if k.startswith("command.")}


def test_once_one_district_has_a_centre_the_other_districts_are_listed(jining):
    CommandCentre.objects.create(division_id="370811", name="任城区指挥中心")
    districts = Division.objects.filter(level="county", code__startswith="3708").exclude(code="370811")
    assert finding("command.district_without_centre").count == districts.count()
    for district in districts:
        CommandCentre.objects.create(division=district, name=f"{district.name}指挥中心")
    assert "command.district_without_centre" not in keys()


def test_a_centre_needs_district_staff_for_each_step_it_runs(jining):
    CommandCentre.objects.create(division_id="370811", name="任城区指挥中心")
    unstaffed = finding("command.centre_without_staff")
    assert unstaffed.blocking and unstaffed.examples[0].startswith("任城区 (370811)")
    district_staff("rc_leader", Role.SHIFT_LEADER)  # files and closes, but does not dispatch
    assert finding("command.centre_without_staff").examples == ("任城区 (370811): 派遣",)
    district_staff("rc_dispatcher", Role.DISPATCHER)
    assert "command.centre_without_staff" not in keys()


def test_a_centre_the_city_leaves_only_dispatch_to_needs_only_a_dispatcher(jining):
    jining.CITY_STAGES = frozenset({"intake", "close"})  # 一级监督两级指挥
    CommandCentre.objects.create(division_id="370811", name="任城区指挥中心")
    district_staff("rc_dispatcher", Role.DISPATCHER)
    assert "command.centre_without_staff" not in keys()


def test_a_centre_that_dispatches_needs_departments_of_its_district(jining):
    CommandCentre.objects.create(division_id="370811", name="任城区指挥中心")
    assert finding("command.centre_without_departments").examples == ("任城区 (370811)",)
    Department.objects.create(code="rc-cgj", name="任城区城市管理局", kind=Department.Kind.PROFESSIONAL,
                              division_id="370811")
    assert "command.centre_without_departments" not in keys()
    jining.CITY_STAGES = frozenset({"dispatch"})  # the city dispatches: the district needs none of its own
    Department.objects.filter(code="rc-cgj").update(active=False)
    assert "command.centre_without_departments" not in keys()


def test_a_self_crossing_grid_does_not_stop_the_coverage_check(divisions):
    divisions.geometry = polygon(*BOX)
    divisions.save()
    cover_with_grids()
    bow_tie = json.dumps({"type": "Polygon", "coordinates": [[[118.5, 24.7], [118.6, 24.8], [118.6, 24.7],
                                                               [118.5, 24.8], [118.5, 24.7]]]})
    Grid.objects.filter(pk=Grid.objects.order_by("code").first().pk).update(geometry=bow_tie)
    assert not {k for k in keys() if k.startswith(("grids.", "failed."))}
