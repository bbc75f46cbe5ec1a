"""Pure rules of the registry: ids, keepers' titles, what a case does to a facility's state."""
from __future__ import annotations

from civicloop.lib import codes

# 安宁's 所长制 / 桶长制 / 台长制: the keeper's title follows the component (GB/T 47678.5 codes).
KEEPER_TITLES = {
    "03001": "所长",  # 公共厕所
    "03005": "桶长",  # 垃圾箱
    "03004": "桶长",  # 垃圾间（楼）
}
HAND_WASH_WORDS = ("洗手",)


def keeper_title(component_code: str, component_name: str = "") -> str:
    if component_code in KEEPER_TITLES:
        return KEEPER_TITLES[component_code]
    if any(word in component_name for word in HAND_WASH_WORDS):
        return "台长"
    return "管护人"


def facility_id_problem(code: str, *, county: str, components: set[str] | frozenset[str]) -> str | None:
    """None when `code` is a valid 17-digit 部件标识码 of this county for a known component type."""
    problem = codes.component_id_problem(code)
    if problem:
        return problem
    if code[:6] != county:
        return f"标识码前6位应为本市区划代码{county} / the first 6 digits must be this county's code {county}"
    if code[6:11] not in components:
        return f"部件代码{code[6:11]}不在GB/T 47678.5部件目录中 / component {code[6:11]} is not in the standard's list"
    return None


def split_id(code: str) -> dict:
    return {"division": code[:6], "major": code[6:8], "component": code[6:11], "serial": int(code[11:])}


def next_id(county: str, component: str, highest: str | None) -> str:
    """The next serial after the highest id in use for this county and component."""
    serial = int(highest[11:]) + 1 if highest else 1
    if serial > 999_999:
        raise ValueError("部件序号已用尽 / no serials left for this component")
    return codes.component_id(county, component, serial)


def matter_for(component_code: str) -> str:
    """The matching 事项 "<component>异常": matters 01–05 share their component's code (GB/T 47678.5)."""
    return component_code


def state_when_case_opens(state: str) -> str:
    """A report about an intact facility marks it damaged; lost, scrapped or removed stay as they are."""
    return "damaged" if state == "intact" else state


def state_when_cases_close(state: str, *, still_open: int) -> str:
    """The last open case about a damaged facility closing means it was repaired."""
    return "intact" if state == "damaged" and still_open == 0 else state
