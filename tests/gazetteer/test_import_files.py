"""Gazetteer imports: every file kind, coordinates in Gauss–Krüger metres, GCJ-02 and WGS-84 landing where
they were surveyed; bad rows refused whole and named; the good rows when asked; re-runs update."""
from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pyproj
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError
from pyogrio.raw import write
from shapely.geometry import LineString, Point, box

from civicloop.gazetteer.importing import Options, import_entries
from civicloop.gazetteer.models import Building, Compound, DoorPlate, Poi, Road
from civicloop.lib import coords

pytestmark = pytest.mark.django_db

GK = "EPSG:4543"  # CGCS2000 / 3-degree Gauss–Krüger CM 102E, the demo city's zone
CENTRE = (103.385, 23.367)  # inside the demo city's urban core
OUTSIDE = (100.0, 30.0)
M_PER_DEG = 111_320.0


def gk(lon: float, lat: float) -> tuple[float, float]:
    return pyproj.Transformer.from_crs(4326, GK, always_xy=True).transform(lon, lat)


def gcj(lon: float, lat: float) -> tuple[float, float]:
    return coords.wgs84_to_gcj02(lon, lat)


def near(a: tuple[float, float], b: tuple[float, float], metres: float = 0.5) -> bool:
    return abs(a[0] - b[0]) * M_PER_DEG * 0.92 < metres and abs(a[1] - b[1]) * M_PER_DEG < metres


def east(metres: float, north: float = 0.0) -> tuple[float, float]:
    return CENTRE[0] + metres / (M_PER_DEG * 0.918), CENTRE[1] + north / M_PER_DEG


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_geo(path: Path, names: list[str], rows: list[tuple], *, kind: str, crs: str | None, driver: str) -> Path:
    columns = [np.array([row[i] for row in rows], dtype=object) for i in range(len(names))]
    geometry = shapely.to_wkb(np.array([row[-1] for row in rows], dtype=object))
    write(str(path), geometry, columns, names, geometry_type=kind, crs=crs, driver=driver)
    return path


def zipped(shp: Path) -> Path:
    target = shp.with_suffix(".zip")
    with zipfile.ZipFile(target, "w") as archive:
        for part in shp.parent.glob(f"{shp.stem}.*"):
            if part.suffix != ".zip":
                archive.write(part, f"图层/{part.name}")
    return target


