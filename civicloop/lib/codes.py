"""The codes of the trade: divisions, unit grids, categories, case references."""
from __future__ import annotations

import re
from datetime import date

_DIGITS = re.compile(r"^\d+$")


# GB/T 2260 + 统计用区划代码: a division's level is told by its code's length.
LEVEL_DIGITS = {"province": 2, "prefecture": 4, "county": 6, "street": 9, "community": 12}
LEVEL_OF_DIGITS = {digits: level for level, digits in LEVEL_DIGITS.items()}
ROOT_LEVELS = ("province", "prefecture", "county")  # what a deployment's jurisdiction may be


def division_level(code: str) -> str | None:
    """"province" … "community" for a well-formed division code, else None."""
    if not _DIGITS.match(code or ""):
        return None
    return LEVEL_OF_DIGITS.get(len(code))


def jurisdiction_code_problem(code: str) -> str | None:
    """None when `code` can be a deployment's root: a province (2 digits), a prefecture-level city (4)
    or a county-level unit (6)."""
    if division_level(code) not in ROOT_LEVELS:
        return "辖区代码应为2、4或6位数字 / a jurisdiction code is 2, 4 or 6 digits"
    return None


def county_of(code: str) -> str:
    """The 6-digit county code (GB/T 2260) of a county, street, community or grid code: references
    and facility ids are prefixed with the county where the case or facility is."""
    if not (_DIGITS.match(code or "") and len(code) >= 6):
        raise ValueError(f"no county in code {code!r}")
    return code[:6]


def street_kind(street_code: str) -> str:
    """The 3 street digits say 街道 (000–099), 镇 (100–199) or 乡 (200–299)."""
    n = int(street_code[6:9])
    return "街道" if n < 100 else "镇" if n < 200 else "乡"


def grid_code_problem(code: str, *, community_code: str = "") -> str | None:
    """None when the 15-character unit grid id is well formed (6 county + 3 street + 3 community + 3 serial)."""
    if not (_DIGITS.match(code or "") and len(code) == 15):
        return "网格编码应为15位数字 / a grid code is 15 digits"
    if code.endswith("000"):
        return "网格序号不能为000 / the grid serial cannot be 000"
    if community_code and not code.startswith(community_code):
        return "网格编码须以所属社区代码开头 / a grid code starts with its community's code"
    return None


def category_code_problem(code: str) -> str | None:
    """GB/T 47678.5: 5 digits = 2 major + 3 minor."""
    if not (_DIGITS.match(code or "") and len(code) == 5):
        return "分类代码应为5位数字 / a category code is 5 digits"
    return None


def case_reference(county_code: str, day: date, serial: int) -> str:
    """Human-readable and sortable: 532503-20261122-000123, the county being where the case is."""
    return f"{county_code}-{day:%Y%m%d}-{serial:06d}"


def component_id(division: str, component: str, serial: int) -> str:
    """部件标识码 (GB/T 47678.5): 17 digits = 6 division + 5 component (2 major + 3 minor) + 6 serial."""
    return f"{division}{component}{serial:06d}"


def component_id_problem(code: str) -> str | None:
    """None when the 17-digit component instance id is well formed; which county and which component
    it names is for the caller to check against the city and the taxonomy."""
    if not (_DIGITS.match(code or "") and len(code) == 17):
        return "部件标识码应为17位数字 / a component id is 17 digits"
    if not "01" <= code[6:8] <= "05":
        return "部件大类应为01–05 / the component's major class is 01–05"
    if code.endswith("000000"):
        return "部件序号不能为000000 / the serial cannot be 000000"
    return None


def upgrade_legacy_component_id(code: str) -> str:
    """GB/T 30428.2-2013 ids are 16 digits (6 + 2 + 2-digit minor + 6): the minor class gains a leading 0."""
    if not (_DIGITS.match(code or "") and len(code) == 16):
        return code
    return f"{code[:8]}0{code[8:]}"
