"""Routing as data plus one pure function: which department a case goes to, and why.

A rule names a department for a category (or a category group, i.e. the major class) in an area
(a street, a community or a unit grid; empty = the whole city), optionally only for urgent cases
(priority at least N) or supervised (督办) ones. The administrators' rules come first, the most
specific matching one winning:

1. overrides first: a rule with a priority or a supervision condition beats one without;
2. then the category: an exact category beats a category group, which beats "any category";
3. then the area: a grid beats a community, which beats a street, which beats the whole city;
4. equal rules: the lower id (the older rule).

When none matches, the taxonomy's category × street route, then the category's default
department (the configuration that existed before these rules) decide.

Category first, area second: the category says which kind of unit can do the work (water,
sanitation, traffic), the area picks which of them. No ORM here; queries.py feeds it rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Where a rule comes from; the order breaks ties between otherwise equal rules.
ADMIN, STREET_ROUTE, CATEGORY_DEFAULT = "rule", "street_route", "category_default"
SOURCE_RANK = {ADMIN: 0, STREET_ROUTE: 1, CATEGORY_DEFAULT: 2}

# Why a rule did not apply (the console translates these).
NOT_CATEGORY, NOT_GROUP, NOT_AREA, NOT_PRIORITY, NOT_SUPERVISED = (
    "category", "group", "area", "priority", "supervised")

AREA_LEVELS = {0: 0, 9: 1, 12: 2, 15: 3}  # code length → how specific (city, street, community, grid)


@dataclass(frozen=True)
class Rule:
    key: int | str
    department: str
    category: str = ""  # a 5-digit category code; "" = any
    group: str = ""  # a 2-digit major class; "" = any
    area: str = ""  # a street (9), community (12) or grid (15) code; "" = the whole city
    min_priority: int | None = None  # only cases at least this urgent (1 normal … 3 critical)
    supervised_only: bool = False  # only supervised (督办) cases
    source: str = ADMIN
    note: str = ""

    def specificity(self) -> tuple[int, int, int]:
        overrides = (self.min_priority is not None) + self.supervised_only
        category = 2 if self.category else 1 if self.group else 0
        return overrides, category, AREA_LEVELS.get(len(self.area), 0)

    def order(self) -> tuple:
        over, cat, area = self.specificity()
        return SOURCE_RANK.get(self.source, 9), -over, -cat, -area, str(self.key).zfill(12)


@dataclass(frozen=True)
class Facts:
    """What routing looks at in a case (or in a sample the administrator makes up)."""

    category: str | None
    grid: str = ""
    priority: int = 1
    supervised: bool = False

    @property
    def community(self) -> str:
        return self.grid[:12]

    @property
    def street(self) -> str:
        return self.grid[:9]


@dataclass(frozen=True)
class Decision:
    department: str | None
    rule: Rule | None
    # Every rule looked at, most specific first, with None when it matched or the reason it did not.
    trace: list[tuple[Rule, str | None]] = field(default_factory=list)


def why_not(rule: Rule, facts: Facts) -> str | None:
    """None when the rule applies to these facts, else the first condition that fails."""
    category = facts.category or ""
    if rule.category and rule.category != category:
        return NOT_CATEGORY
    if rule.group and not category.startswith(rule.group):
        return NOT_GROUP
    if rule.area and not facts.grid.startswith(rule.area):
        return NOT_AREA  # grid codes begin with their community's and street's codes
    if rule.min_priority is not None and facts.priority < rule.min_priority:
        return NOT_PRIORITY
    if rule.supervised_only and not facts.supervised:
        return NOT_SUPERVISED
    return None


def decide(rules: Iterable[Rule], facts: Facts) -> Decision:
    """The most specific matching rule's department (None when no rule matches)."""
    trace = [(rule, why_not(rule, facts)) for rule in sorted(rules, key=Rule.order)]
    winner = next((rule for rule, reason in trace if reason is None), None)
    return Decision(winner.department if winner else None, winner, trace)


def candidates(rules: Iterable[Rule], facts: Facts) -> list[Rule]:
    """Only the rules that could apply to the category (what a lookup needs to look at)."""
    category = facts.category or ""
    return [r for r in rules if (not r.category or r.category == category)
            and (not r.group or category.startswith(r.group))]


def rule_problem(*, category: str, group: str, area: str, min_priority: int | None) -> str | None:
    """A bilingual message when a rule's fields cannot make sense together, else None."""
    if category and group:
        return "事项和事项大类只填一项 / name a category or a category group, not both"
    if group and not (len(group) == 2 and group.isdigit()):
        return "事项大类为两位数字 / a category group is two digits"
    if area and (not area.isdigit() or len(area) not in (9, 12, 15)):
        return "区域须为街道(9位)、社区(12位)或网格(15位)编码 / the area is a street, community or grid code"
    if min_priority is not None and min_priority not in (2, 3):
        return "优先级条件为 2（紧急）或 3（特急）/ the priority condition is 2 (urgent) or 3 (critical)"
    return None
