"""Chinese address text as people type it → its parts (road, number, compound, building, crossing road,
landmark, offset). Pure: no database, no city's names in the code — the division names to strip are
passed in by the caller (the geocoder reads them from geo.Division).

The parse is a reading, not a verdict: "锦绣花园3号" may be a compound's building or a door plate on a
road called 锦绣花园, so the geocoder tries what the parse allows and lets the gazetteer decide.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

# Kinds of reading, in the order the geocoder's answers name them.
DOOR = "door"  # road + number (门牌)
BUILDING = "building"  # compound + building (小区楼栋)
INTERSECTION = "intersection"  # two roads (交叉口)
ROAD = "road"  # a road alone
PLACE = "place"  # a name: a POI, a compound, a road, whatever the gazetteer has

# Direction words → (east, north) unit steps. 对面 (opposite) has no direction we can know.
DIRECTIONS = {
    "东北": (0.7071, 0.7071), "东南": (0.7071, -0.7071), "西北": (-0.7071, 0.7071), "西南": (-0.7071, -0.7071),
    "东": (1.0, 0.0), "西": (-1.0, 0.0), "南": (0.0, -1.0), "北": (0.0, 1.0),
}
ROAD_SUFFIXES = ("大道", "大街", "公路", "路", "街", "巷", "道", "弄", "线")
NEAR_WORDS = ("附近", "旁边", "边上", "隔壁", "大门口", "大门", "门口", "周边", "一带", "那边", "这边", "这里", "那里", "这儿",
              "那儿", "跟前", "旁", "边")
OPPOSITE_WORDS = ("斜对面", "正对面", "对面", "对过")
LEADING_FILLER = ("我现在在", "我在", "现在在", "就在", "位于", "地址是", "地址", "这里是", "在")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "零〇一二三四五六七八九十百两"
# Chinese numerals are turned into digits only where a number is meant: before 号/栋/米…, so a name
# such as 三元里 or 十里铺 keeps its characters.
_CN_NUMBER_BEFORE = re.compile(rf"([{_CN_NUM}]+)(?=号|栋|幢|座|单元|室|米|公里|弄|-)")
_CN_NUMBER_AFTER_DASH = re.compile(rf"(?<=-)([{_CN_NUM}]+)")
_DASHES = re.compile(r"[‐‑‒–—―－~〜之]")
_DROPPED = re.compile(r"[\s,，。.、;；:：!！?？'\"“”‘’《》<>【】\[\]()（）{}·…|]+")

_SUFFIX = "|".join(ROAD_SUFFIXES)
_DIR = "东北|东南|西北|西南|东|西|南|北"
_CROSS_END = r"(?:十字路口|交叉路口|交叉口|交汇处|交界处|交口|路口|口)"
_JOIN = r"(?:与|和|跟|同|及|、|/|&|x|×|\+)"
_OFFSET = re.compile(
    rf"^(?P<base>.+?)(?:的)?(?:往|向|朝|以)?(?P<dir>{_DIR})(?:侧|边|面|方向|方|走)?(?:的)?(?:大约|大概|差不多|约)?"
    rf"(?P<dist>\d+(?:\.\d+)?)(?P<unit>米|m|公里|km)(?:左右|处|的地方|附近)*$"
)
_SIDE = re.compile(rf"^(?P<base>.+?)(?:的)?(?P<dir>{_DIR})(?:侧|边|面|门)(?:附近)?$")
_BUILDING = re.compile(r"^(?P<compound>.+?)(?P<building>\d+)(?:号楼|栋|幢|座|号院)(?:\d+单元)?(?:\d+室|\d+号)?$")
_DOOR = re.compile(r"^(?P<road>.+?)(?P<number>\d+(?:-\d+)?)(?:号|#)(?:院|楼)?$")
_DOOR_NO_HAO = re.compile(rf"^(?P<road>.+?(?:{_SUFFIX}))(?P<number>\d+(?:-\d+)?)$")
_CROSS_JOINED = re.compile(rf"^(?P<a>.+?){_JOIN}(?P<b>.+?){_CROSS_END}?$")
_CROSS_BARE = re.compile(rf"^(?P<a>.+?(?:{_SUFFIX}))(?P<b>.+?(?:{_SUFFIX})?){_CROSS_END}$")
_GENERIC_PREFIX = re.compile(r"^(?:中国|中华人民共和国)?(?:.{2,8}?(?:省|自治区))?")


@dataclass(frozen=True)
class Parsed:
    """One reading of an address. Empty strings for parts the text did not have."""

    kind: str
    text: str  # normalised, prefixes and qualifiers removed: what is left to look up
    road: str = ""
    number: str = ""  # "12" or "12-3"
    road2: str = ""  # the crossing road of an intersection
    compound: str = ""
    building: str = ""
    landmark: str = ""  # the base a relation or offset is taken from (any kind above)
    direction: str = ""  # "东", "西北"… (empty: no direction)
    offset_m: float = 0.0
    near: bool = False  # 附近, 旁边, 门口…: the place is around there, not at it
    opposite: bool = False  # 对面: across the road from it

    @property
    def main_number(self) -> int | None:
        """The door number's first part: 12 for "12-3"."""
        head = self.number.split("-", 1)[0]
        return int(head) if head.isdigit() else None


