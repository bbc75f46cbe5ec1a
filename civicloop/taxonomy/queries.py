"""Read side of the local configuration, cached per process and kept in step by a revision."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from civicloop.core.revisions import RevisionCache
from civicloop.lib.workcal import Limit, Unit, WorkCalendar, official_year_known
from civicloop.taxonomy.models import CalendarDay, CalendarYear, Category, DepartmentRoute, TimeLimit

REVISION = "taxonomy"

# Used only when the city has not configured a stage at all (a migration seeds these as rows).
FALLBACK_LIMITS: dict[str, Limit] = {
    "verify": Limit(0.5, Unit.WORK_HOURS),
    "file": Limit(0.5, Unit.WORK_HOURS),
    "dispatch": Limit(0.5, Unit.WORK_HOURS),
    "handle": Limit(1, Unit.WORK_DAYS),
    "check": Limit(0.5, Unit.WORK_HOURS),
    "close": Limit(1, Unit.WORK_HOURS),
}


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name: str
    major_name: str
    department_id: str | None
    priority: int
    active: bool
    allow_anonymous: bool
    keywords: tuple[str, ...] = ()


@dataclass
class TaxonomyConfig:
    categories: dict[str, CategoryInfo] = field(default_factory=dict)
    routes: dict[tuple[str, str], str] = field(default_factory=dict)
    limits: dict[tuple[str | None, str, str], Limit] = field(default_factory=dict)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    arrangements: dict[int, bool] = field(default_factory=dict)  # entered year → confirmed

    def limit(self, category: str | None, condition: str, stage: str) -> Limit:
        for key in ((category, condition, stage), (category, "", stage), (None, condition, stage), (None, "", stage)):
            if key in self.limits:
                return self.limits[key]
        return FALLBACK_LIMITS[stage]

    def department_for(self, category: str | None, street: str | None) -> str | None:
        """Routing: category × street rule first, then the category's default department."""
        if category is None:
            return None
        routed = self.routes.get((category, street or ""))
        if routed:
            return routed
        info = self.categories.get(category)
        return info.department_id if info else None


def _load() -> TaxonomyConfig:
    arrangements = dict(CalendarYear.objects.values_list("year", "confirmed"))
    config = TaxonomyConfig(calendar=_calendar(CalendarDay, arrangements), arrangements=arrangements)
    for c in Category.objects.all():
        config.categories[c.code] = CategoryInfo(
            c.code, c.name, c.major_name, c.department_id, c.priority, c.active, c.allow_anonymous,
            tuple(k.strip() for k in c.keywords.replace("，", ",").split(",") if k.strip()),
        )
    for r in DepartmentRoute.objects.all():
        config.routes[(r.category_id, r.street_id)] = r.department_id
    for t in TimeLimit.objects.all():
        config.limits[(t.category_id, t.condition, t.stage)] = Limit(float(Decimal(t.amount)), Unit(t.unit))
    return config


def _calendar(CalendarDay, arrangements: dict[int, bool]) -> WorkCalendar:
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    return WorkCalendar(
        periods=WorkCalendar.parse_periods(settings.WORK_PERIODS), overrides=overrides,
        arranged_years=frozenset(arrangements), tz=settings.TIME_ZONE,
    )


_cache: RevisionCache[TaxonomyConfig] = RevisionCache(REVISION, _load)


def config() -> TaxonomyConfig:
    return _cache.get()


def today() -> date:
    """The city's date: the one seam tests replace to see the calendar warning on a given day."""
    return timezone.localdate()


@dataclass(frozen=True)
class CalendarStatus:
    year: int  # the year looked ahead to
    ok: bool
    reason: str  # "" | "missing" | "draft"

    @property
    def problem(self) -> str:
        if self.reason == "missing":
            return f"the holiday arrangement for {self.year} is not entered"
        if self.reason == "draft":
            return f"the holiday arrangement for {self.year} is entered but not confirmed"
        return ""


# From this month on, next year's arrangement is due: the State Council publishes it in the autumn.
WARN_FROM_MONTH = 11


def calendar_status(on: date | None = None) -> CalendarStatus:
    """Whether the coming year's holiday arrangement is known, as of `on` (default: today).

    Checked from 1 November; a year is known when its entered arrangement is confirmed or when
    the chinesecalendar package has it.
    """
    on = on or today()
    year = on.year + 1 if on.month >= WARN_FROM_MONTH else on.year
    entered = config().arrangements.get(year)
    if entered or (entered is None and official_year_known(year)):
        return CalendarStatus(year, True, "")
    return CalendarStatus(year, False, "draft" if entered is False else "missing")


def suggest_categories(text: str, *, limit: int = 3) -> list[tuple[CategoryInfo, float]]:
    """Categories whose keywords or name occur in the text, best first, with a 0–1 share.

    A plain match is enough until the trained classifier replaces it: longer matched
    words weigh more, the category's own name counts like a keyword.
    """
    text = (text or "").strip()
    if not text:
        return []
    scores: dict[str, float] = {}
    for info in config().categories.values():
        if not info.active:
            continue
        words = set(info.keywords) | {info.name, info.name.removesuffix("异常").removesuffix("问题")}
        score = sum(len(w) for w in words if len(w) >= 2 and w in text)
        if score:
            scores[info.code] = score
    total = sum(scores.values())
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(config().categories[code], round(score / total, 2)) for code, score in best]
