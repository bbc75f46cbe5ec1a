"""org.scoping.scope_filter is the one place a staff scope becomes a filter (conventions rule 3).

Two walks over every GET endpoint the site has (tests/hardening/endpoints.py), signed in as a
street-scoped operator (文澜街道) and as a department-scoped worker, with cases inside and outside
each one's scope: no out-of-scope case reference may appear in any answer (JSON, HTML, CSV, Excel),
and every answer that shows one of their cases must have asked org.scoping to get it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote_plus

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.console.queues import QUEUES
from civicloop.facilities.models import Facility, FacilityCase
from civicloop.geo.models import Division
from civicloop.org import scoping
from civicloop.org.models import Department, User
from civicloop.org.roles import Role, Scope
from civicloop.org.scoping import ScopeFields
from tests.conftest import CAOBA, WENLAN
from tests.hardening.endpoints import site_endpoints
from tests.hardening.test_endpoint_access import PUBLIC, PUBLIC_CASE_READS

WENLAN_STREET, CAOBA_STREET = "532503001", "532503102"
MINE, OTHERS = "hwz", "swj"  # the department worker's department, and another one


@dataclass
class World:
    reported: dict[str, Case]  # street code → a case waiting for intake (no department yet)
    dispatched: dict[tuple[str, str], Case]  # (street, department) → a dispatched case
    photo: object

    def all(self) -> list[Case]:
        return [*self.reported.values(), *self.dispatched.values()]


def _report(street_point, text: str, operator) -> Case:
    return services.report_case(actor=operator, channel="inspector", lon=street_point[0], lat=street_point[1],
                                description=text, category="06010")


@pytest.fixture
def world(db, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicloop.cases import attachments
    from tests.hardening.endpoints import png_bytes

    operator, dispatcher = persona("operator"), persona("dispatcher")
    points = {WENLAN_STREET: WENLAN, CAOBA_STREET: CAOBA}
    reported = {street: _report(point, f"待受理 {street}", operator) for street, point in points.items()}
    dispatched = {}
    for street, point in points.items():
        for department in (MINE, OTHERS):
            case = _report(point, f"已派遣 {street} {department}", operator)
            services.file_case(case, operator)
            dispatched[street, department] = services.dispatch_case(case, dispatcher, department=department)
    photo = attachments.attach(reported[WENLAN_STREET], None, SimpleUploadedFile("before.png", png_bytes()))
    for case in [*reported.values(), *dispatched.values()]:
        assert case.street_id in points, case.street_id
    return World(reported, dispatched, photo)


def _handler() -> User:
    return User.objects.get(username=f"handler_{MINE}")


def _in_scope(world: World, user: User) -> tuple[set[str], set[str]]:
    """(references the user may see, references they may not), by the scope's meaning, not by the code under test."""
    if user.scope == Scope.STREET:
        inside = {c.reference for c in world.all() if c.street_id == user.scope_division_id}
    else:
        inside = {c.reference for c in world.all() if c.department_id == user.department_id}
    return inside, {c.reference for c in world.all()} - inside


# ---------------------------------------------------------------------------- the function itself


def test_scope_filter_and_in_scope_agree_for_every_scope(world):
    grid = world.reported[WENLAN_STREET].grid_id
    community = world.reported[WENLAN_STREET].community_id
    people = [
        User(username="c", role=Role.OPERATOR, scope=Scope.CITY),
        User(username="d", role=Role.OPERATOR, scope=Scope.DISTRICT, scope_division_id=WENLAN_STREET[:6]),
        User(username="s", role=Role.OPERATOR, scope=Scope.STREET, scope_division_id=CAOBA_STREET),
        User(username="m", role=Role.OPERATOR, scope=Scope.COMMUNITY, scope_division_id=community),
        User(username="g", role=Role.GRID_WORKER, scope=Scope.GRID, scope_grid_id=grid),
        User(username="h", role=Role.HANDLER, scope=Scope.DEPARTMENT, department_id=MINE),
    ]
    ids = [c.pk for c in world.all()]
    for person in people:
        listed = set(scoping.scope_filter(person, Case.objects.filter(pk__in=ids)).values_list("pk", flat=True))
        assert listed == {c.pk for c in world.all() if scoping.in_scope(person, c)}, person.scope
        assert listed, person.scope  # every persona sees something of the world


