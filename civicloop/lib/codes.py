"""The codes of the trade: divisions, unit grids, categories, case references."""
from __future__ import annotations

import re
from datetime import date

_DIGITS = re.compile(r"^\d+$")


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


def case_reference(city_code: str, day: date, serial: int) -> str:
    """Human-readable and sortable: 532503-20261122-000123."""
    return f"{city_code}-{day:%Y%m%d}-{serial:06d}"


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
