"""Read helpers: figures for any period by any dimension, scores, the 红黑榜 of a month.

The API for other modules (big screen, reports):

    metrics(period, by=None, *, user=None, **filters) -> list[Row]
    scores(period, subject, *, user=None, area="street") -> list[Scored]
    ranking(month, subject) -> list[dict]

`period` is a Period or text for periods.parse ("2026-10", "2026-Q3", "2026-W42",
"2026-10-01..2026-10-31", "today"). Counts come from the daily counters (rollup.py), plus the
overdue, unfinished stages read live from the case table (the 应X数 figures).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from civicloop.cases.models import Case, Channel
from civicloop.core.errors import Forbidden, InvalidInput
from civicloop.evaluation import rules
from civicloop.cases.command import district_streets
from civicloop.evaluation.counters import CASE_DIMENSIONS, NAMES, OVERDUE
from civicloop.evaluation.models import DailyCount, GradeBand, Ranking, ScoreConfig
from civicloop.evaluation.periods import Period, parse
from civicloop.geo.models import Division, Grid
from civicloop.org import scoping
from civicloop.org.models import Department, User
from civicloop.org.roles import Role, Scope
from civicloop.taxonomy.models import Category

BY = ("department", "district", "street", "community", "grid", "category", "channel", "actor")
PLACES = ("district", "street", "community", "grid")  # codes nest: a community's code starts with its street's
_PLACE_LENGTH = {"district": 6, "street": 9, "community": 12, "grid": 15}
# A district (区/县, two-level command) is counted as the sum of its streets: the counters are kept per
# street, and a district's code is the first six digits of each of its streets'.
_DISTRICT = "district"


@dataclass
class Row:
    """One key's figures: counts (counters, overdue, 应X数) and rates (percent, 2 places, or None)."""

    key: str
    label: str
    counts: dict[str, int]
    rates: dict[str, Decimal | None]

    def __getitem__(self, name: str):
        return self.counts[name] if name in self.counts else self.rates[name]

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "counts": self.counts,
                "rates": {k: (None if v is None else str(v)) for k, v in self.rates.items()}}


# ---------------------------------------------------------------------------- metrics


def metrics(period: Period | str, by: str | None = None, *, user=None, now: datetime | None = None,
            **filters: str) -> list[Row]:
    """Figures of the period, one Row per key of `by` (None: one row for the whole selection).

    filters: department, street, community, grid, category, channel or actor (one of them, or a
    place inside a coarser place: by="grid", street="532503001"). With `user`, only what that
    staff member's scope covers (Forbidden otherwise)."""
    period = period if isinstance(period, Period) else parse(period)
    filters = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    dim, prefix, exact = _selection(by, filters)
    if user is not None:
        dim, prefix, exact = _scoped(user, by, dim, prefix, exact)
    counts = _rollup(period, dim, prefix, exact)
    overdue = _overdue(period, dim, prefix, exact, now or timezone.now())
    keys = sorted(set(counts) | set(overdue)) or ([exact] if exact is not None else [])
    if by is None:
        keys = [exact if exact is not None else ""]
        counts = {keys[0]: _total(counts.values())}
        overdue = {keys[0]: _total(overdue.values(), names=OVERDUE)}
    names = labels(dim, keys)
    return [_row(key, names.get(key, key), counts.get(key), overdue.get(key)) for key in keys]


def _row(key: str, label: str, counted: dict | None, overdue: dict | None) -> Row:
    figures = {n: int((counted or {}).get(n) or 0) for n in NAMES}
    figures.update({n: int((overdue or {}).get(n) or 0) for n in OVERDUE})
    figures.update(rules.derived(figures))
    return Row(key=key, label=label, counts=figures, rates=rules.rates(figures))


def _total(rows, names=NAMES) -> dict:
    total = dict.fromkeys(names, 0)
    for row in rows:
        for n in names:
            total[n] += int(row.get(n) or 0)
    return total


def _selection(by: str | None, filters: dict) -> tuple[str, str | None, str | None]:
    """(dimension read, key prefix, exact key) for a grouping and its filters."""
    unknown = set(filters) - set(BY)
    if unknown or (by is not None and by not in BY):
        raise InvalidInput.field("by", f"未知的维度 {by or ', '.join(unknown)} / unknown dimension")
    if not filters:
        return (by or "city"), None, (None if by else "")
    if len(filters) == 1:
        (name, value), = filters.items()
        if by is None or by == name:
            return name, None, value
        if by in PLACES and name in PLACES and _PLACE_LENGTH[name] < _PLACE_LENGTH[by]:
            if len(value) != _PLACE_LENGTH[name] or not value.isdigit():
                raise InvalidInput.field(name, f"区划代码应为{_PLACE_LENGTH[name]}位数字 / a {name} code has "
                                               f"{_PLACE_LENGTH[name]} digits")
            return by, value, None
    # The counters are kept per dimension, not per combination of them.
    raise InvalidInput.field("by", "不支持该维度组合（只能按上级区划筛选下级）/ this combination of grouping "
                                   "and filters is not kept; filter a place by a coarser place only")


