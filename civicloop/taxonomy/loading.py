"""Loads the GB/T 47678.5-2026 list shipped with the package. Idempotent: re-runs update in place."""
from __future__ import annotations

import csv
from importlib import resources

STANDARD_FILE = "gbt47678_5.csv"
DEFAULT_LIMITS = [  # (stage, amount, unit): a city-wide starting point each city edits in the admin
    ("verify", "0.5", "WH"),
    ("file", "0.5", "WH"),
    ("dispatch", "0.5", "WH"),
    ("handle", "1", "WD"),
    ("check", "0.5", "WH"),
    ("close", "1", "WH"),
]
COMPONENT, MATTER = "管理部件", "管理事项"


def standard_rows() -> list[dict[str, str]]:
    with resources.files("civicloop.taxonomy").joinpath("data", STANDARD_FILE).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_standard(Component, Category) -> tuple[int, int]:
    """Takes the model classes so a data migration can pass its historical models."""
    rows = standard_rows()
    components = [r for r in rows if r["kind"] == COMPONENT]
    matters = [r for r in rows if r["kind"] == MATTER]
    for r in components:
        Component.objects.update_or_create(
            code=r["code"], defaults={"major_code": r["major_code"], "major_name": r["major_name"], "name": r["name"]}
        )
    component_codes = {r["code"] for r in components}
    for r in matters:
        # Matters 01–05 are "<component>异常" and share the component's code.
        component = r["code"] if r["major_code"] <= "05" and r["code"] in component_codes else None
        Category.objects.update_or_create(
            code=r["code"],
            defaults={"major_code": r["major_code"], "major_name": r["major_name"], "name": r["name"],
                      "component_id": component, "is_local": False},
        )
    return len(components), len(matters)


def ensure_default_limits(TimeLimit) -> None:
    for stage, amount, unit in DEFAULT_LIMITS:
        TimeLimit.objects.get_or_create(category=None, condition="", stage=stage,
                                        defaults={"amount": amount, "unit": unit})
