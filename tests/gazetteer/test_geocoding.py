"""Forward and reverse geocoding against a real database (SQLite and PostgreSQL), on a small gazetteer
laid out in the demo city's core: two north-south roads, two east-west ones, door plates along 学府路,
a compound with buildings, and POIs."""
from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point, box

from civicloop.core import revisions
from civicloop.gazetteer import geocoding
from civicloop.gazetteer.models import Building, Compound, DoorPlate, Poi, Road, geojson_text
from civicloop.geo import demo_geography as geo

M = geocoding.M_PER_DEG_LAT


def x(i: float) -> float:
    return geo._x(i)


def y(j: float) -> float:
    return geo._y(j)


def north(lat: float, metres: float) -> float:
    return lat + metres / M


def road(name: str, line, **extra) -> Road:
    return Road.objects.create(name=name, geometry=geojson_text(line), **extra)


@pytest.fixture
def gazetteer(db):
    """学府路 (formerly 学院路) and 天马路 run north-south, 红河大道 and 文澜路 east-west; 学府路 has plates
    2…40 (even, east side) and 1…39 (odd, west side) every 10 m from 红河大道 northwards, 20 missing."""
    roads = {
        "学府路": road("学府路", LineString([(x(15), y(0)), (x(15), y(40))]), former_names="学院路"),
        "天马路": road("天马路", LineString([(x(20), y(0)), (x(20), y(40))])),
        "红河大道": road("红河大道", LineString([(x(0), y(10)), (x(50), y(10))])),
        "文澜路": road("文澜路", LineString([(x(0), y(15)), (x(50), y(15))]), aliases="文澜街"),
    }
    for number in range(1, 41):
        if number == 20:
            continue
        side = 0.0002 if number % 2 == 0 else -0.0002
        DoorPlate.objects.create(road=roads["学府路"], number=f"{number}号", code=f"XF{number:03d}",
                                 geometry=geojson_text(Point(x(15) + side, north(y(10), 10 * number))))
    DoorPlate.objects.create(road=roads["学府路"], number="12-3号", code="XF012-3",
                             geometry=geojson_text(Point(x(15) + 0.0004, north(y(10), 123))))
    compound = Compound.objects.create(name="锦绣花园", aliases="锦绣小区",
                                       geometry=geojson_text(box(x(16), y(11), x(18), y(13))))
    for n in (1, 2, 3):
        Building.objects.create(compound=compound, number=f"{n}栋",
                                geometry=geojson_text(Point(x(16.5), y(11) + n * 0.0003)))
    Poi.objects.create(name="人民医院", kind=Poi.Kind.HOSPITAL, geometry=geojson_text(Point(x(22), y(22))))
    Poi.objects.create(name="蒙自火车站", aliases="火车站", kind=Poi.Kind.STATION,
                       geometry=geojson_text(Point(x(30), y(5))))
    Poi.objects.create(name="第一中学", kind=Poi.Kind.SCHOOL, geometry=geojson_text(Point(x(12), y(25))))
    revisions.bump(geocoding.REVISION)
    return roads


def top(text: str) -> geocoding.Candidate:
    found = geocoding.geocode(text)
    assert found, f"nothing for {text!r}"
    return found[0]


def distance(candidate, lon: float, lat: float) -> float:
    return geocoding.metres(candidate.lon, candidate.lat, lon, lat)


def plate(number: str) -> DoorPlate:
    return DoorPlate.objects.get(road__name="学府路", number=number)


def test_a_door_plate_is_found_at_its_point_with_its_grid(gazetteer):
    hit, expected = top("蒙自市学府路12号"), plate("12号")
    assert (hit.kind, hit.label, hit.matched["code"]) == ("door", "学府路12号", "XF012")
    assert distance(hit, expected.lon, expected.lat) < 1
    assert hit.confidence >= 0.95
    assert (hit.grid, hit.community, hit.street) == (expected.grid_code, expected.community_code, expected.street_code)
    assert hit.grid


def test_a_sub_number_is_its_own_plate(gazetteer):
    assert top("学府路12-3号").matched["code"] == "XF012-3"
    assert top("学府路12之3号").matched["code"] == "XF012-3"


def test_full_width_digits_and_chinese_numerals_find_the_plate(gazetteer):
    assert top("学府路１２号").matched["code"] == "XF012"
    assert top("学府路十二号").matched["code"] == "XF012"


def test_a_former_name_finds_the_road(gazetteer):
    hit = top("学院路12号")
    assert hit.matched["code"] == "XF012"
    assert hit.matched["road"] == "学府路"
    assert hit.confidence < top("学府路12号").confidence


def test_one_wrong_character_still_finds_the_plate(gazetteer):
    hit = top("学付路12号")
    assert (hit.kind, hit.matched["code"]) == ("door", "XF012")
    assert hit.confidence < 0.9