def _scoped(user, by, dim, prefix, exact):
    """Narrow a selection to the user's scope; anything wider is Forbidden, never silently cut."""
    area = scoping.own_area(user)  # the counters' dimensions are named as the scopes are
    if area is None:
        raise Forbidden("无权查看 / not allowed")
    if area.level == Scope.CITY:
        return dim, prefix, exact
    own_dim, own_key = area.level, area.code
    if dim == "city":
        return own_dim, None, own_key
    whole = exact is None and prefix is None  # "all of them": all of mine
    if dim == own_dim and (whole or exact == own_key):
        return own_dim, None, own_key
    finer = own_dim in PLACES and dim in PLACES and _PLACE_LENGTH[dim] > _PLACE_LENGTH[own_dim]
    if finer and whole:
        return dim, own_key, None
    if finer and (exact or prefix or "").startswith(own_key):
        return dim, prefix, exact
    raise Forbidden("只能查看本人负责范围内的统计 / figures outside your area are not available to you")


def _rollup(period: Period, dim: str, prefix: str | None, exact: str | None) -> dict[str, dict]:
    if dim == _DISTRICT:
        streets = _rollup(period, "street", exact or prefix, None)
        return _by_district(streets, NAMES)
    qs = DailyCount.objects.filter(dim=dim, day__gte=period.start, day__lte=period.end)
    if exact is not None:
        qs = qs.filter(key=exact)
    elif prefix:
        qs = qs.filter(key__startswith=prefix)
    rows = qs.values("key").annotate(**{n: Sum(n) for n in NAMES}).order_by()
    return {r.pop("key"): r for r in rows}


_CASE_FIELD = {"department": "department_id", "channel": "channel", **CASE_DIMENSIONS}
# A place prefix is a whole coarser code: 9 digits a street, 12 a community.
_PLACE_OF_PREFIX = {9: "street_id", 12: "community_id", 15: "grid_id"}


def _overdue(period: Period, dim: str, prefix, exact, now: datetime) -> dict[str, dict]:
    """Stages still unfinished whose deadline fell in the period and has passed (live)."""
    if dim == "actor":
        return {}  # an unfinished stage has no actor yet
    start, end = period.bounds()
    end = min(end, now)
    if end <= start:
        return {}
    if dim == _DISTRICT:
        return _by_district(_overdue(period, "street", exact or prefix, None, now), OVERDUE)
    column = _CASE_FIELD.get(dim)
    out: dict[str, dict] = {}
    for name, (stage, state) in OVERDUE.items():
        qs = Case.objects.filter(kind="open", stage=stage, stage_deadline__gte=start, stage_deadline__lt=end)
        if state:
            qs = qs.filter(state=state)
        if column and exact is not None:
            qs = qs.filter(**{column: exact or None})
        elif column and prefix and len(prefix) == _PLACE_LENGTH[_DISTRICT]:
            qs = qs.filter(street_id__in=district_streets(prefix))
        elif column and prefix:
            qs = qs.filter(**{_PLACE_OF_PREFIX[len(prefix)]: prefix})
        grouped = qs.values(column).annotate(n=Count("id")).order_by() if column else [{"n": qs.count()}]
        for row in grouped:
            key = (row.get(column) if column else "") or ""
            out.setdefault(key, {})[name] = row["n"]
    return out


def _by_district(rows: dict[str, dict], names) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for street, figures in rows.items():
        if not street:
            continue  # a case outside every street belongs to no district
        total = out.setdefault(street[:6], dict.fromkeys(names, 0))
        for n in names:
            total[n] += int(figures.get(n) or 0)
    return out


def labels(dim: str, keys: list[str]) -> dict[str, str]:
    """Display names of keys (Chinese names as stored; '' is 全市 city or 未指定 none)."""
    real = [k for k in keys if k]
    names: dict[str, str] = {"": "全市 city" if dim == "city" else "未指定 none"}
    if dim == "department":
        names.update(Department.objects.filter(code__in=real).values_list("code", "name"))
    elif dim in (_DISTRICT, "street", "community"):
        names.update(Division.objects.filter(code__in=real).values_list("code", "name"))
    elif dim == "grid":
        names.update(Grid.objects.filter(code__in=real).values_list("code", "name"))
    elif dim == "category":
        names.update(Category.objects.filter(code__in=real).values_list("code", "name"))
    elif dim == "channel":
        names.update({k: str(v) for k, v in Channel.choices})
    elif dim == "actor":
        ids = [int(k) for k in real if k.isdigit()]
        names.update({str(pk): str(u) for pk, u in ((u.pk, u) for u in User.objects.filter(pk__in=ids))})
    return names


# ---------------------------------------------------------------------------- scores


@dataclass
class Scored:
    row: Row
    score: Decimal | None
    grade: str | None
    parts: dict[str, Decimal | None] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {**self.row.as_dict(), "score": None if self.score is None else str(self.score), "grade": self.grade,
                "parts": {k: (None if v is None else str(v)) for k, v in self.parts.items()}}


