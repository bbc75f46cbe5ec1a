"""Demo routing rules for 蒙自: an urgent manhole goes straight to the works company, supervised
street-scene cases to the city management bureau, street order in the old town to 文澜's office."""
from __future__ import annotations

from civicloop.routing.models import RoutingRule

WENLAN = "532503001"
RULES = [  # (category, group, area, min_priority, supervised_only, department, note)
    ("01001", "", "", 3, False, "szgs", "特急供水井盖：市政公司先行抢修"),
    ("", "06", "", None, True, "cgj", "督办的市容环境案件由城管局直接办理"),
    ("", "09", WENLAN, None, False, f"jd-{WENLAN}", "老城区街面秩序由文澜街道办处置"),
]


def seed(stdout) -> None:
    made = 0
    for category, group, area, priority, supervised, department, note in RULES:
        _rule, created = RoutingRule.objects.get_or_create(
            category_id=category or None, category_group=group, area=area, min_priority=priority,
            supervised_only=supervised, defaults={"department_id": department, "note": note})
        made += created
    stdout.write(f"  派遣规则 routing rules: {made} new\n")
