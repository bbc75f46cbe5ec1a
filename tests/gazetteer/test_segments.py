"""Road segments (路段): imported from a segment file or a road file carrying segment codes, broken lines
refused whole, re-runs unchanged; a junction found through them; the point beside one named by it; the demo
roads cut at their crossings; edited in the admin with history."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.utils import translation
from pyogrio.raw import write
from shapely.geometry import LineString, Point

from civicloop.core import revisions
from civicloop.gazetteer import geocoding, roads
from civicloop.gazetteer.importing import Options, import_entries
from civicloop.gazetteer.models import EntryChange, Road, RoadSegment, geojson_text, line_metres
from civicloop.geo import demo_geography as geo

pytestmark = pytest.mark.django_db
M = geocoding.M_PER_DEG_LAT


def x(i: float) -> float:
    return geo._x(i)


def y(j: float) -> float:
    return geo._y(j)


@pytest.fixture
def grid_of_roads(db):
    """天马路 runs north; 银河路, 学府路 and 文澜路 cross it eastwards at rows 10, 15 and 20."""
    made = {
        "天马路": LineString([(x(20), y(5)), (x(20), y(25))]),
        "银河路": LineString([(x(10), y(10)), (x(30), y(10))]),
        "学府路": LineString([(x(10), y(15)), (x(30), y(15))]),
        "文澜路": LineString([(x(10), y(20)), (x(30), y(20))]),
    }
    found = {name: Road.objects.create(name=name, code=f"R{i}", geometry=geojson_text(line))
             for i, (name, line) in enumerate(made.items())}
    revisions.bump(geocoding.REVISION)
    return found


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def feature(geometry, **properties) -> dict:
    mapping = geometry if isinstance(geometry, dict) else shapely.geometry.mapping(geometry)
    return {"type": "Feature", "properties": properties, "geometry": mapping}


def tianma(j0: float, j1: float) -> LineString:
    return LineString([(x(20), y(j0)), (x(20), y(j1))])


def segment_file(tmp_path: Path) -> Path:
    """Three pieces of 天马路: two with their cross streets written, the last left to the geometry."""
    return write_geojson(tmp_path / "路段.geojson", [
        feature(tianma(10, 15), 路段编码="LD-1", 道路名称="天马路", 起点="银河路", 止点="学府路"),
        feature(tianma(15, 20), 路段编码="LD-2", 道路名称="天马路", 起点="学府路", 止点="文澜路"),
        feature(tianma(20, 25), 路段编码="LD-3", 道路名称="天马路", 起点="", 止点=""),
    ])


def test_a_segment_file_goes_in_with_its_cross_streets_and_its_length(grid_of_roads, tmp_path):
    report = import_entries("segments", segment_file(tmp_path), Options())
    assert report.applied, [f.problem for f in report.findings]
    assert (report.created, report.refused) == (3, 0)
    first = RoadSegment.objects.get(code="LD-1")
    assert str(first) == "天马路（银河路—学府路）" and first.road == grid_of_roads["天马路"]
    assert first.length_m == pytest.approx(5 * (y(1) - y(0)) * M, rel=0.01)
    assert first.grid_code and first.street_code
    assert str(RoadSegment.objects.get(code="LD-3")) == "天马路（文澜路—）"  # named from where 文澜路 meets it


def test_a_road_file_whose_features_carry_a_segment_code_goes_in_as_segments(grid_of_roads, tmp_path):
    path = tmp_path / "道路.gpkg"
    lines = [tianma(10, 15), tianma(15, 20)]
    columns = [np.array(["天马路", "天马路"], dtype=object), np.array(["R0", "R0"], dtype=object),
               np.array(["LD-A", "LD-B"], dtype=object)]
    write(str(path), shapely.to_wkb(np.array(lines, dtype=object)), columns, ["道路名称", "道路编码", "路段编码"],
          geometry_type="LineString", crs="EPSG:4326", driver="GPKG")
    report = import_entries("segments", path, Options())
    assert report.applied and report.created == 2
    assert [str(s) for s in RoadSegment.objects.order_by("code")] == ["天马路（银河路—学府路）", "天马路（学府路—文澜路）"]


def test_a_broken_line_refuses_the_whole_file_and_says_which_and_why(grid_of_roads, tmp_path):
    one_point = {"type": "LineString", "coordinates": [[x(20), y(10)], [x(20), y(10)]]}
    path = write_geojson(tmp_path / "坏路段.geojson", [
        feature(tianma(10, 15), 路段编码="LD-1", 道路名称="天马路"),
        feature(one_point, 路段编码="LD-2", 道路名称="天马路"),
        feature(Point(x(20), y(17)), 路段编码="LD-3", 道路名称="天马路"),
        feature(tianma(20, 25), 路段编码="LD-4", 道路名称="无名路"),
    ])
    with translation.override("en"):
        report = import_entries("segments", path, Options())
        summary = report.summary()
    assert not report.applied and RoadSegment.objects.count() == 0
    problems = {f.number: f.problem for f in report.findings}
    assert "two different points" in problems[2]
    assert "LineString" in problems[3] and "Point" in problems[3]
    assert "Unknown road 无名路" in problems[4]
    assert "Nothing was imported" in summary


def test_a_re_run_of_the_same_file_changes_nothing(grid_of_roads, tmp_path):
    path = segment_file(tmp_path)
    import_entries("segments", path, Options())
    again = import_entries("segments", path, Options())
    assert again.applied and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert RoadSegment.objects.count() == 3


def test_roads_drawn_apart_meet_where_a_segment_says_it_ends(db):
    """银河路 was drawn stopping 60 m short of 天马路; its segment says it ends at 天马路."""
    Road.objects.create(name="天马路", geometry=geojson_text(tianma(5, 25)))
    yinhe = Road.objects.create(name="银河路", geometry=geojson_text(LineString([(x(10), y(10)), (x(19.4), y(10))])))
    RoadSegment.objects.create(road=yinhe, from_name="学府路", to_name="天马路",
                               geometry=geojson_text(LineString([(x(15), y(10)), (x(19.4), y(10))])))
    revisions.bump(geocoding.REVISION)
    best = geocoding.geocode("天马路与银河路交叉口")[0]
    assert best.kind == "intersection" and best.confidence >= 0.9
    assert (best.lon, best.lat) == pytest.approx((x(19.4), y(10)), abs=1e-6)


def test_the_demo_junction_is_found_where_the_two_roads_cross(db):
    from civicloop.basemap import demo as basemap_demo
    from civicloop.gazetteer import demo

    demo.seed(io.StringIO())
    lines = dict(basemap_demo._roads())
    meet = lines["天马路"].intersection(lines["文澜路"])
    best = geocoding.geocode("天马路与文澜路交叉口")[0]
    assert best.kind == "intersection"
    assert geocoding.metres(best.lon, best.lat, meet.x, meet.y) < 1


def test_a_point_beside_a_segment_is_named_by_it(grid_of_roads, tmp_path):
    import_entries("segments", segment_file(tmp_path), Options())
    lon, lat = x(20) + 20 / (M * 0.92), y(12)  # 20 m east of 天马路 between 银河路 and 学府路, no plates
    words = geocoding.reverse(lon, lat)
    assert words.segment.name == "天马路（银河路—学府路）" and words.segment.code == "LD-1"
    assert "天马路（银河路—学府路）附近（约20米）" in words.line
    assert roads.segment_at(lon, lat, 60) == "LD-1" and roads.road_at(lon, lat, 60) == "R0"


def test_the_reverse_api_names_the_segment(grid_of_roads, tmp_path, signed_in):
    import_entries("segments", segment_file(tmp_path), Options())
    body = signed_in("admin").get("/api/geo/reverse", {"lon": x(20) + 0.0001, "lat": y(17)}).json()
    assert body["segment"]["name"] == "天马路（学府路—文澜路）" and body["segment"]["code"] == "LD-2"


def test_the_demo_roads_are_cut_into_segments_at_their_crossings(db):
    from civicloop.gazetteer import demo

    out = io.StringIO()
    demo.seed(out)
    assert "road segments" in out.getvalue()
    tianma_road = Road.objects.get(name="天马路")
    pieces = list(RoadSegment.objects.filter(road=tianma_road).order_by("code"))
    assert len(pieces) >= 5 and all(p.code.startswith("LD") for p in pieces)
    inner = [p for p in pieces if p.from_name and p.to_name]
    assert len(inner) >= 3 and all(p.from_name != p.to_name for p in inner)
    whole = line_metres(shapely.from_geojson(tianma_road.geometry))
    assert sum(p.length_m for p in pieces) == pytest.approx(whole, rel=0.001)


def test_an_admin_edit_of_a_segment_writes_its_history(grid_of_roads, signed_in, persona):
    client = signed_in("admin")
    form = {"road": grid_of_roads["天马路"].pk, "from_name": "银河路", "to_name": "学府路", "code": "LD-9",
            "aliases": "", "former_names": "", "geometry": geojson_text(tianma(10, 15))}
    assert client.post("/admin/gazetteer/roadsegment/add/", form).status_code == 302
    segment = RoadSegment.objects.get(code="LD-9")
    assert client.post(f"/admin/gazetteer/roadsegment/{segment.pk}/change/",
                       {**form, "to_name": "文澜路"}).status_code == 302
    changes = list(EntryChange.objects.filter(model="roadsegment", entry_id=segment.pk).order_by("at", "id"))
    assert [c.action for c in changes] == ["created", "changed"] and changes[1].user == persona("admin")
    assert changes[1].before["to_name"] == "学府路" and changes[1].after["to_name"] == "文澜路"
    assert "学府路 → 文澜路" in client.get(f"/admin/gazetteer/roadsegment/{segment.pk}/change/").content.decode()