# ------------------------------------------------------------------------------------ normalising


def cn_to_int(text: str) -> int | None:
    """Chinese numerals → int: 十二 → 12, 二十 → 20, 一百零五 → 105, 三〇五 → 305 (digit by digit)."""
    if not text or any(ch not in _CN_NUM for ch in text):
        return None
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def _numerals(match: re.Match) -> str:
    value = cn_to_int(match.group(1))
    return match.group(1) if value is None else str(value)


def normalise(text: str) -> str:
    """Full-width → half-width (NFKC), Chinese numerals in numbers → digits, dashes → "-", spaces and
    punctuation dropped, Latin letters lower-cased."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _DASHES.sub("-", text)
    text = _DROPPED.sub("", text).lower()
    text = _CN_NUMBER_BEFORE.sub(_numerals, text)
    text = _CN_NUMBER_AFTER_DASH.sub(_numerals, text)
    return text


def strip_divisions(text: str, names: Iterable[str] = ()) -> str:
    """Drops leading administrative names ("福建省晋江市青阳街道…"): the ones given, longest first,
    and a leading province. A name's short form (晋江 for 晋江市) goes too, unless what follows makes
    it the start of a road's or a place's name (晋江路, 青阳街)."""
    full = sorted({normalise(n) for n in names if n}, key=len, reverse=True)
    short = sorted({_short(n) for n in full if len(_short(n)) >= 2 and _short(n) != n}, key=len, reverse=True)
    text = _GENERIC_PREFIX.sub("", text, count=1) or text
    text = _before_known(text, full)
    changed = True
    while changed and text:
        changed = False
        for name in full:
            if text.startswith(name) and len(text) > len(name):
                text, changed = text[len(name):], True
                break
        else:
            for name in short:
                rest = text[len(name):]
                # "学府12号" is 学府路, not 学府社区: a number right after a short name means a road.
                if text.startswith(name) and len(rest) >= 3 and not rest[0].isdigit() \
                        and not rest.startswith(_NAME_CONTINUES):
                    text, changed = rest, True
                    break
    return text


# Only a city's or a county's name is said without its ending as a prefix ("晋江学府路"); a street's or a
# community's short name (青华 of 青华社区) is far more often the start of a road or a place (青华菜市场).
_DIVISION_ENDINGS = ("自治州", "自治县", "市", "州", "县", "区")
_ADMIN_ENDINGS = ("省", "自治区", "州", "盟", "地区", "市", "县", "区")
# After a short division name, these mean the name was the start of a road's or a place's name
# (晋江路, 青阳街), one of two roads (建设与青华交叉口: 建设路, not 建设社区), or a landmark (南湖以东30米).
_NAME_CONTINUES = tuple(ROAD_SUFFIXES) + ("北", "南", "东", "西", "中", "大", "小", "新", "老", "广场", "公园", "湖",
                                          "山", "河", "桥", "站", "医院", "学校", "中学", "小学", "花园", "小区",
                                          "与", "和", "跟", "同", "及", "、", "/", "&",
                                          "以", "向", "往", "朝", "对面", "附近", "旁边", "门口", "大门", "边上", "一带")


def _before_known(text: str, full: list[str]) -> str:
    """"泉州市晋江市…": a higher division the data does not know, written before one it does, goes too —
    only when it ends as a division's name does (州, 市 …), so 广州路 is never cut."""
    for name in full:
        at = text.find(name, 1, 16)
        if at > 0 and text[:at].endswith(_ADMIN_ENDINGS):
            return text[at:]
    return text


