"""Two-level command (两级监督、两级指挥) in a prefecture-level city with two district centres: each
district's staff see and act only in their district and dispatch to their own departments; the city
centre sees both, supervises, takes a case over; the evaluation ranks the districts."""
from __future__ import annotations

import io

import pytest
from django.test import override_settings
from django.utils import timezone

from civicloop.cases import command
from civicloop.cases.models import Case, CaseEvent
from civicloop.console.queues import QUEUES
from civicloop.evaluation import queries as evaluation
from civicloop.evaluation import rollup
from civicloop.org.models import CommandCentre, Department, User
from civicloop.org.roles import Role, Scope
from tests.conftest import ApiClient
from tests.geo.test_jurisdiction import RENCHENG, YANZHOU, jining  # noqa: F401 (a fixture)


@pytest.fixture
def centres(jining):
    """济宁市 with a grid in each of two districts (tests/geo/test_jurisdiction.py), a command centre in
    each, a bureau of each district and one of the city, and the staff of the three centres."""
    CommandCentre.objects.create(division_id="370811", name="任城区指挥中心")
    CommandCentre.objects.create(division_id="370812", name="兖州区指挥中心")
    for code, name, division in [("rc-cgj", "任城区城管局", "370811"), ("yz-cgj", "兖州区城管局", "370812"),
                                 ("jn-swj", "济宁市水务局", None)]:
        Department.objects.create(code=code, name=name, kind=Department.Kind.PROFESSIONAL, division_id=division)
    people = {}
    for username, role, district in [("rc_operator", Role.OPERATOR, "370811"), ("rc_dispatcher", Role.DISPATCHER, "370811"),
                                     ("yz_operator", Role.OPERATOR, "370812"), ("yz_dispatcher", Role.DISPATCHER, "370812")]:
        people[username] = User.objects.create(username=username, role=role, scope=Scope.DISTRICT,
                                               scope_division_id=district)
    people["rc_handler"] = User.objects.create(username="rc_handler", role=Role.HANDLER, scope=Scope.DEPARTMENT,
                                               department_id="rc-cgj")
    for username in ("operator", "dispatcher", "commander"):
        people[username] = User.objects.get(username=username)  # the city centre's (demo) staff
    return {name: ApiClient(user) for name, user in people.items()}


def report(api: ApiClient, point) -> str:
    response = api.post("/cases", {"lon": point[0], "lat": point[1], "category": "06010", "description": "路边暴露垃圾"})
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def references(api: ApiClient) -> set[str]:
    return {row["reference"] for row in api.get("/cases", limit=200).json()["items"]}


def test_a_district_operator_sees_and_acts_only_in_their_district(centres):
    rc, yz = report(centres["rc_operator"], RENCHENG), report(centres["yz_operator"], YANZHOU)
    assert rc.startswith("370811-") and yz.startswith("370812-")  # references carry each district's code
    assert references(centres["rc_operator"]) == {rc}
    assert centres["rc_operator"].get(f"/cases/{yz}").status_code == 404
    assert centres["rc_operator"].act(yz, "file").status_code == 404
    refused = centres["rc_operator"].post("/cases", {"lon": YANZHOU[0], "lat": YANZHOU[1], "description": "x"})
    assert refused.status_code == 403  # reporting outside one's own district
    assert centres["rc_operator"].act(rc, "file").status_code == 200


def test_a_district_dispatches_to_its_own_departments_only(centres):
    rc = report(centres["rc_operator"], RENCHENG)
    assert centres["rc_operator"].act(rc, "file").status_code == 200
    dispatcher = centres["rc_dispatcher"]
    for other in ("yz-cgj", "jn-swj"):  # the other district's bureau; the city's own bureau
        answer = dispatcher.act(rc, "dispatch", department=other)
        assert answer.status_code == 422 and answer.json()["field"] == "department", answer.content
    assert dispatcher.act(rc, "dispatch", department="rc-cgj").status_code == 200
    assert Case.objects.get(reference=rc).department_id == "rc-cgj"


def test_the_city_centre_sees_both_districts_supervises_and_takes_a_case_over(centres):
    rc, yz = report(centres["rc_operator"], RENCHENG), report(centres["yz_operator"], YANZHOU)
    assert {rc, yz} <= references(centres["commander"])
    # The districts run intake: the city's operator may read but not file a district's report.
    refused = centres["operator"].act(yz, "file")
    assert refused.status_code == 422 and "兖州区指挥中心" in refused.json()["message"]
    assert "file" not in centres["operator"].get(f"/cases/{yz}").json()["allowed_actions"]
    assert centres["yz_operator"].act(yz, "file").status_code == 200
    assert centres["commander"].act(yz, "supervise", reason="群众反映强烈").status_code == 200

    taken = centres["commander"].post(f"/cases/{yz}/take-over", {"reason": "跨区协调"})
    assert taken.status_code == 200, taken.content
    assert centres["yz_dispatcher"].act(yz, "dispatch", department="yz-cgj").status_code == 422  # the city's now
    assert centres["dispatcher"].act(yz, "dispatch", department="jn-swj").status_code == 200
    case = Case.objects.get(reference=yz)
    assert case.taken_over and case.department_id == "jn-swj" and case.supervised
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "report", "file", "supervise", "take_over", "dispatch"]


