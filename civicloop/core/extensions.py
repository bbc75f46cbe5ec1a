"""Where feature apps plug into the shared pages and jobs without editing them.

An app's AppConfig may declare any of these class attributes (dotted paths are imported lazily):

    console_links = [(gettext_lazy("Points"), "points:staff_home", "civicloop.points.access.can_manage")]
        a link in the console's tool bar; the third item (optional) is a predicate(user) -> bool
    citizen_links = [("积分 · 荣誉", "points:my")]
        a link on the citizen app's home page (citizen pages are written in Chinese)
    case_panel = "civicloop.facilities.views.case_panel"
        callable(request, case) -> str of HTML (or ""), shown in the console's case panel
    worker_jobs = [Job("points", "civicloop.points.services.run_due",
                       every=timedelta(minutes=1), budget=timedelta(seconds=30))]
        callable() -> int (how much work was done). `civicloop worker` (civicloop/ops) runs each job
        when it is due, `every` after its last start; one that did work (> 0) runs again at once, so a
        backlog drains. A run longer than `budget` is logged as a warning; /healthz reports a job
        overdue by much more than `every` as degraded. `civicloop worker --once` runs them all until
        every one returns 0.
    demo_seed = "civicloop.points.demo.seed"
        callable(stdout) -> None; seeds the demo city (must do nothing if already seeded)
    error_format = ("/open311/", "civicloop.open311.views.refusal_response")
        requests under that path prefix get refused input (core/hygiene.py) and the site's 404/500
        answered by callable(request, refusal) -> HttpResponse, in the app's own error format
    go_live_checks = ["civicloop.golive.checks.staff"]
        callable() -> list of golive.checks.Finding (empty when all is well); the go-live check page
        and `civicloop city check` show them all
    image_sources = "civicloop.geo.tiles.tile_hosts"
        callable() -> list of origins pages load images from (the map tiles); core.security adds them to
        the content security policy's img-src
    category_suggester = "civicloop.classifier.queries.suggest"
        callable(text) -> list of {"code", "name", "confidence"}, best first: the case panel's 立案 hints
    duplicate_finder = "civicloop.duplicates.queries.candidates"
        callable(case, user, *, limit) -> scored open cases that may be the same problem (the case panel)
    department_router = "civicloop.routing.queries.department_for"
        callable(case) -> the code of the department a case goes to when a dispatch names none, or None
    nearest_workers = "civicloop.routing.dispatch.suggest_for"
        callable(case, *, limit) -> the nearest field workers on duty, each with .worker (preselected inspector)
    active_patrol = "civicloop.patrols.services.active_patrol"; patrol_refs = "civicloop.patrols.services.report_refs"
        callable(user) -> the worker's patrol under way or None; callable(user, patrol_id) -> refs for
        report_case, or None: a field report made on a patrol says so
    reverse_geocoder = "civicloop.gazetteer.geocoding.reverse"
        callable(lon, lat) -> an answer whose .line is the point's address (a field report sent without one)
    qr_labels = {"facility": ("civicloop.facilities.scan.prefill", "civicloop.facilities.scan.refs")}
        a QR label's token arrives as the named query parameter or form field; prefill(token) -> what the
        report page shows (dict with "lon", "lat", …) or None, refs(token) -> report_case refs (refuses a
        token that names nothing)
    registry_rows = {"shop": "civicloop.shops.importing.shop_rows"}
        a kind of registry the facilities' upload page loads (facilities/importing.py): factory() -> a
        function(row: {field: value}) -> (outcome, key), built once per file; BadRow for a bad row
    division_cases = "civicloop.cases.divisions.cases_under"
        callable(root_code) -> a queryset of the cases under that division (geo counts what hangs on a
        division the national list no longer has)
    volunteer_hours = "civicloop.volunteers.queries.hours_of"
        callable(citizen) -> float hours served (points' credit grade)
    road_at = "civicloop.gazetteer.roads.road_at"
        callable(lon, lat, max_m) -> str: the code of the nearest road within max_m metres ("" for none);
        road_name = "civicloop.gazetteer.roads.road_name", callable(code) -> str, names it. Cases keep the code.
    address_placer = "civicloop.gazetteer.placing.place"
        callable(text) -> (answer or None, answers): places an imported history row that has an address only

Order follows INSTALLED_APPS, so the shared pages look the same on every run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string


def _declared(name: str) -> Iterator[tuple[str, object]]:
    for app in apps.get_app_configs():
        value = getattr(app, name, None)
        if value:
            yield app.label, value


def console_links(user) -> list[dict]:
    links = []
    for _label, entries in _declared("console_links"):
        for entry in entries:
            label, url_name, *rest = entry
            if rest and rest[0] and not _callable(rest[0])(user):
                continue
            url = _reverse(url_name)
            if url:
                links.append({"label": label, "url": url})
    return links


def citizen_links() -> list[dict]:
    return [{"label": label, "url": url} for _app, entries in _declared("citizen_links")
            for label, url_name in entries if (url := _reverse(url_name))]


def case_panels(request, case) -> list[str]:
    return [html for _app, path in _declared("case_panel") if (html := _callable(path)(request, case))]


@dataclass(frozen=True)
class Job:
    """A background job an app declares (worker_jobs above)."""

    name: str  # unique: the worker's log records and its JobRun row carry it
    function: str | Callable[[], int]  # dotted path, imported on the first run
    every: timedelta
    budget: timedelta

    def __call__(self) -> int:
        return _callable(self.function)()


# An undated (name, path) pair, as apps declared jobs before Job: run every second as it was then.
_UNDATED_EVERY, _UNDATED_BUDGET = timedelta(seconds=1), timedelta(seconds=30)


def worker_jobs() -> list[Job]:
    """Not cached: cheap, and tests declare jobs of their own on an AppConfig."""
    return [_job(entry) for _app, entries in _declared("worker_jobs") for entry in entries]


def _job(entry) -> Job:
    if isinstance(entry, Job):
        return entry
    name, function = entry
    return Job(name, function, every=_UNDATED_EVERY, budget=_UNDATED_BUDGET)


def error_renderer(path: str) -> Callable | None:
    for prefix, renderer in _error_formats():
        if path.startswith(prefix):
            return _callable(renderer)
    return None


@cache
def _error_formats() -> tuple[tuple[str, str], ...]:
    return tuple(value for _app, value in _declared("error_format"))


def go_live_checks() -> list[tuple[str, Callable]]:
    return [(app, _callable(path)) for app, paths in _declared("go_live_checks") for path in paths]


def road_at(lon: float, lat: float, max_m: float) -> str:
    """The code of the nearest road within max_m metres, from the first app that answers; "" for none."""
    for provider in _providers("road_at"):
        if code := provider(lon, lat, max_m):
            return code
    return ""


def road_name(code: str) -> str:
    for provider in _providers("road_name"):
        if name := provider(code):
            return name
    return ""


def place_address(text: str) -> tuple[object | None, list]:
    """(the answer sure enough to place a row by, every answer considered) from the first app that places
    addresses; (None, []) when none does, so a history row without a point then needs the fallback point."""
    for provider in _providers("address_placer"):
        return provider(text)
    return None, []


@cache
def _providers(name: str) -> tuple[Callable, ...]:
    # road_at runs for every new case (Open311's hot path): the app registry is walked once, not per report.
    return tuple(_callable(path) for _app, path in _declared(name))


def image_sources() -> list[str]:
    sources = []
    for _app, path in _declared("image_sources"):
        sources += [origin for origin in _callable(path)() if origin not in sources]
    return sources


def category_suggestions(text: str) -> list[dict]:
    return _first_answer("category_suggester", text) or []


def duplicate_candidates(case, user, *, limit: int | None = None) -> list:
    return _first_answer("duplicate_finder", case, user, limit=limit) or []


def department_for(case) -> str | None:
    return _first_answer("department_router", case)


def nearest_workers(case, *, limit: int) -> list:
    return _first_answer("nearest_workers", case, limit=limit) or []


def active_patrol(user):
    return _first_answer("active_patrol", user)


def patrol_refs(user, patrol_id) -> dict | None:
    return _first_answer("patrol_refs", user, patrol_id)


def address_at(lon: float, lat: float) -> str:
    """The point's address from the first app that geocodes; "" when none does."""
    for provider in _providers("reverse_geocoder"):
        return provider(lon, lat).line
    return ""