def test_nobody_without_a_role_or_an_area_sees_anything(world):
    ids = [c.pk for c in world.all()]
    nobodies = [None, User(username="n", role="", scope=Scope.CITY),
                User(username="s", role=Role.OPERATOR, scope=Scope.STREET),  # a street scope naming no street
                # a department scope naming no department: not every case without one
                User(username="h", role=Role.HANDLER, scope=Scope.DEPARTMENT)]
    for nobody in nobodies:
        assert not scoping.scope_filter(nobody, Case.objects.filter(pk__in=ids)).exists()
        assert not any(scoping.in_scope(nobody, c) for c in world.all())


def test_a_model_that_declares_no_scope_fields_cannot_be_listed_by_scope(world):
    with pytest.raises(ImproperlyConfigured):
        scoping.scope_filter(User(username="c", role=Role.OPERATOR, scope=Scope.CITY), Division.objects.all())


def test_a_model_with_only_finer_places_is_filtered_by_their_code_prefix(world, monkeypatch):
    """A coarser scope over a model that keeps only a grid: grid codes begin with their street's."""
    monkeypatch.setattr(Case, "scope_fields", ScopeFields(grid="grid"))
    street = User(username="s", role=Role.OPERATOR, scope=Scope.STREET, scope_division_id=WENLAN_STREET)
    ids = [c.pk for c in world.all()]
    listed = set(scoping.scope_filter(street, Case.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    assert listed == {c.pk for c in world.all() if c.street_id == WENLAN_STREET}
    assert scoping.in_scope(street, world.reported[WENLAN_STREET])
    assert not scoping.in_scope(street, world.reported[CAOBA_STREET])


def test_facilities_follow_the_district_and_their_case_links_the_case(world):
    facility = Facility.objects.create(id="53250300100000001", component_id=_component(), name="文澜公厕",
                                       lon=WENLAN[0], lat=WENLAN[1], street_id=WENLAN_STREET)
    far = Facility.objects.create(id="53250310200000001", component_id=_component(), name="草坝公厕",
                                  lon=CAOBA[0], lat=CAOBA[1], street_id=CAOBA_STREET)
    FacilityCase.objects.create(facility=facility, case=world.dispatched[CAOBA_STREET, MINE],
                                opened_at=facility.updated_at)
    both = Facility.objects.filter(pk__in=[facility.pk, far.pk])
    other_district = User(username="d", role=Role.OPERATOR, scope=Scope.DISTRICT, scope_division_id="532599")
    assert not scoping.scope_filter(other_district, both).exists()
    own_district = User(username="d", role=Role.OPERATOR, scope=Scope.DISTRICT, scope_division_id=WENLAN_STREET[:6])
    assert scoping.scope_filter(own_district, both).count() == 2
    assert scoping.scope_filter(_handler(), both).count() == 2  # departments work across the city
    wenlan = User.objects.get(username="operator_wenlan")
    assert list(scoping.scope_filter(wenlan, both)) == [facility]
    assert not scoping.scope_filter(wenlan, FacilityCase.objects.filter(facility=facility)).exists()
    assert scoping.scope_filter(_handler(), FacilityCase.objects.filter(facility=facility)).exists()


def _component() -> str:
    from civicloop.taxonomy.models import Component

    return Component.objects.order_by("code").values_list("code", flat=True).first()


# ---------------------------------------------------------------------------- the walk


def _client(user: User) -> Client:
    """A signed-in session: the API takes it as it takes a token (org.api.staff_auth)."""
    session = Client(raise_request_exception=False)
    session.force_login(user)
    return session


def _text(response) -> str:
    """What the answer shows, whatever its format: an Excel file is read cell by cell."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    return body.decode("utf-8", errors="replace")


# Lists that take a query: asked plainly and with filters that try to reach out of scope.
_EVERYWHERE = "bbox=100,20,110,30&zoom=18&limit=200"


def _extra_paths(world: World) -> list[tuple[str, str]]:
    # A search by its description: the list echoes what was typed, and a reference typed is not one shown.
    far = quote_plus(world.dispatched[CAOBA_STREET, OTHERS].description)
    lists = ["/api/cases", "/console/cases/", "/console/cases.csv", "/console/cases.xlsx", "/console/map/cases.json"]
    paths = [(f"{path}?{query}", path) for path in lists
             for query in (_EVERYWHERE, f"q={far}", f"street={CAOBA_STREET}", f"department={OTHERS}", "kind=open")]
    paths += [(f"/console/q/{name}/", f"console:queue {name}") for name in QUEUES]
    paths += [(f"/console/q/{name}/items", f"console:queue_items {name}") for name in QUEUES]
    return paths


def _targets(world: World) -> list[tuple[str, str]]:
    """(label, path) of every endpoint but the public ones, and the lists again with filters."""
    targets = [(e.name, e.path) for e in site_endpoints(world.reported[WENLAN_STREET], world.photo)
               if e.name not in PUBLIC and e.name not in PUBLIC_CASE_READS]
    return targets + [(label, path) for path, label in _extra_paths(world)]


def _walk(world: World, user: User) -> list[tuple[str, str, object]]:
    """(label, path, response) of a GET of every target, signed in as the staff member."""
    client = _client(user)
    return [(label, path, client.get(path)) for label, path in _targets(world)]


@pytest.mark.parametrize("username", ["operator_wenlan", f"handler_{MINE}"])
def test_no_list_shows_a_case_outside_the_scope(world, username):
    user = User.objects.get(username=username)
    inside, outside = _in_scope(world, user)
    leaks, errors, shown = [], [], set()
    for label, path, response in _walk(world, user):
        if response.status_code >= 500:
            errors.append(f"{path} ({label}): {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        text = _text(response)
        leaks += [f"{path} ({label}) shows {ref}" for ref in outside if ref in text]
        shown |= {ref for ref in inside if ref in text}
    assert not errors, "\n".join(errors)
    assert not leaks, "\n".join(leaks)
    assert shown == inside  # the walk reached lists that do show their own cases: it is not vacuous


@pytest.mark.parametrize("username", ["operator_wenlan", f"handler_{MINE}"])
def test_when_org_scoping_sees_nothing_no_endpoint_shows_a_case(world, username, monkeypatch):
    """Every list and page takes its cases from org.scoping: told that nothing is in scope, none shows
    a case. A list that built its own scope filter, or none, would still show them."""
    from django.core.cache import cache

    user = User.objects.get(username=username)
    inside, _outside = _in_scope(world, user)
    before = {ref for _label, _path, response in _walk(world, user) if response.status_code == 200
              for ref in inside if ref in _text(response)}
    assert before == inside  # with the real scope, the walk shows the person's own cases
    monkeypatch.setattr(scoping, "scope_q", lambda user, model: scoping.NOTHING)
    monkeypatch.setattr(scoping, "in_scope", lambda user, obj: False)
    cache.clear()  # the wall screen keeps its answer for a few seconds
    shown = [f"{path} ({label}) shows {ref}" for label, path, response in _walk(world, user)
             if response.status_code == 200 for ref in inside if ref in _text(response) and ref not in path]
    assert not shown, "cases listed without org.scoping:\n" + "\n".join(shown)


def test_the_department_worker_is_the_one_the_fixtures_say(world):
    handler = _handler()
    assert handler.scope == Scope.DEPARTMENT and handler.department_id == MINE
    assert Department.objects.filter(code=OTHERS).exists()