def test_only_the_city_centres_leaders_take_over_and_only_a_district_centres_case(centres, persona):
    rc = report(centres["rc_operator"], RENCHENG)
    assert centres["rc_dispatcher"].post(f"/cases/{rc}/take-over", {"reason": "x"}).status_code == 403
    assert centres["commander"].post(f"/cases/{rc}/take-over", {}).status_code == 422  # a reason is required
    CommandCentre.objects.filter(division_id="370811").update(active=False)
    command.invalidate()
    answer = centres["commander"].post(f"/cases/{rc}/take-over", {"reason": "x"})
    assert answer.status_code == 422  # without a centre the city runs it already
    assert centres["operator"].act(rc, "file").status_code == 200


def test_each_centres_queue_holds_the_cases_it_runs(centres):
    rc, yz = report(centres["rc_operator"], RENCHENG), report(centres["yz_operator"], YANZHOU)
    intake = QUEUES["intake"]
    city = {c.reference for c in intake.cases(User.objects.get(username="operator"))}
    assert rc not in city and yz not in city
    assert {c.reference for c in intake.cases(User.objects.get(username="rc_operator"))} == {rc}
    assert centres["commander"].post(f"/cases/{yz}/take-over", {"reason": "跨区协调"}).status_code == 200
    assert yz in {c.reference for c in intake.cases(User.objects.get(username="operator"))}
    assert {c.reference for c in intake.cases(User.objects.get(username="yz_operator"))} == set()


def test_one_supervision_two_command_the_city_files_and_the_districts_dispatch(centres):
    yz = report(centres["yz_operator"], YANZHOU)
    with override_settings(CITY_STAGES=frozenset({"intake", "close"})):
        assert centres["yz_operator"].act(yz, "file").status_code == 422
        assert centres["operator"].act(yz, "file").status_code == 200
        assert centres["dispatcher"].act(yz, "dispatch", department="yz-cgj").status_code == 422
        assert centres["yz_dispatcher"].act(yz, "dispatch", department="yz-cgj").status_code == 200


def test_the_evaluation_ranks_the_two_districts(centres):
    now = timezone.now()
    for point, operator, dispatcher, department, count in [(RENCHENG, "rc_operator", "rc_dispatcher", "rc-cgj", 2),
                                                           (YANZHOU, "yz_operator", "yz_dispatcher", "yz-cgj", 1)]:
        for _ in range(count):
            ref = report(centres[operator], point)
            assert centres[operator].act(ref, "file").status_code == 200
            assert centres[dispatcher].act(ref, "dispatch", department=department).status_code == 200
    rollup.refresh()
    month = f"{timezone.localtime(now):%Y-%m}"
    rows = {row.key: row for row in evaluation.metrics(month, "district")}
    assert set(rows) == {"370811", "370812"}
    assert (rows["370811"]["reported"], rows["370812"]["reported"]) == (2, 1)
    assert (rows["370811"]["dispatched"], rows["370812"]["dispatched"]) == (2, 1)
    assert rows["370811"].label == "任城区" and rows["370812"].label == "兖州区"
    ranked = centres["commander"].get(f"/evaluation/rankings/{month}/area", area="district").json()["rows"]
    assert {row["key"] for row in ranked} == {"370811", "370812"}
    # A district's own staff see their district's figures and no other's.
    own = evaluation.metrics(month, "street", user=User.objects.get(username="rc_operator"))
    assert {row.key[:6] for row in own} == {"370811"}


def test_a_district_centres_wall_screen_shows_its_district(centres):
    from civicloop.bigscreen import queries as screen

    rc, yz = report(centres["rc_operator"], RENCHENG), report(centres["yz_operator"], YANZHOU)
    for operator, ref in (("rc_operator", rc), ("yz_operator", yz)):
        assert centres[operator].act(ref, "file").status_code == 200
    rollup.refresh()
    view = screen.snapshot(User.objects.get(username="rc_dispatcher"), timezone.now())
    assert view["scope"] == "任城区"
    assert {point[3] for point in view["points"]} == {rc}
    assert sum(view["trend"]["reported"]) == 1
    city = screen.snapshot(User.objects.get(username="commander"), timezone.now())
    assert {rc, yz} <= {point[3] for point in city["points"]}


def test_the_citys_report_has_a_table_by_district(centres):
    from openpyxl import load_workbook

    from civicloop.reports import services as reports

    for point, operator in ((RENCHENG, "rc_operator"), (RENCHENG, "rc_operator"), (YANZHOU, "yz_operator")):
        report(centres[operator], point)
    rollup.refresh()
    built = reports.build(f"{timezone.localtime(timezone.now()):%Y-%m}", "xlsx")
    sheet = load_workbook(io.BytesIO(built.content))["按区县"]
    header = [cell.value for cell in sheet[1]]
    reported = next(i for i, title in enumerate(header) if title.startswith("上报数"))
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
    assert (rows["370811"][0], rows["370811"][reported]) == ("任城区", 2)
    assert (rows["370812"][0], rows["370812"][reported]) == ("兖州区", 1)
    assert reports.build(f"{timezone.localtime(timezone.now()):%Y-%m}", "pdf").content.startswith(b"%PDF")