def test_a_dropped_road_suffix_still_finds_the_plate(gazetteer):
    assert top("学府12号").matched["code"] == "XF012"


def test_a_missing_number_is_interpolated_between_its_neighbours_on_the_same_side(gazetteer):
    hit = top("学府路20号")
    assert hit.kind == "interpolated"
    p18, p22 = plate("18号"), plate("22号")
    assert distance(hit, (p18.lon + p22.lon) / 2, (p18.lat + p22.lat) / 2) < 1
    assert hit.confidence < top("学府路18号").confidence


def test_a_number_past_the_last_plate_is_at_the_nearest_plate_on_that_side(gazetteer):
    hit = top("学府路88号")
    assert hit.kind == "nearest_door"
    assert distance(hit, plate("40号").lon, plate("40号").lat) < 1


def test_an_intersection_is_where_the_lines_meet(gazetteer):
    for text in ("学府路与红河大道交叉口", "学府路红河大道口", "学府和红河交叉口"):
        hit = top(text)
        assert hit.kind == "intersection", text
        assert distance(hit, x(15), y(10)) < 1, text


def test_two_roads_run_together_without_a_suffix_are_split_by_the_gazetteer(gazetteer):
    hit = top("学府红河大道口")
    assert (hit.kind, hit.matched["road"], hit.matched["road2"]) == ("intersection", "学府路", "红河大道")
    assert distance(hit, x(15), y(10)) < 1


def test_roads_that_do_not_meet_have_no_sure_crossing(gazetteer):
    hit = top("学府路与天马路交叉口")  # parallel: the middle of their nearest points, much less sure
    assert hit.kind != "intersection" or hit.confidence < 0.5


def test_a_landmark_with_an_offset_moves_the_point(gazetteer):
    hit = top("人民医院东侧约50米")
    assert hit.kind == "poi"
    assert hit.matched["landmark"] == "人民医院" and hit.matched["offset_m"] == 50
    assert 45 < distance(hit, x(22), y(22)) < 55
    assert hit.lon > x(22) and abs(hit.lat - y(22)) < 1e-6


def test_opposite_a_landmark_is_at_the_landmark_and_says_so(gazetteer):
    hit = top("火车站对面")
    assert hit.kind == "poi" and hit.matched["opposite"] is True
    assert distance(hit, x(30), y(5)) < 1


def test_a_typo_in_a_poi_name_still_finds_it(gazetteer):
    hit = top("人名医院")
    assert (hit.kind, hit.matched["poi"]) == ("poi", "人民医院")


def test_a_compound_and_building(gazetteer):
    hit = top("锦绣花园3栋")
    assert (hit.kind, hit.label) == ("building", "锦绣花园3栋")
    assert top("锦绣花园3号楼").label == "锦绣花园3栋"
    assert top("锦绣小区2栋").label == "锦绣花园2栋"


def test_a_building_the_gazetteer_lacks_falls_back_to_the_compound(gazetteer):
    hit = top("锦绣花园9栋")
    assert (hit.kind, hit.label) == ("compound_only", "锦绣花园")


def test_an_alias_of_a_road(gazetteer):
    assert top("文澜街").matched["road"] == "文澜路"


def test_nothing_in_the_gazetteer_gives_no_candidates(gazetteer):
    assert geocoding.geocode("完全不存在的地方") == []
    assert geocoding.geocode("") == []
    assert geocoding.geocode("，，，") == []


def test_candidates_are_ranked_and_limited(gazetteer):
    found = geocoding.geocode("学府路", limit=2)
    assert 1 <= len(found) <= 2
    assert [c.confidence for c in found] == sorted((c.confidence for c in found), reverse=True)


def test_reverse_next_to_a_door_plate_names_it_and_the_road(gazetteer):
    p = plate("12号")
    words = geocoding.reverse(p.lon + 0.0001, p.lat)  # ~10 m east of the plate
    assert words.door.name == "学府路12号"
    assert 8 < words.door.distance_m < 12
    assert words.road.name == "学府路"
    assert words.intersection.name == "学府路与红河大道交叉口"
    assert words.grid == p.grid_code and words.street == p.street_code
    assert words.line.startswith("蒙自市") and words.street_name in words.line
    assert words.line.endswith("学府路12号附近（约10米）")


def test_reverse_on_a_plate_needs_no_nearby(gazetteer):
    p = plate("12号")
    assert geocoding.reverse(p.lon, p.lat).line.endswith("学府路12号")


def test_reverse_far_from_everything_still_names_the_street(db):
    words = geocoding.reverse(x(40), y(35))
    assert words.door is None and words.poi is None
    assert words.street_name and words.line.startswith("蒙自市")


def test_reverse_names_a_nearer_poi_before_a_door_plate(gazetteer):
    words = geocoding.reverse(x(22) + 0.0001, y(22))
    assert words.poi.name == "人民医院"
    assert "人民医院附近" in words.line
