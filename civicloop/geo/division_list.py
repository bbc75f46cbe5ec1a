"""The national division list shipped with civicloop (data/china_division, README there): read, not stored.

Pure Python, no Django. Each division's level follows from its code's length (codes.LEVEL_DIGITS)
and its parent is the nearest shorter code in the list. The list's city level has placeholders
where there is no prefecture-level city: 市辖区 and 县 of the four municipalities (1101 北京市 市辖区)
and the 省/自治区直辖县级行政区划 (4190 holds 济源市 419001). They are skipped, so Beijing's districts
hang under the province 11, and 济源市 under 41.
"""
from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from civicloop.lib import codes

DATA_DIR = Path(__file__).parent / "data" / "china_division"
# Per level: the file, read plain or gzip-compressed, whichever is shipped.
FILES = {"province": "provinces.csv", "prefecture": "cities.csv", "county": "areas.csv",
         "street": "streets.csv", "community": "villages.csv"}
PLACEHOLDER_CITIES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
NAME_MAX = 60  # Division.name


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    level: str
    parent: str | None


class UnknownCode(ValueError):
    pass


def _open(name: str, data_dir: Path) -> io.TextIOBase:
    path = data_dir / name
    if path.exists():
        return path.open(encoding="utf-8", newline="")
    return gzip.open(data_dir / f"{name}.gz", "rt", encoding="utf-8", newline="")


def _rows(level: str, prefix: str, data_dir: Path) -> Iterator[tuple[str, str]]:
    """(code, name) of one level's file under `prefix`; lines are skipped by their start before
    the CSV parser sees them (the village file has 620,000 of them)."""
    with _open(FILES[level], data_dir) as f:
        header = next(f)
        wanted = (line for line in f if line.startswith(prefix))
        for row in csv.DictReader(wanted, fieldnames=next(csv.reader([header]))):
            yield row["code"], row["name"].strip()[:NAME_MAX]


def entries_under(code: str, *, data_dir: Path = DATA_DIR) -> list[Entry]:
    """The division `code` and everything below it, parents before children. Raises UnknownCode
    for a code the list does not have, or a placeholder with a word on which code to use."""
    root_level = codes.division_level(code)
    if root_level is None:
        raise UnknownCode(f"区划代码应为2、4、6、9或12位数字：{code} / a division code is 2, 4, 6, 9 or 12 digits")
    depth = list(codes.LEVEL_DIGITS)
    found: dict[str, tuple[str, str]] = {}
    for level in depth[depth.index(root_level):]:
        for row_code, name in _rows(level, code, data_dir):
            if level == root_level and row_code != code:
                continue
            if level == "prefecture" and name in PLACEHOLDER_CITIES:
                if row_code == code:
                    raise UnknownCode(_placeholder_message(code, name))
                continue
            found[row_code] = (name, level)
    if code not in found:
        raise UnknownCode(f"全国区划表中没有代码 {code} / no division {code} in the national list")
    return [Entry(c, name, level, _parent(c, found, root=code)) for c, (name, level) in found.items()]


def _parent(code: str, found: dict, *, root: str) -> str | None:
    """The nearest shorter code in the list (a placeholder city is not in it), None for the root."""
    if code == root:
        return None
    for digits in (9, 6, 4, 2):
        if digits < len(code) and code[:digits] in found:
            return code[:digits]
    return None


def _placeholder_message(code: str, name: str) -> str:
    province = code[:2]
    return (f"{code}是全国区划表中的“{name}”，不是一个地级市；请用省级代码{province}或其下的区县代码 / "
            f"{code} is the list's placeholder “{name}”, not a city: use the province {province} or a county under it")