STAFF_SUBJECTS = {"inspector": (Role.INSPECTOR, Role.GRID_WORKER), "operator": (Role.OPERATOR,),
                  "shift_leader": (Role.SHIFT_LEADER,), "dispatcher": (Role.DISPATCHER,)}
SUBJECTS = (*STAFF_SUBJECTS, "department", "area")


def score_rule(subject: str) -> tuple[dict, list]:
    """(weights, bands) from the admin's ScoreConfig, or domain.md's defaults."""
    config = ScoreConfig.objects.filter(subject=subject).first()
    if config is not None:
        return config.weights, config.bands
    return rules.DEFAULTS[subject]


def grade_scale() -> list[tuple[str, Decimal]]:
    bands = list(GradeBand.objects.order_by("-min_score").values_list("letter", "min_score"))
    return bands or rules.GRADES


def scores(period: Period | str, subject: str, *, user=None, area: str = "street",
           now: datetime | None = None) -> list[Scored]:
    """Weighted scores and grades (domain.md §4) of every staff member, department or area."""
    if subject not in SUBJECTS:
        raise InvalidInput.field("subject", f"未知的评价对象 {subject} / unknown subject")
    period = period if isinstance(period, Period) else parse(period)
    if subject == "department":
        rows = [r for r in metrics(period, "department", user=user, now=now) if r.key]
    elif subject == "area":
        if area not in PLACES:
            raise InvalidInput.field("area", "区域须为 district、street、community 或 grid / area is district, street, community or grid")
        rows = [r for r in metrics(period, area, user=user, now=now) if r.key]
    else:
        rows = _staff_rows(period, subject, user, now)
    weights, bands = score_rule(subject)
    scale = grade_scale()
    out = []
    for row in rows:
        result = rules.score(subject, row.counts, row.rates, weights=weights, bands=bands, scale=scale)
        out.append(Scored(row=row, score=result.score, grade=result.grade, parts=result.parts))
    return out


def _staff_rows(period: Period, subject: str, user, now) -> list[Row]:
    if user is not None and getattr(user, "scope", None) != Scope.CITY:
        raise Forbidden("人员考核仅限全市范围的工作人员 / staff scores are for city-wide staff")
    people = {str(u.pk): u for u in User.objects.filter(role__in=STAFF_SUBJECTS[subject])}
    rows = [r for r in metrics(period, "actor", now=now) if r.key in people]
    known = {r.key for r in rows}
    rows += [_row(k, str(people[k]), None, None) for k in people if k not in known and subject == "inspector"]
    if subject == "inspector":
        _missed_from_area(period, rows, people, now)
    return sorted(rows, key=lambda r: r.key)


def _missed_from_area(period: Period, rows: list[Row], people: dict, now) -> None:
    """漏报率 is a property of the inspector's area: the share of its reports not made by patrols."""
    for row in rows:
        person = people[row.key]
        place = {Scope.STREET: ("street", person.scope_division_id),
                 Scope.COMMUNITY: ("community", person.scope_division_id),
                 Scope.GRID: ("grid", person.scope_grid_id)}.get(person.scope)
        value = None
        if place and place[1]:
            value = metrics(period, now=now, **{place[0]: place[1]})[0].rates["missed_rate"]
        row.rates["missed_rate"] = value


# ---------------------------------------------------------------------------- 红黑榜


def ranking(month: Period | str, subject: str, *, area: str = "street", now: datetime | None = None) -> list[dict]:
    """The month's ranking of departments or areas (streets by default, districts for a city with
    district centres) by score, best first (equal scores share a rank; ties broken for display by
    按期结案率 then code). Units with nothing to score are left out."""
    period = month if isinstance(month, Period) else parse(month)
    scored = scores(period, "department" if subject == "department" else "area", area=area, now=now)
    scored = [s for s in scored if s.score is not None]
    scored.sort(key=lambda s: (-s.score, -(s.row.rates["close_on_time_rate"] or 0), s.row.key))
    out, rank = [], 0
    for i, s in enumerate(scored):
        if i == 0 or s.score != scored[i - 1].score:
            rank = i + 1
        out.append({"rank": rank, "key": s.row.key, "label": s.row.label, "score": str(s.score), "grade": s.grade,
                    "parts": {k: (None if v is None else str(v)) for k, v in s.parts.items()},
                    "figures": {k: s.row.counts[k] for k in RANKING_FIGURES},
                    "rates": {k: _str(s.row.rates[k]) for k in RANKING_RATES}})
    return out


RANKING_FIGURES = ("reported", "dispatched", "handled", "should_close", "closed", "closed_on_time", "reworked")
RANKING_RATES = ("close_rate", "close_on_time_rate", "handle_on_time_rate", "rework_rate")


def _str(value):
    return None if value is None else str(value)


def red_and_black(rows: list[dict], size: int) -> tuple[list[dict], list[dict]]:
    """红榜 the best `size`, 黑榜 the worst `size` (never the same unit on both)."""
    size = max(0, min(size, len(rows) // 2))
    return rows[:size], list(reversed(rows[-size:])) if size else []


def published(subject: str | None = None):
    qs = Ranking.objects.filter(published_at__isnull=False)
    return qs.filter(subject=subject) if subject else qs

