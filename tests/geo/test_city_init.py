"""`civicloop city init CODE`: a jurisdiction's divisions from the national list shipped with civicloop."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from civicloop.cases import services as cases
from civicloop.core import revisions
from civicloop.core.errors import InvalidInput
from civicloop.geo import services
from civicloop.geo.models import Division, Grid
from civicloop.geo.services import init_divisions

pytestmark = pytest.mark.django_db

JINJIANG = "350582"


def square(lon: float, lat: float, half: float = 0.002) -> str:
    x0, y0, x1, y1 = lon - half, lat - half, lon + half, lat + half
    return f'{{"type": "Polygon", "coordinates": [[[{x0}, {y0}], [{x1}, {y0}], [{x1}, {y1}], [{x0}, {y1}], [{x0}, {y0}]]]}}'


def test_it_loads_a_county_level_citys_streets_and_communities_with_their_names_and_codes():
    report = init_divisions(JINJIANG)
    county = Division.objects.get(code=JINJIANG)
    assert (county.name, county.level) == ("晋江市", "county")
    street = Division.objects.get(code="350582001")
    assert (street.name, street.level, street.parent_id) == ("青阳街道", "street", JINJIANG)
    community = Division.objects.get(code="350582001004")
    assert (community.name, community.level, community.parent_id) == ("青新社区居委会", "community", "350582001")
    assert Division.objects.filter(code__startswith=JINJIANG, level="street").count() == 22
    assert Division.objects.filter(code__startswith=JINJIANG, level="community").count() == 405
    assert report.added == {"county": 1, "street": 22, "community": 405}
    assert report.unchanged == 0 and not report.renamed and not report.kept


def test_a_rerun_reports_everything_unchanged_and_adds_nothing():
    init_divisions(JINJIANG)
    before = Division.objects.count()
    report = init_divisions(JINJIANG)
    assert report.total_added == 0 and report.unchanged == 428 and not report.renamed
    assert Division.objects.count() == before


def test_a_renamed_division_takes_the_lists_name_again_and_the_report_says_so():
    init_divisions(JINJIANG)
    Division.objects.filter(code="350582001").update(name="旧青阳镇")
    report = init_divisions(JINJIANG)
    assert report.renamed == [("350582001", "旧青阳镇", "青阳街道")]
    assert report.unchanged == 427
    assert Division.objects.get(code="350582001").name == "青阳街道"
    assert any("旧青阳镇 → 青阳街道" in line for line in report.lines())


def test_a_division_the_list_lacks_is_kept_with_its_case_and_grid_and_reported(settings):
    settings.JURISDICTION = JINJIANG
    init_divisions(JINJIANG)
    gone = Division.objects.create(code="350582001999", name="已撤并社区", level="community", parent_id="350582001")
    Grid.objects.create(code="350582001999001", name="撤并网格", community=gone, geometry=square(118.58, 24.80))
    case = cases.report_case(actor=None, channel="citizen", lon=118.58, lat=24.80, description="路灯不亮")
    assert case.reference.startswith(f"{JINJIANG}-")

    report = init_divisions(JINJIANG)

    assert Division.objects.filter(code="350582001999").exists()
    kept = {k.code: k for k in report.kept}
    assert (kept["350582001999"].cases, kept["350582001999"].grids) == (1, 1)
    assert any("350582001999 已撤并社区: 1 cases, 1 grids" in line for line in report.lines())


def test_a_prefecture_loads_its_districts_under_it_and_an_existing_county_joins_it():
    init_divisions("370812")  # 兖州区 first, as a county-level deployment
    report = init_divisions("3708")
    assert Division.objects.get(code="3708").level == "prefecture"
    assert Division.objects.get(code="370812").parent_id == "3708"
    assert Division.objects.get(code="370811").name == "任城区"
    assert report.added["county"] == 11 and report.moved == 1


def test_a_municipalitys_districts_hang_under_the_province_and_its_placeholder_city_is_refused():
    with pytest.raises(InvalidInput, match="11"):
        init_divisions("1101")  # 北京市 市辖区
    entries = services.division_list.entries_under("11")
    assert {e.parent for e in entries if e.level == "county"} == {"11"}


@pytest.mark.parametrize("code, words", [("99", "没有代码 99"), ("3708001", "2、4或6位"), ("abc", "2、4或6位")])
def test_an_unknown_or_malformed_code_is_refused_with_a_clear_message_and_nothing_saved(code, words):
    before = Division.objects.count()
    with pytest.raises(InvalidInput, match=words):
        init_divisions(code)
    assert Division.objects.count() == before


def test_the_command_prints_progress_and_the_report_and_a_dry_run_saves_nothing():
    out = io.StringIO()
    call_command("city", "init", JINJIANG, "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and "新增 added: 428" in out.getvalue()
    assert not Division.objects.filter(code=JINJIANG).exists()
    out = io.StringIO()
    call_command("city", "init", JINJIANG, stdout=out)
    assert f"[2/2] {JINJIANG} 晋江市" in out.getvalue() and "未变 unchanged: 0" in out.getvalue()
    assert f"CIVICLOOP_JURISDICTION={JINJIANG}" in out.getvalue()  # the demo's jurisdiction is 蒙自
    assert Division.objects.filter(code__startswith=JINJIANG).count() == 428
    with pytest.raises(CommandError, match="市辖区"):
        call_command("city", "init", "1101", stdout=io.StringIO())


def test_loading_divisions_moves_the_jurisdictions_revision():
    before = revisions.current("divisions")
    init_divisions(JINJIANG)
    assert revisions.current("divisions") > before
