"""Two-level command (两级监督、两级指挥): which centre runs a stage of a case.

A jurisdiction above county level (a prefecture-level city with districts) has a city centre and may
give some districts their own command centre (org.CommandCentre). A case's district is the county
part of its street code. For a district with an active centre, the stages the city has not kept for
itself (CIVICLOOP_CITY_STAGES) are run there, by staff whose scope is that district; the city centre
sees those cases, supervises (督办) them and can take one over, after which the city runs it. A
district without a centre, or a stage the city keeps, is run by city-wide staff. Field work (sign,
handle, check, verify) is not a centre's and follows the unit and the area as always.

Presets: 两级监督两级指挥 — CITY_STAGES empty (districts file, dispatch, decide and close);
一级监督两级指挥 — CITY_STAGES = intake,close (the city files and closes, districts dispatch).
"""
from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from civicloop.cases.rules import Action
from civicloop.core.revisions import RevisionCache
from civicloop.org.models import CommandCentre
from civicloop.org.roles import Scope
from civicloop.org.scoping import district_streets
from civicloop.org.signals import COMMAND_CENTRES

STAGES = ("intake", "dispatch", "close")
# The actions a command centre takes, by stage. Everything else is field or unit work.
STAGE_OF = {
    Action.REQUEST_VERIFICATION: "intake", Action.FILE: "intake", Action.NOT_FILE: "intake",
    Action.MERGE: "intake",
    Action.DISPATCH: "dispatch", Action.REASSIGN: "dispatch", Action.RESUME: "dispatch",
    Action.APPROVE_RETURN: "dispatch", Action.DENY_RETURN: "dispatch",
    Action.APPROVE_EXTENSION: "dispatch", Action.DENY_EXTENSION: "dispatch",
    Action.APPROVE_SUSPENSION: "dispatch", Action.DENY_SUSPENSION: "dispatch",
    Action.CLOSE: "close", Action.APPROVE_VOID: "close", Action.DENY_VOID: "close", Action.REOPEN: "close",
}


# ---------------------------------------------------------------------------- the rule (pure)


def runs_at_city(stage: str, *, city_stages, district_has_centre: bool, taken_over: bool) -> bool:
    return stage in city_stages or not district_has_centre or taken_over


def may_act(scope: str, action: str, *, city_stages, district_has_centre: bool, taken_over: bool) -> bool:
    """City-wide staff act on what the city runs, district staff on what their district runs; staff of a
    street, community, grid or department are not a centre and act as their area and role allow."""
    stage = STAGE_OF.get(action)
    if stage is None or scope not in (Scope.CITY, Scope.DISTRICT):
        return True
    at_city = runs_at_city(stage, city_stages=city_stages, district_has_centre=district_has_centre,
                           taken_over=taken_over)
    return at_city if scope == Scope.CITY else not at_city


def district_of(street_code: str | None) -> str | None:
    return street_code[:6] if street_code else None


def department_district(department) -> str | None:
    """The district a department belongs to: its division's county (a district bureau names its county,
    a street office its street); None for the city's own departments."""
    return department.division_id[:6] if department and department.division_id else None


# ---------------------------------------------------------------------------- the data


def _load() -> dict[str, str]:
    return dict(CommandCentre.objects.filter(active=True).values_list("division_id", "name"))


_centres: RevisionCache[dict[str, str]] = RevisionCache(COMMAND_CENTRES, _load)


def centres() -> dict[str, str]:
    """District code → name of its active command centre (cached per process; follows the revision)."""
    return _centres.get()


def invalidate() -> None:
    _centres.invalidate()


def may_act_on(user, case, action: str) -> bool:
    district = district_of(case.street_id)
    return may_act(getattr(user, "scope", ""), action, city_stages=settings.CITY_STAGES,
                   district_has_centre=district in centres(), taken_over=bool(getattr(case, "taken_over", False)))


def refusal(user, case, action: str) -> str:
    """Why this user may not take this action here: who runs it instead."""
    if getattr(user, "scope", "") == Scope.DISTRICT:
        return _("The city command centre handles this step of case %(reference)s.") % {"reference": case.reference}
    centre = centres().get(district_of(case.street_id) or "", "")
    return _("%(centre)s handles this step of case %(reference)s; take the case over first.") % {
        "centre": centre, "reference": case.reference}


def queue_filter(user, stage: str | None) -> Q:
    """The cases of a queue of this stage that this user's centre runs (Q() when levels do not apply)."""
    scope = getattr(user, "scope", "")
    if stage is None or scope not in (Scope.CITY, Scope.DISTRICT):
        return Q()
    if stage in settings.CITY_STAGES:
        return Q() if scope == Scope.CITY else Q(pk__in=[])
    if not centres():
        return Q() if scope == Scope.CITY else Q(pk__in=[])
    with_centre = Q(pk__in=[])
    for district in centres():
        with_centre |= Q(street_id__in=district_streets(district))
    run_by_district = with_centre & Q(taken_over=False)
    return ~run_by_district if scope == Scope.CITY else run_by_district
