"""Read side of routing: the rules cached per process (kept in step by a revision), and the
decision for a case or a made-up sample."""
from __future__ import annotations

from civicloop.core.revisions import RevisionCache
from civicloop.routing import rules
from civicloop.routing.models import RoutingRule
from civicloop.taxonomy.queries import config

REVISION = "routing"


def _load() -> list[rules.Rule]:
    return [r.as_rule() for r in RoutingRule.objects.filter(active=True, department__active=True)]


_cache: RevisionCache[list[rules.Rule]] = RevisionCache(REVISION, _load)


def admin_rules() -> list[rules.Rule]:
    return _cache.get()


def all_rules(category: str | None) -> list[rules.Rule]:
    """The administrators' rules plus the taxonomy's street routes and the category's default,
    as rules, so one function decides and one trace explains."""
    cfg = config()
    found = list(admin_rules())
    if category:
        for (code, street), department in cfg.routes.items():
            if code == category:
                found.append(rules.Rule(key=f"{code}@{street}", department=department, category=code, area=street,
                                        source=rules.STREET_ROUTE))
        info = cfg.categories.get(category)
        if info and info.department_id:
            found.append(rules.Rule(key=code_key(category), department=info.department_id, category=category,
                                    source=rules.CATEGORY_DEFAULT))
    return found


def code_key(category: str) -> str:
    return f"{category}*"


def facts_of(case) -> rules.Facts:
    return rules.Facts(category=case.category_id, grid=case.grid_id or "", priority=int(case.priority or 1),
                       supervised=bool(case.supervised))


def decide(facts: rules.Facts) -> rules.Decision:
    return rules.decide(rules.candidates(all_rules(facts.category), facts), facts)


def department_for(case) -> str | None:
    """RoutingConfig.department_router: cases.services.suggest_department (and so a dispatch naming no department)."""
    if not case.category_id:
        return None
    return decide(facts_of(case)).department