def _short(name: str) -> str:
    for ending in _DIVISION_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            return name[: -len(ending)]
    return name


def _strip_filler(text: str) -> str:
    for word in LEADING_FILLER:
        if text.startswith(word) and len(text) > len(word) + 1:
            return text[len(word):]
    return text


# ------------------------------------------------------------------------------------ reading


def parse(text: str, divisions: Iterable[str] = ()) -> Parsed:
    """Reads one address. `divisions`: the names of the city's divisions (any level), stripped as prefixes."""
    clean = strip_divisions(_strip_filler(normalise(text)), divisions)
    clean = strip_divisions(_strip_filler(clean), divisions)
    base, qualifiers = _qualifiers(clean)
    parsed = _base(base)
    if qualifiers:
        parsed = replace(parsed, landmark=base, **qualifiers)
    return parsed


def _qualifiers(text: str) -> tuple[str, dict]:
    """Peels "东侧约50米", "对面", "附近" off the end; returns what is left and what was peeled."""
    found: dict = {}
    side = _SIDE.match(text)
    if side and len(side["base"]) >= 2 and not _is_road(side["base"] + side["dir"]):
        return side["base"], {"direction": side["dir"], "near": True}
    near = _ends_with(text, NEAR_WORDS)
    if near and len(text) > len(near) + 1:
        text, found["near"] = text[: -len(near)].removesuffix("的"), True
    offset = _OFFSET.match(text)
    if offset and len(offset["base"]) >= 2:
        metres = float(offset["dist"]) * (1000 if offset["unit"] in ("公里", "km") else 1)
        return offset["base"], found | {"direction": offset["dir"], "offset_m": metres}
    opposite = _ends_with(text, OPPOSITE_WORDS)
    if opposite and len(text) > len(opposite) + 1:
        return text[: -len(opposite)].removesuffix("的"), found | {"opposite": True}
    return text, found


def _ends_with(text: str, words: Iterable[str]) -> str:
    return next((w for w in words if text.endswith(w)), "")


def _base(text: str) -> Parsed:
    for reader in (_intersection, _building, _door):
        parsed = reader(text)
        if parsed is not None:
            return parsed
    if _is_road(text):
        return Parsed(ROAD, text, road=text)
    return Parsed(PLACE, text)


def _intersection(text: str) -> Parsed | None:
    match = _CROSS_JOINED.match(text)
    if match and _road_like(match["a"]) and _road_like(match["b"]):
        return Parsed(INTERSECTION, text, road=match["a"], road2=match["b"])
    match = _CROSS_BARE.match(text)
    if match and _road_like(match["b"]):
        return Parsed(INTERSECTION, text, road=match["a"], road2=match["b"])
    return None


def _building(text: str) -> Parsed | None:
    match = _BUILDING.match(text)
    if not match or _is_road(match["compound"]):
        return None
    return Parsed(BUILDING, text, compound=match["compound"], building=match["building"])


def _door(text: str) -> Parsed | None:
    match = _DOOR.match(text) or _DOOR_NO_HAO.match(text)
    if not match or len(match["road"]) < 2:
        return None
    return Parsed(DOOR, text, road=match["road"], number=match["number"])


_CROSS_TAIL = re.compile(rf"^(?P<both>.+?){_CROSS_END}$")


def crossing_splits(text: str) -> list[tuple[str, str]]:
    """"雨过铺迎宾路口": two roads run together and the first without its suffix — the text alone cannot
    say where one ends. Every split into two names of two or more characters, in order, for the geocoder
    to try against the gazetteer."""
    match = _CROSS_TAIL.match(text)
    if not match:
        return []
    both = match["both"]
    return [(both[:i], both[i:]) for i in range(2, len(both) - 1)
            if _road_like(both[:i]) and _road_like(both[i:])]


def _is_road(text: str) -> bool:
    return len(text) >= 2 and text.endswith(ROAD_SUFFIXES) and not text.endswith(("街道", "道路"))


def _road_like(text: str) -> bool:
    """A road's name, or a name of two or more characters with no digits (天马 for 天马路)."""
    return 2 <= len(text) <= 12 and not any(ch.isdigit() for ch in text)


def road_stem(name: str) -> str:
    """天马路 → 天马, 红河大道 → 红河: the part people keep when they drop the suffix."""
    for suffix in ROAD_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name
