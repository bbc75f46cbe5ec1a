"""Reading Chinese addresses as people type them (civicloop.gazetteer.addresses): no database."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicloop.gazetteer import addresses as a

DIVISIONS = ["云南省", "红河哈尼族彝族自治州", "蒙自市", "文澜街道", "观澜街道", "学府社区"]


def parse(text: str) -> a.Parsed:
    return a.parse(text, DIVISIONS)


@pytest.mark.parametrize("text, road, number", [
    ("学府路12号", "学府路", "12"),
    ("学府路12-3号", "学府路", "12-3"),
    ("学府路12之3号", "学府路", "12-3"),
    ("学府路１２号", "学府路", "12"),
    ("学府路１２－３号", "学府路", "12-3"),
    ("学府路十二号", "学府路", "12"),
    ("学府路二十号", "学府路", "20"),
    ("学府路一百零五号", "学府路", "105"),
    ("学府路 12 号", "学府路", "12"),
    ("学府路12#", "学府路", "12"),
    ("学府路12", "学府路", "12"),
    ("学府12号", "学府", "12"),
    ("红河大道8号", "红河大道", "8"),
    ("云南省蒙自市文澜街道学府路12号", "学府路", "12"),
    ("蒙自市学府路12号", "学府路", "12"),
    ("蒙自学府路12号", "学府路", "12"),
    ("我在学府路12号", "学府路", "12"),
    ("学府路12号院", "学府路", "12"),
])
def test_it_reads_a_road_and_a_door_number(text, road, number):
    parsed = parse(text)
    assert (parsed.kind, parsed.road, parsed.number) == (a.DOOR, road, number)


def test_a_door_number_nearby_is_still_that_door_but_marked_near():
    parsed = parse("学府路12号附近")
    assert (parsed.kind, parsed.road, parsed.number, parsed.near) == (a.DOOR, "学府路", "12", True)
    assert parse("学府路12号旁边").near


def test_the_main_number_is_the_part_before_the_dash():
    assert parse("学府路12-3号").main_number == 12
    assert parse("人民医院").main_number is None


@pytest.mark.parametrize("text, compound, building", [
    ("锦绣花园3栋", "锦绣花园", "3"),
    ("锦绣花园3号楼", "锦绣花园", "3"),
    ("锦绣花园三栋", "锦绣花园", "3"),
    ("锦绣花园3幢", "锦绣花园", "3"),
    ("锦绣花园3栋2单元", "锦绣花园", "3"),
    ("蒙自市锦绣花园十二栋", "锦绣花园", "12"),
])
def test_it_reads_a_compound_and_a_building(text, compound, building):
    parsed = parse(text)
    assert (parsed.kind, parsed.compound, parsed.building) == (a.BUILDING, compound, building)


@pytest.mark.parametrize("text, first, second", [
    ("天马路与银河路交叉口", "天马路", "银河路"),
    ("天马路银河路口", "天马路", "银河路"),
    ("天马路和银河路路口", "天马路", "银河路"),
    ("天马路和银河路交叉路口", "天马路", "银河路"),
    ("天马路、银河路十字路口", "天马路", "银河路"),
    ("天马路/银河路", "天马路", "银河路"),
    ("天马与银河交叉口", "天马", "银河"),
    ("天马路跟红河大道交汇处", "天马路", "红河大道"),
    ("红河大道天马路口", "红河大道", "天马路"),
    ("蒙自市天马路与银河路交叉口", "天马路", "银河路"),
])
def test_it_reads_an_intersection(text, first, second):
    parsed = parse(text)
    assert (parsed.kind, parsed.road, parsed.road2) == (a.INTERSECTION, first, second)


@pytest.mark.parametrize("text, base, direction, metres", [
    ("人民医院东侧约50米", "人民医院", "东", 50),
    ("人民医院东边50米", "人民医院", "东", 50),
    ("人民医院往北100米", "人民医院", "北", 100),
    ("人民医院向西南走30米", "人民医院", "西南", 30),
    ("人民医院以南五十米", "人民医院", "南", 50),
    ("人民医院东侧大约50m", "人民医院", "东", 50),
    ("人民医院北1公里", "人民医院", "北", 1000),
    ("人民医院东侧约50米处", "人民医院", "东", 50),
])
def test_it_reads_a_landmark_with_an_offset(text, base, direction, metres):
    parsed = parse(text)
    assert (parsed.landmark, parsed.text, parsed.direction, parsed.offset_m) == (base, base, direction, metres)


def test_an_offset_can_be_taken_from_an_intersection():
    parsed = parse("天马路与银河路交叉口往北50米")
    assert (parsed.kind, parsed.road, parsed.road2, parsed.direction, parsed.offset_m) == (
        a.INTERSECTION, "天马路", "银河路", "北", 50)


@pytest.mark.parametrize("text, base", [("火车站对面", "火车站"), ("火车站的对面", "火车站"), ("人民医院斜对面", "人民医院")])
def test_opposite_is_read_without_a_direction(text, base):
    parsed = parse(text)
    assert (parsed.kind, parsed.text, parsed.opposite, parsed.direction) == (a.PLACE, base, True, "")


@pytest.mark.parametrize("text, base, direction", [("人民医院东边", "人民医院", "东"), ("人民医院北侧", "人民医院", "北"),
                                                   ("火车站西门", "火车站", "西")])
def test_a_side_without_distance_is_near_that_side(text, base, direction):
    parsed = parse(text)
    assert (parsed.text, parsed.direction, parsed.near, parsed.offset_m) == (base, direction, True, 0)


@pytest.mark.parametrize("text, base", [("人民医院附近", "人民医院"), ("人民医院门口", "人民医院"), ("第一中学旁边", "第一中学")])
def test_near_words_mark_the_place_near(text, base):
    parsed = parse(text)
    assert (parsed.kind, parsed.text, parsed.near) == (a.PLACE, base, True)


@pytest.mark.parametrize("text", ["天马路", "红河大道", "学府街", "天马路 ", "蒙自市天马路"])
def test_a_road_alone_is_a_road(text):
    parsed = parse(text)
    assert parsed.kind == a.ROAD and parsed.road == a.normalise(text).removeprefix("蒙自市")


def test_a_road_ending_in_a_direction_is_not_read_as_a_side():
    # 银河北路 is a road; "…北路" must not become "银河 north side".
    assert parse("银河北路").kind == a.ROAD
    assert parse("银河北路12号").road == "银河北路"


@pytest.mark.parametrize("text", ["人民医院", "第一中学", "南湖公园", "火车站"])
def test_a_name_is_a_place(text):
    assert parse(text) == a.Parsed(a.PLACE, text)


def test_division_names_come_from_the_caller_not_the_code():
    assert parse("文澜街道学府路12号").road == "学府路"
    assert a.parse("文澜街道学府路12号", []).road == "文澜街道学府路"


def test_a_short_division_name_stays_when_it_starts_a_road_name():
    assert parse("蒙自路12号").road == "蒙自路"
    assert parse("文澜街8号").road == "文澜街"


@pytest.mark.parametrize("raw, clean", [
    ("ＡＢＣ１２３", "abc123"),
    ("学府路，12号。", "学府路12号"),
    ("学府路（南段）", "学府路南段"),
    ("学府路—12号", "学府路-12号"),
    ("", ""),
])
def test_normalise(raw, clean):
    assert a.normalise(raw) == clean


@pytest.mark.parametrize("text, value", [("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百", 100),
                                         ("一百零五", 105), ("三〇五", 305), ("两", 2), ("x", None), ("", None)])
def test_chinese_numerals(text, value):
    assert a.cn_to_int(text) == value


def test_names_with_numerals_keep_them():
    assert a.normalise("十里铺村") == "十里铺村"
    assert parse("三元里12号").road == "三元里"


def test_road_stem():
    assert a.road_stem("天马路") == "天马"
    assert a.road_stem("红河大道") == "红河"
    assert a.road_stem("路") == "路"


@pytest.mark.parametrize("text", ["", "   ", "，，，", "号", "12号", "x" * 2000])
def test_anything_at_all_parses_without_error(text):
    assert isinstance(parse(text), a.Parsed)


@pytest.mark.parametrize("text, base", [("建设与文萃交叉口", "建设与文萃交叉口"), ("南湖以东30米", "南湖"), ("南湖对面", "南湖"),
                                        ("学府附近", "学府")])
def test_a_short_division_name_stays_when_a_joining_word_or_a_qualifier_follows(text, base):
    names = ["建设社区", "文萃街道", "南湖社区", "学府社区"]
    assert a.parse(text, names).text == base


@pytest.mark.parametrize("text", ["蒙自二中大门口", "二中大门", "天马路155号那里", "文澜路8号这里"])
def test_more_ways_of_saying_near(text):
    assert a.parse(text, DIVISIONS).near


def test_a_higher_division_the_data_does_not_know_goes_with_the_one_it_does():
    assert parse("红河州蒙自市学府路12号").road == "学府路"
    assert parse("广州路12号").road == "广州路"  # a road's name is never cut at 州


def test_a_communitys_short_name_is_kept_as_the_start_of_a_place():
    assert a.parse("天马菜市场", ["天马社区"]).text == "天马菜市场"
    assert a.parse("天马社区天马菜市场", ["天马社区"]).text == "天马菜市场"


def test_two_roads_run_together_give_every_split_to_try():
    assert parse("雨过铺迎宾路口").kind == a.PLACE  # the text alone cannot say where 雨过铺 ends
    assert ("雨过铺", "迎宾") in a.crossing_splits("雨过铺迎宾路口")
    assert a.crossing_splits("人民医院") == []


@given(st.text(max_size=80))
def test_any_text_at_all_gives_a_reading(text):
    parsed = parse(text)
    assert parsed.kind in (a.DOOR, a.BUILDING, a.INTERSECTION, a.ROAD, a.PLACE)
    assert parsed.offset_m >= 0 and (not parsed.direction or parsed.direction in a.DIRECTIONS)


@given(st.sampled_from(["学府路", "红河大道", "银河北路"]), st.integers(1, 999))
def test_every_way_of_writing_a_number_reads_the_same(road, number):
    wide = str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for text in (f"{road}{number}号", f"{road}{wide}号", f"蒙自市{road} {number} 号", f"{road}{number}号附近"):
        parsed = parse(text)
        assert (parsed.road, parsed.number) == (road, str(number)), text
