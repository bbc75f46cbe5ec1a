"""A deployment covers a root division (a province, a prefecture-level city or a county-level unit) and
everything below it: references and facility ids name the county of the place; points outside are refused."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from civicloop.cases import services as cases
from civicloop.core.errors import InvalidInput
from civicloop.facilities import services as facilities
from civicloop.geo import jurisdiction
from civicloop.geo.models import Division, Grid
from civicloop.geo.points import parse_point
from civicloop.geo.services import init_divisions
from civicloop.lib import codes
from tests.conftest import WENLAN
from tests.geo.test_city_init import square

RENCHENG = (116.58, 35.41)  # 任城区 370811, a square grid of ours around it
YANZHOU = (116.78, 35.55)  # 兖州区 370812
JINAN = (117.00, 36.65)  # 济南市: Shandong, not 济宁
BOUNDARY = ('{"type": "Polygon", "coordinates": [[[116.3, 35.2], [117.0, 35.2], [117.0, 35.8], [116.3, 35.8], '
            '[116.3, 35.2]]]}')


@pytest.fixture
def jining(db, settings):
    """济宁市 (3708) as the jurisdiction, from the national list, with one grid in each of two districts."""
    init_divisions("3708")
    settings.JURISDICTION, settings.CITY_NAME = "3708", "济宁市"
    Grid.objects.create(code="370811002001001", name="航运新村1号网格", community_id="370811002001",
                        geometry=square(*RENCHENG))
    Grid.objects.create(code="370812001002001", name="韦园1号网格", community_id="370812001002",
                        geometry=square(*YANZHOU))


def report(point):
    return cases.report_case(actor=None, channel="citizen", lon=point[0], lat=point[1], description="井盖缺失")


def test_a_case_in_each_district_gets_a_reference_with_that_districts_county_code(jining):
    first, second = report(RENCHENG), report(YANZHOU)
    assert re.fullmatch(r"370811-\d{8}-\d{6}", first.reference)
    assert re.fullmatch(r"370812-\d{8}-\d{6}", second.reference)
    assert first.reference[7:] != second.reference[7:]  # the day's serial is shared, so never repeated


def test_a_facility_gets_the_id_of_the_county_it_stands_in(jining):
    toilet = facilities.register_facility(component="03001", name="兖州公厕", lon=YANZHOU[0], lat=YANZHOU[1])
    assert toilet.id.startswith("37081203001")
    with pytest.raises(InvalidInput, match="370812"):  # an id of the other district for a place in this one
        facilities.register_facility(id="37081103001000009", component="03001", name="x", lon=YANZHOU[0],
                                     lat=YANZHOU[1])


def test_an_imported_facility_row_is_checked_against_the_county_it_stands_in(jining):
    from civicloop.facilities import importing

    components = facilities.component_codes()
    row = {"component": "03001", "name": "兖州公厕", "lon": str(YANZHOU[0]), "lat": str(YANZHOU[1])}
    assert importing.facility_row(row, components)[1].startswith("37081203001")
    with pytest.raises(importing.BadRow, match="370812"):
        importing.facility_row({**row, "id": "37081103001000009", "name": "任城的编号"}, components)


def test_a_point_outside_the_roots_boundary_is_refused_with_the_jurisdictions_name(jining, api):
    root = Division.objects.get(code="3708")
    root.geometry = BOUNDARY
    root.save()
    with pytest.raises(InvalidInput) as refused:
        parse_point(*JINAN)
    assert refused.value.errors[0]["field"] == "location"
    assert "济宁市" in refused.value.errors[0]["message"]
    response = api("operator").post("/cases", {"lon": JINAN[0], "lat": JINAN[1], "description": "暴露垃圾"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location" and "济宁市" in response.json()["errors"][0]["message"]


def test_a_point_inside_the_roots_boundary_is_accepted(jining):
    root = Division.objects.get(code="3708")
    root.geometry = BOUNDARY
    root.save()
    assert parse_point(*RENCHENG) == RENCHENG
    assert parse_point(116.40, 35.30) == (116.40, 35.30)  # inside the boundary, though in no grid yet
    assert report(RENCHENG).reference.startswith("370811-")


def test_without_a_boundary_the_grids_under_the_root_decide(jining):
    assert not Division.objects.get(code="3708").geometry
    assert parse_point(*YANZHOU) == YANZHOU
    for outside in (WENLAN, JINAN):  # 蒙自's demo grids are not under 济宁
        with pytest.raises(InvalidInput, match="济宁市"):
            parse_point(*outside)


def test_the_demo_city_keeps_its_references(db):
    assert jurisdiction.root().code == "532503" and jurisdiction.root().boundary is not None
    case = report(WENLAN)
    assert re.fullmatch(r"532503-\d{8}-\d{6}", case.reference)


def test_the_older_city_code_setting_still_names_the_jurisdiction():
    def read(**env):
        keep = {k: v for k, v in os.environ.items() if k not in ("CIVICLOOP_CITY_CODE", "CIVICLOOP_JURISDICTION")}
        return subprocess.run([sys.executable, "-c", "from civicloop import settings; print(settings.JURISDICTION)"],
                              env={**keep, **env}, capture_output=True, text=True)
    assert read(CIVICLOOP_CITY_CODE="350582").stdout.strip() == "350582"
    assert read(CIVICLOOP_JURISDICTION="3708", CIVICLOOP_CITY_CODE="350582").stdout.strip() == "3708"
    refused = read(CIVICLOOP_JURISDICTION="3708001")
    assert refused.returncode != 0 and "CIVICLOOP_JURISDICTION" in refused.stderr


def test_division_codes_tell_their_level_and_county():
    assert [codes.division_level(c) for c in ("37", "3708", "370811", "370811002", "370811002001")] == [
        "province", "prefecture", "county", "street", "community"]
    assert codes.division_level("3708x") is None and codes.division_level("37081") is None
    assert codes.jurisdiction_code_problem("3708") is None
    assert codes.jurisdiction_code_problem("370811002") is not None
    assert codes.county_of("370812001002001") == "370812"
    with pytest.raises(ValueError):
        codes.county_of("3708")
