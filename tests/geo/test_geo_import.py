"""Boundaries and grids from surveyors' files (geo/importing.py): where they land, what is refused and why,
nothing half-imported, and a re-import keeping each grid's earlier shapes."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command

from civicloop.geo import importing
from civicloop.geo.index import as_geojson, locate
from civicloop.geo.importing import Options
from civicloop.geo.models import Division, Grid, GridShape
from civicloop.lib.coords import distance_m
from tests.geo import geofiles
from tests.geo.geofiles import COMMUNITY, GK, STREET


@pytest.fixture
def far_community(db):
    """A street and community of the demo county with a boundary of 2 × 2 test grids, far from its other grids."""
    Division.objects.create(code=STREET, name="测试街道", level="street", parent_id="532503")
    return Division.objects.create(code=COMMUNITY, name="测试社区", level="community", parent_id=STREET,
                                   geometry=as_geojson(geofiles.to_wgs84(geofiles.community_outline())))


def grid_rows(grids=None):
    return [(code, name, poly) for code, name, poly in (grids or geofiles.four_grids())]


def problems_of(report) -> dict[str, str]:
    return {f.code: f.problem for f in report.findings if f.action == "refused"}


# ---------------------------------------------------------------------------- where things land


def test_grids_from_a_zipped_gauss_kruger_shapefile_land_in_wgs84(far_community, tmp_path, persona):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows())
    report = importing.import_grids(path, Options(), user=persona("admin"))
    assert report.applied and report.refused == 0, report.findings
    assert "4543" in report.crs and len(report.created) == 4
    first = Grid.objects.get(code=f"{COMMUNITY}001")
    assert first.name == "测试网格1"  # GBK attributes read through the .cpg
    # x = 500,000 m is the zone's central meridian, 102°E: the grid's west edge must be on it.
    assert first.min_lon == pytest.approx(102.0, abs=1e-7)
    assert 23.4 < first.min_lat < 23.6
    assert distance_m(first.min_lon, first.min_lat, first.max_lon, first.min_lat) == pytest.approx(200, abs=0.5)
    # The point → grid index follows the import at once.
    centre = first.polygon().centroid
    assert locate(centre.x, centre.y).code == first.code


def test_a_street_boundary_from_a_zipped_shapefile_lands_where_it_was_surveyed(db, tmp_path):
    street = Division.objects.get(code="532503001")
    surveyed = shapely.from_geojson(street.geometry)
    Division.objects.filter(code=street.code).update(geometry="")
    path = geofiles.zipped_shapefile(tmp_path, [("532503001", "文澜街道", geofiles.from_wgs84(surveyed))],
                                     names=("区划代码", "区划名称"), cpg=False)  # GBK without a .cpg: guessed
    report = importing.import_boundaries(path, Options())
    assert report.applied and [c.code for c in report.updated] == ["532503001"], report.findings
    stored = shapely.from_geojson(Division.objects.get(code="532503001").geometry)
    assert stored.hausdorff_distance(surveyed) < 1e-6  # ~10 cm


@pytest.mark.parametrize("suffix, driver, crs", [
    (".gpkg", "GPKG", GK), (".kml", "KML", "EPSG:4326"), (".geojson", "GeoJSON", "EPSG:4326")])
def test_geopackage_kml_and_geojson_are_read(far_community, tmp_path, suffix, driver, crs):
    rows = grid_rows()
    if crs != GK:
        rows = [(code, name, geofiles.to_wgs84(poly)) for code, name, poly in rows]
    names = ("code", "Name") if driver == "KML" else ("code", "name")  # KML's own name is the placemark's
    if driver == "KML":
        rows = [(code, poly) for code, _name, poly in rows]
        names = ("code",)
    path = geofiles.write_layer(tmp_path / f"grids{suffix}", rows, crs=crs, driver=driver, names=names)
    report = importing.import_grids(path, Options(dry_run=True))
    assert report.refused == 0 and not report.file_refused, report.findings
    assert sorted(c.code for c in report.created) == [code for code, _n, _p in grid_rows()]
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()  # a dry run saves nothing


def test_a_chosen_crs_reads_a_shapefile_without_a_prj(far_community, tmp_path):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows(), prj=False)
    report = importing.import_grids(path, Options(crs="EPSG:4543"))
    assert report.applied and Grid.objects.filter(community_id=COMMUNITY).count() == 4


# ---------------------------------------------------------------------------- refusals


def test_each_bad_feature_is_named_and_nothing_is_imported(far_community, tmp_path):
    grids = geofiles.four_grids()
    rows = [
        grids[0],                                                      # good
        (f"{COMMUNITY}002", "自相交", geofiles.bow_tie(1, 0)),         # self-intersecting
        ("53250399000100", "短编码", geofiles.square(0, 1)),           # 14 digits
        (f"{COMMUNITY}004", "社区外", geofiles.square(5, 5)),          # outside its community
        (f"{COMMUNITY}005", "重叠一", geofiles.square(1, 1)),          # these two overlap
        (f"{COMMUNITY}006", "重叠二", geofiles.square(1, 1).buffer(-20)),
    ]
    path = geofiles.zipped_shapefile(tmp_path, rows)
    report = importing.import_grids(path, Options())
    problems = problems_of(report)
    assert "Self-intersection" in problems[f"{COMMUNITY}002"]
    assert set(problems) == {f"{COMMUNITY}002", "53250399000100", f"{COMMUNITY}004", f"{COMMUNITY}005",
                             f"{COMMUNITY}006"}
    assert {f.number for f in report.findings if f.action == "refused"} == {2, 3, 4, 5, 6}
    assert not report.applied
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()

    report = importing.import_grids(path, Options(accept_good=True))
    assert report.applied
    assert list(Grid.objects.filter(community_id=COMMUNITY).values_list("code", flat=True)) == [f"{COMMUNITY}001"]


def test_the_report_says_why_in_the_users_language(far_community, tmp_path):
    from django.utils import translation

    rows = [(f"{COMMUNITY}001", "自相交", geofiles.bow_tie(0, 0)), ("123", "短", geofiles.square(1, 0)),
            (f"{COMMUNITY}003", "社区外", geofiles.square(4, 4)),
            (f"{COMMUNITY}004", "重叠一", geofiles.square(1, 1)), (f"{COMMUNITY}005", "重叠二", geofiles.square(1, 1))]
    path = geofiles.zipped_shapefile(tmp_path, rows)
    with translation.override("en"):
        problems = problems_of(importing.import_grids(path, Options()))
    assert problems[f"{COMMUNITY}001"].startswith("Invalid polygon (Self-intersection")
    assert "15" in problems["123"]  # lib.codes says a grid code is 15 digits
    assert "outside its community" in problems[f"{COMMUNITY}003"]
    assert f"Overlaps grid {COMMUNITY}005" in problems[f"{COMMUNITY}004"]
    assert f"Overlaps grid {COMMUNITY}004" in problems[f"{COMMUNITY}005"]
    with translation.override("zh-hans"):
        problems = problems_of(importing.import_grids(path, Options()))
    assert "社区" in problems[f"{COMMUNITY}003"] and "outside" not in problems[f"{COMMUNITY}003"]


def test_a_small_self_intersection_is_repaired_and_reported(far_community, tmp_path):
    x, y = geofiles.ORIGIN
    # The last edge crosses the first one 1 m from the corner: a 0.5 m² loop on a 200 m grid.
    twisted = shapely.Polygon([(x, y), (x + 200, y), (x + 200, y + 200), (x, y + 200), (x + 1, y - 1)])
    assert not twisted.is_valid
    grids = geofiles.four_grids()
    path = geofiles.zipped_shapefile(tmp_path, [(grids[0][0], grids[0][1], twisted), *grids[1:]])
    report = importing.import_grids(path, Options())
    assert report.applied, report.findings
    fixed = [f for f in report.findings if f.action == "fixed"]
    assert [f.code for f in fixed] == [grids[0][0]]
    assert Grid.objects.get(code=grids[0][0]).polygon().is_valid


def test_an_unknown_crs_refuses_the_file(far_community, tmp_path):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows())
    report = importing.import_grids(path, Options(crs="EPSG:999999"))
    assert report.file_refused and not report.applied
    assert "EPSG:999999" in report.findings[0].problem
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()


def test_a_prj_that_cannot_be_understood_refuses_the_file(far_community, tmp_path):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows(), prj=False)
    import zipfile

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("测绘成果/网格/网格.prj", 'PROJCS["城市独立坐标系",FOO]')
    report = importing.import_grids(path, Options())
    assert report.file_refused and report.findings[0].number is None


def test_a_zip_without_a_prj_and_no_chosen_crs_is_refused(far_community, tmp_path):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows(), prj=False)
    report = importing.import_grids(path, Options())
    assert report.file_refused
    assert ".prj" in report.findings[0].problem
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()


def test_a_missing_code_column_is_refused_until_one_is_chosen(far_community, tmp_path):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows(), names=("WGID", "WGNAME"))
    report = importing.import_grids(path, Options())
    assert report.file_refused and "WGID" in report.findings[0].problem  # the columns it has are listed
    report = importing.import_grids(path, Options(code_field="wgid", name_field="WGNAME"))
    assert report.applied and Grid.objects.get(code=f"{COMMUNITY}002").name == "测试网格2"


def test_unreadable_and_empty_files_are_refused(far_community, tmp_path):
    junk = tmp_path / "grids.geojson"
    junk.write_text("这不是 GeoJSON")
    assert importing.import_grids(junk, Options()).file_refused
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    report = importing.import_grids(empty, Options())
    assert report.file_refused and report.total == 0
    text = tmp_path / "grids.txt"
    text.write_text("code,name")
    assert ".txt" in importing.import_grids(text, Options()).findings[0].problem


def test_a_feature_without_a_shape_or_with_a_line_is_refused(far_community, tmp_path):
    import json

    square = shapely.geometry.mapping(geofiles.to_wgs84(geofiles.square(0, 0)))
    features = [
        {"type": "Feature", "properties": {"code": f"{COMMUNITY}001", "name": "无图形"}, "geometry": None},
        {"type": "Feature", "properties": {"code": f"{COMMUNITY}002", "name": "线"},
         "geometry": {"type": "LineString", "coordinates": square["coordinates"][0]}},
    ]
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    problems = problems_of(importing.import_grids(path, Options()))
    assert set(problems) == {f"{COMMUNITY}001", f"{COMMUNITY}002"}
    assert "LineString" in problems[f"{COMMUNITY}002"]


def test_a_grid_of_an_unknown_community_is_refused(far_community, tmp_path):
    code = "532503990999001"
    path = geofiles.zipped_shapefile(tmp_path, [(code, "无社区", geofiles.square(0, 0))])
    assert code in problems_of(importing.import_grids(path, Options()))


def test_a_street_outside_its_county_is_refused(db, tmp_path):
    street = shapely.from_geojson(Division.objects.get(code="532503001").geometry)
    moved = shapely.affinity.translate(street, xoff=1.0)
    path = geofiles.write_layer(tmp_path / "streets.geojson", [("532503001", "文澜街道", moved)], crs="EPSG:4326",
                                driver="GeoJSON", names=("code", "name"))
    report = importing.import_boundaries(path, Options())
    assert "532503001" in problems_of(report) and not report.applied
    assert shapely.from_geojson(Division.objects.get(code="532503001").geometry).equals_exact(street, 1e-9)


def test_a_boundary_for_an_unknown_or_malformed_code_is_refused(db, tmp_path):
    poly = shapely.from_geojson(Division.objects.get(code="532503001").geometry)
    path = geofiles.write_layer(tmp_path / "streets.geojson", [("532503888", "无此街道", poly), ("5325030", "七位", poly)],
                                crs="EPSG:4326", driver="GeoJSON", names=("code", "name"))
    problems = problems_of(importing.import_boundaries(path, Options()))
    assert set(problems) == {"532503888", "5325030"}


def test_a_gap_inside_the_community_is_reported_but_not_refused(far_community, tmp_path):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows(geofiles.four_grids()[:3]))
    report = importing.import_grids(path, Options())
    assert report.applied
    gaps = [f for f in report.findings if f.action == "warning"]
    assert [f.code for f in gaps] == [COMMUNITY]


# ---------------------------------------------------------------------------- re-import


def test_a_reimport_replaces_shapes_and_keeps_their_history(far_community, tmp_path, persona):
    first = geofiles.zipped_shapefile(tmp_path / "v1", grid_rows())
    importing.import_grids(first, Options(source_name="网格2025.zip"), user=persona("admin"))
    old = Grid.objects.get(code=f"{COMMUNITY}001").geometry
    # The survey moves the line between grids 1 and 2 by 20 m.
    grids = geofiles.four_grids()
    x, y = geofiles.ORIGIN
    grids[0] = (grids[0][0], "改名网格", shapely.box(x, y, x + 220, y + 200))
    grids[1] = (grids[1][0], grids[1][1], shapely.box(x + 220, y, x + 400, y + 200))
    second = geofiles.zipped_shapefile(tmp_path / "v2", grid_rows(grids))
    report = importing.import_grids(second, Options(source_name="网格2026.zip"), user=persona("admin"))
    assert report.applied and len(report.updated) == 2 and len(report.unchanged) == 2
    history = GridShape.objects.get(grid_id=f"{COMMUNITY}001")
    assert history.geometry == old and history.source_file == "网格2026.zip"
    assert history.replaced_by.username == "admin" and history.replaced_at is not None
    grid = Grid.objects.get(code=f"{COMMUNITY}001")
    assert grid.name == "改名网格" and grid.geometry != old
    assert distance_m(grid.min_lon, grid.min_lat, grid.max_lon, grid.min_lat) == pytest.approx(220, abs=0.5)
    # The same file again changes nothing and adds no history.
    report = importing.import_grids(second, Options())
    assert report.changes == 0 and GridShape.objects.filter(grid__community_id=COMMUNITY).count() == 2


# ---------------------------------------------------------------------------- command line


def test_the_command_imports_and_prints_the_report(far_community, tmp_path, capsys):
    path = geofiles.zipped_shapefile(tmp_path, grid_rows(), prj=False)
    call_command("geo_import", "grids", str(path), "--crs", "EPSG:4543", "--dry-run")
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()
    call_command("geo_import", "grids", str(path), "--crs", "EPSG:4543")
    assert Grid.objects.filter(community_id=COMMUNITY).count() == 4


def test_the_command_fails_when_the_file_is_refused(far_community, tmp_path, capsys):
    rows = [*grid_rows()[:3], (f"{COMMUNITY}004", "社区外", geofiles.square(6, 6))]
    path = geofiles.zipped_shapefile(tmp_path, rows)
    with pytest.raises(CommandError):
        call_command("geo_import", "grids", str(path))
    out = capsys.readouterr().out
    assert f"{COMMUNITY}004" in out and "4" in out
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()
    call_command("geo_import", "grids", str(path), "--accept-good")
    assert Grid.objects.filter(community_id=COMMUNITY).count() == 3


# ---------------------------------------------------------------------------- other coordinate systems


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_amap_and_baidu_coordinates_are_turned_into_wgs84(far_community, tmp_path, crs):
    from civicloop.lib import coords

    grids = geofiles.four_grids()
    wgs = [geofiles.to_wgs84(poly) for _c, _n, poly in grids]
    shifted = [shapely.transform(p, lambda xy: np.array([coords.from_wgs84(x, y, crs) for x, y in xy])) for p in wgs]
    path = geofiles.write_layer(tmp_path / "amap.geojson", [(c, n, p) for (c, n, _), p in zip(grids, shifted)],
                                crs="EPSG:4326", driver="GeoJSON", names=("code", "name"))
    report = importing.import_grids(path, Options(crs=crs))
    assert report.applied, report.findings
    stored = Grid.objects.get(code=grids[0][0]).polygon()
    assert stored.hausdorff_distance(wgs[0]) < 1e-6  # back where WGS-84 has it, to ~10 cm
    assert shifted[0].hausdorff_distance(wgs[0]) > 1e-4  # the offset was hundreds of metres


def test_cgcs2000_longitude_latitude_is_stored_as_it_is(far_community, tmp_path):
    rows = [(c, n, geofiles.to_wgs84(p)) for c, n, p in geofiles.four_grids()]
    path = geofiles.write_layer(tmp_path / "grids.gpkg", rows, crs="EPSG:4490", driver="GPKG")
    report = importing.import_grids(path, Options())
    assert report.applied and "4490" in report.crs
    assert Grid.objects.get(code=rows[0][0]).polygon().hausdorff_distance(rows[0][2]) < 1e-8


def test_a_retired_grid_underneath_does_not_refuse_its_successor(far_community, tmp_path):
    old = geofiles.to_wgs84(geofiles.community_outline())
    Grid.objects.create(code=f"{COMMUNITY}900", name="旧网格", community=far_community, geometry=as_geojson(old),
                        active=False)
    report = importing.import_grids(geofiles.zipped_shapefile(tmp_path, grid_rows()), Options())
    assert report.applied and report.refused == 0, report.findings


def test_the_admin_shows_a_grids_earlier_shapes(far_community, tmp_path, persona, signed_in):
    importing.import_grids(geofiles.zipped_shapefile(tmp_path / "v1", grid_rows()), Options())
    x, y = geofiles.ORIGIN
    grids = geofiles.four_grids()
    grids[0] = (grids[0][0], grids[0][1], shapely.box(x, y, x + 190, y + 200))
    grids[1] = (grids[1][0], grids[1][1], shapely.box(x + 190, y, x + 400, y + 200))
    importing.import_grids(geofiles.zipped_shapefile(tmp_path / "v2", grid_rows(grids)),
                           Options(source_name="网格2026.zip"), user=persona("admin"))
    page = signed_in("admin").get(f"/admin/geo/grid/{COMMUNITY}001/change/").content.decode()
    assert page.count("网格2026.zip") == 1  # the one shape this grid had before


def test_a_shapefile_path_with_its_parts_beside_it_is_read(far_community, tmp_path):
    shp = geofiles.write_layer(tmp_path / "成果" / "网格.shp", grid_rows(), driver="ESRI Shapefile", encoding="GBK")
    report = importing.import_grids(shp, Options())
    assert report.applied and Grid.objects.get(code=f"{COMMUNITY}004").name == "测试网格4"