def _first_answer(name: str, *args, **kwargs):
    """What the first app declaring the hook answers; None when no app declares it."""
    for provider in _providers(name):
        return provider(*args, **kwargs)
    return None


def scanned_prefill(params) -> dict | None:
    """What the first QR label whose token is among params names; None for none."""
    for param, (prefill, _refs) in _qr_labels():
        if params.get(param, "") and (found := _callable(prefill)(params[param])):
            return found
    return None


def scanned_refs(tokens: dict[str, str]) -> dict:
    """The refs of the first label whose token came with a report; {} when none came."""
    for param, (_prefill, refs) in _qr_labels():
        if tokens.get(param):
            return _callable(refs)(tokens[param])
    return {}


@cache
def _qr_labels() -> tuple[tuple[str, tuple[str, str]], ...]:
    return tuple(item for _app, labels in _declared("qr_labels") for item in labels.items())


def division_cases(root: str):
    return _first_answer("division_cases", root)


def volunteer_hours(citizen) -> float:
    return _first_answer("volunteer_hours", citizen) or 0


def registry_rows() -> dict[str, Callable]:
    return {kind: _callable(path) for _label, kinds in _declared("registry_rows") for kind, path in kinds.items()}


def demo_seeders() -> list[tuple[str, Callable]]:
    return [(app, _callable(path)) for app, path in _declared("demo_seed")]


@cache
def _callable(path):
    return import_string(path) if isinstance(path, str) else path


def _reverse(url_name: str) -> str:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return ""