def to_gk(geom):
    t = pyproj.Transformer.from_crs(4326, GK, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def to_gcj(geom):
    return shapely.transform(geom, lambda xy: np.array([gcj(x, y) for x, y in xy]).reshape(-1, 2))


@pytest.fixture
def road(db, tmp_path):
    report = import_entries("roads", _roads_geojson(tmp_path / "roads-fixture.geojson"), Options())
    assert report.applied, report.findings
    return Road.objects.get(name="测试大道")


def _roads_geojson(path: Path) -> Path:
    line = LineString([east(0), east(400)])
    return write_geo(path, ["名称", "编码", "别名", "曾用名"], [("测试大道", "R001", "试验路", "老测试街", line)],
                     kind="LineString", crs="EPSG:4326", driver="GeoJSON")


def codes_of(report) -> dict[int | None, str]:
    return {f.number: f.problem for f in report.findings}


# ---------------------------------------------------------------------------- file kinds and coordinates


def test_roads_from_a_gauss_kruger_geopackage_land_in_wgs84(tmp_path):
    line = LineString([east(0, 100), east(300, 100), east(300, 400)])
    path = write_geo(tmp_path / "道路.gpkg", ["道路名称", "道路编码"], [("天马路", "5325030001", to_gk(line))],
                     kind="LineString", crs=GK, driver="GPKG")
    report = import_entries("roads", path, Options())
    assert report.applied and report.created == 1, report.findings
    road = Road.objects.get(code="5325030001")
    stored = shapely.from_geojson(road.geometry)
    assert all(near(a, b) for a, b in zip(stored.coords, line.coords))
    assert "GK" in report.crs or "4543" in report.crs
    assert road.grid_code and road.community_code.startswith(road.street_code)
    assert "天马大道" in road.search_text


def test_roads_from_a_zipped_gcj02_shapefile_and_a_wgs84_csv_with_wkt(tmp_path):
    line = LineString([east(-500), east(-500, 300)])
    shp = write_geo(tmp_path / "roads.shp", ["name", "code"], [("银河路", "R9", to_gcj(line))],
                    kind="LineString", crs="EPSG:4326", driver="ESRI Shapefile")
    report = import_entries("roads", zipped(shp), Options(crs="gcj02"))
    assert report.applied, report.findings
    assert all(near(a, b) for a, b in zip(shapely.from_geojson(Road.objects.get(code="R9").geometry).coords, line.coords))

    other = LineString([east(-800), east(-800, 200)])
    csv_path = write_csv(tmp_path / "roads.csv", ["名称", "wkt"], [["红竹路", other.wkt]])
    assert import_entries("roads", csv_path, Options()).applied
    assert near(shapely.from_geojson(Road.objects.get(name="红竹路").geometry).coords[0], other.coords[0])


@pytest.mark.parametrize("system", ["gk", "gcj02", "wgs84"])
def test_door_plates_from_a_csv_land_where_they_were_surveyed(road, tmp_path, system):
    where = east(120, 10)
    convert = {"gk": gk, "gcj02": gcj, "wgs84": lambda x, y: (x, y)}[system]
    x, y = convert(*where)
    path = write_csv(tmp_path / "门牌.csv", ["道路", "门牌号", "门牌编码", "x", "y"],
                     [["测试大道", "１２号", "MP001", f"{x:.4f}" if system == "gk" else f"{x:.8f}", f"{y:.8f}"]])
    report = import_entries("doorplates", path, Options(crs={"gk": GK, "gcj02": "gcj02", "wgs84": ""}[system]))
    assert report.applied and report.created == 1, report.findings
    plate = DoorPlate.objects.get(code="MP001")
    assert (plate.road, plate.number, plate.number_key) == (road, "12号", "12")
    assert near((plate.lon, plate.lat), where)
    assert plate.search_text == "测试大道12号" and plate.grid_code


def test_door_plates_from_an_excel_workbook_by_road_code(road, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["道路", "门牌号", "经度", "纬度"])
    sheet.append(["R001", "12-3号", *east(50, 8)])
    sheet.append(["测试大道", 14, *east(80, 8)])
    book.save(tmp_path / "门牌.xlsx")
    report = import_entries("doorplates", tmp_path / "门牌.xlsx", Options())
    assert report.applied and report.created == 2, report.findings
    assert sorted(DoorPlate.objects.filter(road=road).values_list("number", flat=True)) == ["12-3号", "14号"]


def test_compounds_buildings_and_pois_from_geojson_and_csv(tmp_path):
    block = box(*east(100, 100), *east(250, 200))
    path = write_geo(tmp_path / "小区.geojson", ["名称", "类别", "别名"], [("桂林苑", "小区", "桂林小区", block)],
                     kind="Polygon", crs="EPSG:4326", driver="GeoJSON")
    assert import_entries("compounds", path, Options()).applied
    compound = Compound.objects.get(name="桂林苑")
    assert compound.kind == "residential" and "桂林小区" in compound.search_text
    assert block.contains(Point(compound.lon, compound.lat))

    buildings = write_csv(tmp_path / "楼栋.csv", ["小区", "楼栋号", "经度", "纬度"],
                          [["桂林苑", "1栋", *east(120, 120)], ["桂林小区", "2栋", *east(150, 120)]])
    report = import_entries("buildings", buildings, Options())
    assert report.applied and report.created == 2, report.findings
    assert sorted(str(b) for b in Building.objects.filter(compound=compound)) == ["桂林苑1栋", "桂林苑2栋"]

    x, y = gk(*east(300, 300))
    pois = write_csv(tmp_path / "兴趣点.csv", ["名称", "类别", "x", "y"], [["蒙自市人民医院", "医院", x, y]])
    assert import_entries("pois", pois, Options(crs=GK)).applied
    hospital = Poi.objects.get(name="蒙自市人民医院")
    assert hospital.kind == "hospital" and near((hospital.lon, hospital.lat), east(300, 300))


# ---------------------------------------------------------------------------- bad rows


def _bad_door_plates(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "门牌.csv", ["道路", "门牌号", "门牌编码", "经度", "纬度"], [
        ["测试大道", "2号", "D2", *east(10, 8)],       # line 2: good
        ["没有这条路", "4号", "D4", *east(20, 8)],      # line 3: unknown road
        ["测试大道", "", "D6", *east(30, 8)],           # line 4: missing number
        ["测试大道", "8号", "D8", *OUTSIDE],            # line 5: outside the jurisdiction
        ["测试大道", "10号", "D2", *east(40, 8)],       # line 6: duplicate code
        ["测试大道", "12号", "D12", *east(50, 8)],      # line 7: good
    ])


def test_a_file_with_bad_rows_is_refused_whole_and_names_them(road, tmp_path):
    report = import_entries("doorplates", _bad_door_plates(tmp_path), Options())
    assert not report.applied and report.blocked
    problems = codes_of(report)
    assert sorted(problems) == [3, 4, 5, 6]
    assert "没有这条路" in problems[3]
    assert "100.0" in problems[5]  # the place outside the jurisdiction, as the file gave it
    assert "D2" in problems[6] and "2" in problems[6]  # the code, and the row that had it first
    assert not DoorPlate.objects.exists()


def test_the_good_rows_go_in_when_asked(road, tmp_path):
    report = import_entries("doorplates", _bad_door_plates(tmp_path), Options(accept_good=True))
    assert report.applied and report.created == 2 and report.refused == 4
    assert sorted(DoorPlate.objects.values_list("code", flat=True)) == ["D12", "D2"]


def test_a_malformed_line_refuses_the_roads_file(tmp_path):
    path = write_csv(tmp_path / "roads.csv", ["名称", "编码", "wkt"], [
        ["好路", "G1", LineString([east(0), east(100)]).wkt],
        ["坏路", "G2", f"LINESTRING ({east(0)[0]} {east(0)[1]})"],
        ["断路", "G3", "LINESTRING (103.38 23.36, 103.38"],
        ["点路", "G4", Point(east(0)).wkt],
    ])
    report = import_entries("roads", path, Options())
    assert sorted(codes_of(report)) == [3, 4, 5] and not Road.objects.filter(code__startswith="G").exists()


def test_a_dry_run_imports_nothing_and_the_command_fails_on_a_refused_file(road, tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", ["道路", "门牌号", "经度", "纬度"], [["测试大道", "2号", *east(10, 8)]])
    report = import_entries("doorplates", good, Options(dry_run=True))
    assert report.created == 1 and not report.applied and not DoorPlate.objects.exists()
    with pytest.raises(CommandError):
        call_command("gazetteer_import", "doorplates", str(_bad_door_plates(tmp_path)), "--quiet-progress")
    assert "没有这条路" in capsys.readouterr().out
    call_command("gazetteer_import", "doorplates", str(good), "--quiet-progress")
    assert DoorPlate.objects.count() == 1


# ---------------------------------------------------------------------------- re-runs


def test_a_rerun_updates_door_plates_by_road_and_number(road, tmp_path):
    first = write_csv(tmp_path / "a.csv", ["道路", "门牌号", "经度", "纬度"],
                      [["测试大道", "2号", *east(10, 8)], ["测试大道", "4号", *east(30, 8)]])
    assert import_entries("doorplates", first, Options()).created == 2
    moved = write_csv(tmp_path / "b.csv", ["道路", "门牌号", "门牌编码", "经度", "纬度"],
                      [["测试大道", "２号", "", *east(10, 8)], ["测试大道", "4号", "", *east(35, -8)]])
    report = import_entries("doorplates", moved, Options())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    plate = DoorPlate.objects.get(road=road, number_key="4")
    assert near((plate.lon, plate.lat), east(35, -8)) and DoorPlate.objects.count() == 2


def test_a_rerun_renames_a_road_by_its_code_and_keeps_its_door_plates(road, tmp_path):
    DoorPlate.objects.create(road=road, number="2号", geometry=json.dumps({"type": "Point", "coordinates": east(10, 8)}))
    renamed = write_csv(tmp_path / "r.csv", ["名称", "编码", "曾用名", "wkt"],
                        [["新测试大道", "R001", "测试大道", LineString([east(0), east(400)]).wkt]])
    report = import_entries("roads", renamed, Options())
    assert report.updated == 1 and report.created == 0
    road.refresh_from_db()
    assert road.name == "新测试大道" and "测试大道" in road.search_text
    assert road.door_plates.count() == 1


def test_an_import_moves_the_gazetteer_revision_so_other_processes_reload_names(road, tmp_path):
    from civicloop.core import revisions

    before = revisions.current("gazetteer")
    path = write_csv(tmp_path / "p.csv", ["名称", "类别", "经度", "纬度"], [["文澜广场", "广场", *east(60, 60)]])
    assert import_entries("pois", path, Options()).applied
    assert revisions.current("gazetteer") > before


def test_two_roads_of_one_name_in_two_towns_go_in_by_their_codes_and_a_rerun_matches_each(tmp_path):
    path = write_csv(tmp_path / "roads.csv", ["名称", "编码", "wkt"], [
        ["建设路", "JS-1", LineString([east(0, 500), east(300, 500)]).wkt],
        ["建设路", "JS-2", LineString([east(0, 900), east(300, 900)]).wkt],
    ])
    assert import_entries("roads", path, Options()).created == 2
    again = import_entries("roads", path, Options())
    assert (again.created, again.unchanged) == (0, 2) and Road.objects.filter(name="建设路").count() == 2


def test_two_uncoded_pois_of_one_name_are_refused_as_ambiguous(tmp_path):
    path = write_csv(tmp_path / "pois.csv", ["名称", "经度", "纬度"],
                     [["中国银行", *east(10, 10)], ["中国银行", *east(400, 10)]])
    report = import_entries("pois", path, Options())
    assert sorted(codes_of(report)) == [3] and not Poi.objects.filter(name="中国银行").exists()


def test_a_door_plate_on_a_road_name_two_roads_share_asks_for_the_code(tmp_path):
    roads = write_csv(tmp_path / "roads.csv", ["名称", "编码", "wkt"], [
        ["建设路", "JS-1", LineString([east(0, 500), east(300, 500)]).wkt],
        ["建设路", "JS-2", LineString([east(0, 900), east(300, 900)]).wkt],
    ])
    assert import_entries("roads", roads, Options()).applied
    plates = write_csv(tmp_path / "p.csv", ["道路", "门牌号", "经度", "纬度"],
                       [["建设路", "1号", *east(10, 510)], ["JS-2", "1号", *east(10, 910)]])
    report = import_entries("doorplates", plates, Options(accept_good=True))
    assert sorted(codes_of(report)) == [2] and "建设路" in codes_of(report)[2]
    assert DoorPlate.objects.get().road.code == "JS-2"


@pytest.mark.parametrize("driver, suffix, system", [("GeoJSON", "geojson", "gk"), ("GPKG", "gpkg", "gcj02"),
                                                    ("GPKG", "gpkg", "wgs84")])
def test_points_of_interest_from_geo_files_land_where_they_were_surveyed(tmp_path, driver, suffix, system):
    where = east(700, 300)
    shape = {"gk": lambda: to_gk(Point(where)), "gcj02": lambda: to_gcj(Point(where)), "wgs84": lambda: Point(where)}
    path = write_geo(tmp_path / f"poi.{suffix}", ["名称", "类别", "编码"], [("蒙自市第一中学", "学校", "P1", shape[system]())],
                     kind="Point", crs=GK if system == "gk" else "EPSG:4326", driver=driver)
    report = import_entries("pois", path, Options(crs="gcj02" if system == "gcj02" else ""))
    assert report.applied, report.findings
    school = Poi.objects.get(code="P1")
    assert school.kind == "school" and near((school.lon, school.lat), where)


def test_a_rerun_without_an_alias_column_keeps_the_aliases_and_codes_stored(road, tmp_path):
    first = write_csv(tmp_path / "a.csv", ["名称", "类别", "别名", "编码", "经度", "纬度"],
                      [["人民医院", "医院", "市医院", "H1", *east(60, 60)]])
    assert import_entries("pois", first, Options()).created == 1
    moved = write_csv(tmp_path / "b.csv", ["名称", "经度", "纬度"], [["人民医院", *east(70, 60)]])
    report = import_entries("pois", moved, Options())
    assert report.updated == 1, report.findings
    hospital = Poi.objects.get(name="人民医院")
    assert (hospital.code, hospital.aliases, hospital.kind) == ("H1", "市医院", "hospital")
    assert "市医院" in hospital.search_text and near((hospital.lon, hospital.lat), east(70, 60))
