"""History rows with an address and no coordinates: placed by the geocoder when it is sure (the rule
12345 orders use, gazetteer/placing.py), refused naming the candidates when it is not (docs/import.md)."""
from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command

from civicloop.cases.models import Case
from civicloop.gazetteer.models import DoorPlate
from civicloop.geo.index import locate
from tests.cases.test_importing import row, run, write_csv, write_mapping

pytestmark = pytest.mark.django_db
# tests/gazetteer/data/demo_addresses.csv: door plates the geocoder finds first and for sure.
GOOD = "红竹园路154号"
GOOD_TOO = "雨过铺150号"  # written without 路: read as 雨过铺路150号
AMBIGUOUS = "文兰路65号"  # 文萃路65号 and another road's 65号, equally sure
UNKNOWN = "火星基地九百九十九号楼"


@pytest.fixture
def gazetteer(db):
    from civicloop.gazetteer import demo

    demo.seed(io.StringIO())


def no_point(external_id: str, address: str, **values) -> dict:
    return row(external_id, 地址=address, 经度="", 纬度="", **values)


def plate(road: str, number: int) -> DoorPlate:
    return DoorPlate.objects.get(road__name=road, number_main=number, number_sub=0)


def test_a_row_with_only_a_good_address_becomes_a_case_at_that_place_in_its_grid(tmp_path, gazetteer):
    result = run(tmp_path, [no_point("A1", GOOD)])
    assert result.created == 1 and result.problems == []
    case = Case.objects.get(source="egova-2025", external_id="A1")
    door = plate("红竹园路", 154)
    assert case.grid_id == locate(door.lon, door.lat).code
    assert abs(case.lon - door.lon) < 1e-4 and abs(case.lat - door.lat) < 1e-4
    assert case.address == GOOD and case.state == "closed"
    refs = case.events.get(action="report").data["refs"]
    assert refs["placed_by"] == "geocoder" and refs["geocode_label"] == "红竹园路154号"
    assert [(p.line, p.external_id, p.label) for p in result.placed] == [(2, "A1", "红竹园路154号")]
    assert str(result.placed[0]).startswith("第2行：按地址定位：红竹园路154号（")
    assert "line 2: placed by address: 红竹园路154号 (" in str(result.placed[0])


def test_rows_with_coordinates_are_placed_by_them_not_by_the_address(tmp_path, gazetteer):
    result = run(tmp_path, [row("B1", 地址=GOOD), no_point("B2", GOOD_TOO)])
    assert result.created == 2 and [p.external_id for p in result.placed] == ["B2"]
    assert "refs" not in Case.objects.get(external_id="B1").events.get(action="report").data
    door = plate("雨过铺路", 150)
    assert Case.objects.get(external_id="B2").grid_id == locate(door.lon, door.lat).code


def test_an_ambiguous_address_is_refused_naming_its_candidates_and_good_rows_still_load(tmp_path, gazetteer):
    result = run(tmp_path, [no_point("C1", GOOD), no_point("C2", AMBIGUOUS)])
    assert result.created == 1 and list(Case.objects.filter(source="egova-2025").values_list("external_id", flat=True)) == ["C1"]
    [problem] = result.problems
    assert (problem.line, problem.external_id) == (3, "C2")
    text = str(problem)
    assert text.startswith(f"第3行：缺少经纬度，且地址「{AMBIGUOUS}」不能确定位置，候选：")
    assert f"line 3: no point, and the address '{AMBIGUOUS}' is not sure enough to place; candidates: " in text
    assert "文萃路65号" in text  # the geocoder's first reading is named, with its confidence


def test_an_unknown_address_is_refused_as_not_in_the_gazetteer(tmp_path, gazetteer):
    result = run(tmp_path, [no_point("D1", UNKNOWN)])
    assert result.created == 0 and not Case.objects.filter(source="egova-2025").exists()
    assert [str(p) for p in result.problems] == [
        f"第2行：缺少经纬度，且地址「{UNKNOWN}」在地址库中找不到 / "
        f"line 2: no point, and the address '{UNKNOWN}' is not in the gazetteer"]


def test_a_row_with_neither_point_nor_address_is_refused_as_before(tmp_path, gazetteer):
    result = run(tmp_path, [no_point("E1", "")])
    assert result.created == 0
    assert [p.message for p in result.problems] == [
        "缺少经纬度，且映射没有 fallback_point / no point, and the mapping has no fallback_point"]


def test_with_a_fallback_point_an_unsure_address_goes_there_and_a_sure_one_to_its_place(tmp_path, gazetteer):
    from tests.cases.test_importing import MAPPING

    fallback = MAPPING.replace("[fields]", '[fallback_point]\nlon = 103.39\nlat = 23.37\ncrs = "wgs84"\n\n[fields]')
    result = run(tmp_path, [no_point("F1", UNKNOWN), no_point("F2", GOOD)], mapping=fallback)
    assert result.created == 2 and result.problems == [] and [p.external_id for p in result.placed] == ["F2"]
    assert Case.objects.get(external_id="F1").lon == pytest.approx(103.39)
    door = plate("红竹园路", 154)
    assert Case.objects.get(external_id="F2").grid_id == locate(door.lon, door.lat).code


def test_a_dry_run_places_nothing(tmp_path, gazetteer):
    result = run(tmp_path, [no_point("G1", GOOD), no_point("G2", AMBIGUOUS)], dry_run=True)
    assert result.created == 1 and len(result.problems) == 1 and [p.external_id for p in result.placed] == ["G1"]
    assert not Case.objects.filter(source="egova-2025").exists()


def test_the_command_names_the_candidates_of_a_refused_address(tmp_path, gazetteer):
    source = write_csv(tmp_path / "cases.csv", [no_point("H1", GOOD), no_point("H2", AMBIGUOUS)])
    out = StringIO()
    call_command("import_cases", str(source), mapping=str(write_mapping(tmp_path)), stdout=out)
    text = out.getvalue()
    assert "新增 imported 1" in text and "错误 bad 1" in text
    assert "第2行：按地址定位：红竹园路154号" in text  # the placed row says where it went
    assert f"第3行：缺少经纬度，且地址「{AMBIGUOUS}」不能确定位置" in text and "文萃路65号" in text
