"""Every endpoint refuses an anonymous caller, and every case-bearing endpoint refuses an out-of-scope
staff member (conventions rule 3).

The test walks every URL pattern the site has (django.urls.get_resolver(): the consoles, the
citizens' app, the JSON APIs, the admin, and whatever feature apps add later), fills path parameters
with real objects — a case in 文澜街道 and its photo — and sends GET and POST.

THE RULE. Anonymous: every endpoint answers 401, 403, 404 or 405, or redirects to a sign-in page,
and nothing is written — unless its URL name is in PUBLIC below. PUBLIC is an explicit, reviewed
list: each entry says why the endpoint is open. Adding an entry is a security decision; the lead
reviews every addition. Entries that no longer exist fail the test, so the list stays true.
Out of scope: the 草坝镇 operator (operator_caoba) is refused every endpoint that takes a case
reference (403/404/405, 401 or a sign-in redirect for citizen-only ones, 422 when the payload is
checked before the case is looked up), and the case is left untouched — unless the URL name is in
PUBLIC_CASE_READS.
No endpoint may answer 5xx to either caller.
"""
from __future__ import annotations

from django.test import Client

from civicloop.cases.models import Attachment, Case, CaseEvent
from civicloop.org import keys
from civicloop.org.models import HashedKey, User
from tests.hardening.endpoints import LOGIN_PAGES, site_endpoints, walk

# URL name → why anyone may call it. Reviewed by the lead; keep the reason honest.
PUBLIC = {
    "/": "redirects to the console, which asks for sign-in",
    "admin:login": "the admin's sign-in page (throttled like the console's: org.admin_login)",
    "admin:logout": "signing out is harmless",
    "healthz": "load balancers' health check: database up or down, the calendar, and each worker job's last run, "
               "duration and error type (no error messages, no data)",
    "set_language": "sets the language cookie and redirects",
    "api:openapi-json": "the API's published description",
    "api:openapi-view": "the API's documentation page",
    "api:issue_token": "staff sign-in for a token (throttled: org.services.lockout)",
    "api:csrf": "gives the CSRF cookie the citizens' app needs before signing in",
    "api:send_code": "citizens ask for a sign-in code (rate-limited per number and address)",
    "api:sign_in": "citizens sign in with the code (wrong tries locked out per number and address)",
    "api:sign_out": "signing out is harmless",
    "api:citizen_suggest": "category suggestions for a typed description: taxonomy only, no case data",
    "api:citizen_nearby": "open cases of one category within 100 m of a point, as a passer-by sees them "
                          "(category, 60 characters of description, plain status; no names, phones or photos)",
    "console:login": "staff sign-in page (throttled)",
    "citizens:login": "citizens' sign-in page",
    "citizens:areas": "the city's streets and communities for the report form (public geography)",
    "citizens:manifest": "the web app manifest",
    "citizens:sw": "the service worker script",
    "citizens:wechat_bind": "redirects to the citizen home (then sign-in) when not signed in",
    "citizens:wechat_callback": "redirects to the citizen home (then sign-in) when not signed in",
    "citizens:public_map": "the public map, only when CIVICLOOP_PUBLIC_MAP is on (no names, phones, photos)",
    "citizens:public_map_cases": "the public map's data, same rule",
    "evaluation:public": "published 红黑榜 months (the city chose to publish them)",
    "evaluation:public_month": "one published month",
    "open311:root": "Open311 GeoReport v2: public by the standard",
    "open311:discovery": "Open311 discovery: public by the standard",
    "open311:services": "Open311 service list: public by the standard",
    "open311:service": "Open311 service definition: public by the standard",
    "open311:requests": "Open311 GET requests is public by the standard (POST needs an API key)",
    "open311:request": "Open311 GET one request: public by the standard (public fields only)",
    "open311:token": "Open311 token → request id: public by the standard",
    "open311:media": "Open311 public photos of a request",
    "open311:not_found": "Open311's own 404 in the standard's format",
    "appraisals:public_list": "the public list of appraisals (评比) citizens like entries in",
    "points:pools": "donation pools and their public totals (totals are public)",
    "hotline_api:openapi-json": "the hotline API's published description (calls need the system's key)",
    "hotline_api:openapi-view": "the hotline API's documentation page",
    "iot_api:openapi-json": "the device API's published description (calls need the device's token)",
    "iot_api:openapi-view": "the device API's documentation page",
    "basemap:tile": "map tiles from the city's own MBTiles/PMTiles file: public geography, as any tile server's",
    "basemap:features": "the city's reference layers, boundaries and grids for the tile-less basemap: public geography",
    "api:geocode": "address → place from the gazetteer (public geography, no case data); anonymous callers are "
                   "rate-limited per address (core.throttle, GEOCODER_ANONYMOUS_PER_MINUTE)",
    "api:reverse_geocode": "point → nearest door plate, road and grid (public geography); same limit as api:geocode",
}
# Case-bearing endpoints that are public by design: any caller may read them, so scope does not apply.
PUBLIC_CASE_READS = {"open311:request", "open311:media", "api:citizen_nearby"}

