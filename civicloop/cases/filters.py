"""The case list's filter: one set of parameter names and checks for the API (GET /api/cases) and the
console's 案件查询 list and its export. The API reads it as Ninja query parameters; the console's form
builds it from its fields. Either way `problems()` names every bad value at once, and `cases(user)`
applies it to the cases the user may see (org.scoping, through Case.objects.visible_to).
"""
from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import FilterSchema

from civicloop.cases.models import Case, Channel
from civicloop.cases.rules import Kind, Pending, State
from civicloop.core.errors import InvalidInput
from civicloop.org.models import Department
from civicloop.taxonomy.queries import config

LIGHTS = ("green", "yellow", "red")
ANY_REQUEST = "any"  # pending=any: waiting for any approval
Q_MAX = 100


class CaseFilter(FilterSchema):
    state: str | None = None  # one state or several, comma-separated
    kind: str | None = None
    category: str | None = None
    grid: str | None = None
    community: str | None = None
    street: str | None = None
    road: str | None = None
    department: str | None = None
    channel: str | None = None
    light: str | None = None
    supervised: bool | None = None
    pending: str | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    q: str | None = None

    # -- checks shared by both readers

    def problems(self) -> list[dict]:
        """Every bad value as {field, message}, in the reader's language; [] when all are good."""
        found = [self._state_problem(), self._choice("kind", Kind.values, _("unknown kind: open, closed or void")),
                 self._choice("light", LIGHTS, _("light must be green, yellow or red")),
                 self._choice("channel", Channel.values, _("unknown channel")),
                 self._choice("pending", [ANY_REQUEST, *Pending.values], _("unknown kind of request")),
                 self._category_problem(), self._department_problem(), self._dates_problem()]
        return [problem for problem in found if problem]

    def _choice(self, field: str, allowed, message: str) -> dict | None:
        value = getattr(self, field)
        return {"field": field, "message": message} if value and value not in allowed else None

    def _state_problem(self) -> dict | None:
        unknown = [s for s in self.states() if s not in State.values]
        if not unknown:
            return None
        return {"field": "state", "message": _("unknown state %(states)s") % {"states": ",".join(unknown)}}

    def _category_problem(self) -> dict | None:
        if not self.category or self.category in config().categories:
            return None
        return {"field": "category", "message": _("unknown category")}

    def _department_problem(self) -> dict | None:
        if not self.department or Department.objects.filter(code=self.department).exists():
            return None
        return {"field": "department", "message": _("unknown department")}

    def _dates_problem(self) -> dict | None:
        if self.reported_from and self.reported_to and self.reported_to < self.reported_from:
            return {"field": "reported_to", "message": _("the end is before the start")}
        return None

    def states(self) -> list[str]:
        return [s.strip() for s in (self.state or "").split(",") if s.strip()]

    # -- the query

    def cases(self, user) -> QuerySet:
        """The user's cases that pass the filter; InvalidInput (every bad value) when one does not."""
        problems = self.problems()
        if problems:
            raise InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems), errors=problems)
        return self.filter(Case.objects.visible_to(user))

    def filter_state(self, value: str | None) -> Q:
        return Q(state__in=self.states()) if self.states() else Q()

    def filter_kind(self, value: str | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_channel(self, value: str | None) -> Q:
        return Q(channel=value) if value else Q()

    def filter_category(self, value: str | None) -> Q:
        return Q(category_id=value) if value else Q()

    def filter_grid(self, value: str | None) -> Q:
        return Q(grid_id=value) if value else Q()

    def filter_community(self, value: str | None) -> Q:
        return Q(community_id=value) if value else Q()

    def filter_street(self, value: str | None) -> Q:
        return Q(street_id=value) if value else Q()

    def filter_road(self, value: str | None) -> Q:
        return Q(road_code=value.strip()) if value and value.strip() else Q()

    def filter_department(self, value: str | None) -> Q:
        return Q(department_id=value) if value else Q()

    def filter_pending(self, value: str | None) -> Q:
        if not value:
            return Q()
        return ~Q(pending="") if value == ANY_REQUEST else Q(pending=value)

    def filter_light(self, value: str | None) -> Q:
        # Only a running clock has a deadline (closed, void and paused cases have none), so the
        # deadline columns alone select open cases; adding kind misleads PostgreSQL's estimates.
        now = timezone.now()
        return {"red": Q(stage_deadline__lt=now), "yellow": Q(stage_warn_at__lte=now, stage_deadline__gte=now),
                "green": Q(stage_warn_at__gt=now)}.get(value or "", Q())

    def filter_reported_from(self, value: date | None) -> Q:
        return Q(reported_at__gte=_local(value, time.min)) if value else Q()

    def filter_reported_to(self, value: date | None) -> Q:
        return Q(reported_at__lt=_local(value, time.max)) if value else Q()

    def filter_q(self, value: str | None) -> Q:
        text = (value or "").strip()[:Q_MAX]
        if not text:
            return Q()
        return Q(reference=text) | Q(description__icontains=text) | Q(address__icontains=text)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
