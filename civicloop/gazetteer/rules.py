"""Pure rules of the gazetteer (标准地址库), no ORM: the search text an entry is found by, and door numbers.

The search text is what the geocoder's trigram index (pg_trgm on PostgreSQL, FTS5 trigram on SQLite)
matches typed addresses against, so both sides must normalise alike: `normalise()` is the one
function for an entry's names and for a query.
"""
from __future__ import annotations

import re
import unicodedata

# Longest first: 大道 before 道, 大街 before 街.
ROAD_SUFFIXES = ("大道", "大街", "路", "街", "巷", "道")
# A road is often written with another suffix than its sign (红河大道 as 红河路); these are the ones
# people swap, so each is added to the search text as a variant.
SWAPPED_SUFFIXES = ("路", "街", "大道")
SEPARATOR = "|"
MAX_SEARCH_TEXT = 2000
_DROP = re.compile(r"[\s·•・'\"“”‘’、,，。.;；:：()（）\[\]【】<>《》_/\\|]+")
_NUMBER = re.compile(r"^(\d+)(?:\s*[-－—之]\s*(\d+))?\s*(号|號)?$")


def normalise(text: str) -> str:
    """Full-width → half-width (NFKC), lower case, spaces and punctuation dropped."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return _DROP.sub("", folded)


def split_names(text: str) -> list[str]:
    """Aliases and former names are kept one a line (the admin's text box); ; and ， separate too."""
    return [part.strip() for part in re.split(r"[\n;；,，、]+", text or "") if part.strip()]


def road_variants(name: str) -> list[str]:
    """天马路 → 天马路, 天马, 天马街, 天马大道: what a reporter may type for the same road."""
    name = normalise(name)
    for suffix in ROAD_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return _unique([name, stem, *(stem + other for other in SWAPPED_SUFFIXES)])
    return [name] if name else []


def search_text(names: list[str], *, road_like: bool = False) -> str:
    """Every name, alias and former name normalised, with a road's suffix variants, joined by |."""
    forms: list[str] = []
    for name in names:
        forms.extend(road_variants(name) if road_like else [normalise(name)])
    return SEPARATOR.join(_unique(f for f in forms if f))[:MAX_SEARCH_TEXT]


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


class NumberProblem(ValueError):
    pass


def parse_door_number(text: str) -> tuple[int, int, str]:
    """'12号' → (12, 0, '12'); '12-3号' / '12之3号' / '１２－３' → (12, 3, '12-3').

    The key is what re-runs and the geocoder match a door plate by (with its road)."""
    value = normalise(text)
    match = _NUMBER.match(value)
    if not match:
        raise NumberProblem(text)
    main, sub = int(match.group(1)), int(match.group(2) or 0)
    return main, sub, f"{main}-{sub}" if match.group(2) else str(main)


def segment_label(road: str, start: str, end: str) -> str:
    """天马路（银河路—学府路）: the road and the cross streets at its ends, as Chinese addresses name a
    路段; an open end is left blank (天马路（银河路—）)."""
    if not (start or end):
        return road
    return f"{road}（{start}—{end}）"


def door_label(key: str) -> str:
    """The number as a plate shows it: '12-3' → '12-3号'."""
    return f"{key}号"