REFUSED = {401, 403, 404, 405}


def writes() -> tuple[int, ...]:
    return Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count(), HashedKey.objects.count()


def _send(client, method: str, path: str):
    if method == "post" and path.startswith("/api/"):
        return client.post(path, {}, content_type="application/json")  # a JSON body: the view is reached
    return getattr(client, method)(path)


def refused(response) -> bool:
    if response.status_code in REFUSED:
        return True
    if response.status_code == 400 and b"csrf" in response.content.lower():
        return True  # the citizens' API checks the CSRF token before the session: refused all the same
    return response.status_code in (301, 302) and bool(LOGIN_PAGES.match(response.get("Location", "")))


def test_anonymous_callers_are_refused_everywhere_but_the_public_list(wenlan_case):
    case, photo = wenlan_case
    client = Client(raise_request_exception=False)
    before, found, failures = writes(), set(), []
    for endpoint in site_endpoints(case, photo):
        found.add(endpoint.name)
        for method in ("get", "post"):
            response = _send(client, method, endpoint.path)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {endpoint.path} ({endpoint.name}): {response.status_code}")
            elif endpoint.name not in PUBLIC and not refused(response):
                failures.append(f"{method.upper()} {endpoint.path} ({endpoint.name}): {response.status_code} "
                                f"{response.get('Location', '')} — refuse it, or add it to PUBLIC with a reason")
    assert not failures, "\n".join(failures)
    assert writes() == before, "an anonymous request wrote something"
    # Several names can share one path (Ninja: GET and DELETE of one route), so ask the URLconf itself.
    named = found | {name for name, _route, _pattern in walk()}
    assert not set(PUBLIC) - named, f"PUBLIC names endpoints that no longer exist: {set(PUBLIC) - named}"


def test_the_walk_covers_every_kind_of_endpoint(wenlan_case):
    """A guard on the walk itself: if it stopped finding things, the test above would pass vacuously."""
    case, photo = wenlan_case
    names = {e.name for e in site_endpoints(case, photo)}
    for expected in ("console:case", "console:act", "console:photo", "api:case_detail", "api:case_file",
                     "api:download_attachment", "citizens:report", "admin:cases_case_change", "citizens:my_data_export"):
        assert expected in names, expected
    assert len(names) > 150


def _caoba_clients():
    user = User.objects.get(username="operator_caoba")
    session = Client(raise_request_exception=False)
    session.force_login(user)
    _, raw = keys.issue(keys.STAFF, user, label="test")
    token = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    return session, token


def test_a_caoba_operator_cannot_see_or_touch_a_wenlan_case_anywhere(wenlan_case):
    case, photo = wenlan_case
    session, token = _caoba_clients()
    version, events = case.version, CaseEvent.objects.filter(case=case).count()
    failures, tried = [], 0
    for endpoint in site_endpoints(case, photo):
        if not endpoint.params & {"reference", "attachment_id", "object_id"} or endpoint.name in PUBLIC_CASE_READS:
            continue
        client = token if endpoint.path.startswith("/api/") else session
        tried += 1
        for method in ("get", "post"):
            response = _send(client, method, endpoint.path)
            ok = refused(response) or response.status_code == 422
            if not ok or response.status_code >= 500:
                failures.append(f"{method.upper()} {endpoint.path} ({endpoint.name}): {response.status_code}")
            elif response.status_code == 200 and case.reference in response.content.decode(errors="replace"):
                failures.append(f"{method.upper()} {endpoint.path} ({endpoint.name}) shows the case")
    case.refresh_from_db()
    assert not failures, "\n".join(failures)
    assert tried >= 30
    assert case.version == version and CaseEvent.objects.filter(case=case).count() == events


def test_the_wenlan_operator_does_see_the_case(wenlan_case, signed_in):
    """The other side of the scope test: the same pages open for the case's own street."""
    case, _photo = wenlan_case
    page = signed_in("operator_wenlan").get(f"/console/cases/{case.reference}/")
    assert page.status_code == 200 and case.reference in page.content.decode()
