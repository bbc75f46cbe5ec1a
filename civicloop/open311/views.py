"""Open311 GeoReport v2 at /open311/v2/: plain Django views, because the spec wants XML as well as
JSON and its own error shape (a list of {code, description}) for every failure, 404s included.

Reading needs no key; POST requests needs an API key (issued in the admin or the console page)
and is rate-limited per key. Nothing here reads or writes cookies, so POST is exempt from CSRF.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civicloop.cases import attachments, publicity
from civicloop.cases.models import Case
from civicloop.core.errors import ServiceError
from civicloop.open311 import queries, rules, services
from civicloop.open311.models import Open311Request
from civicloop.open311.rules import Open311Error, bad, param

log = logging.getLogger(__name__)


def _respond(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    body = rules.to_json(data) if fmt == "json" else rules.to_xml(root, data)
    return HttpResponse(body, status=status, content_type=rules.FORMATS[fmt])


def _error(fmt: str, exc: Open311Error) -> HttpResponse:
    response = _respond(fmt if fmt in rules.FORMATS else "xml", "errors", exc.body(), status=exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def open311_view(methods: tuple[str, ...] = ("GET",)):
    """Every failure in the spec's shape: our checks, a 404, a wrong method, a database hiccup."""
    def wrap(view):
        def inner(request: HttpRequest, *args, fmt: str = "xml", **kwargs):
            try:
                if request.method not in methods and not (request.method == "HEAD" and "GET" in methods):
                    raise Open311Error(405, f"不支持 {request.method} / method {request.method} not allowed")
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc)
            except ServiceError as exc:
                return _error(fmt, services.as_open311(exc))
            except Http404:
                return _error(fmt, Open311Error(404, "没有这个资源 / not found"))
            except DataError:
                # The database refused a value (out of range, not text): the input is bad for good, so
                # 400, never 503 with Retry-After, which would make an obedient client send it for ever.
                log.warning("open311: a value the database refused", exc_info=True)
                return _error(fmt, bad("请求中有无法保存的内容 / the request holds a value that cannot be stored"))
            except DatabaseError:
                log.exception("open311: database error")
                return _error(fmt, Open311Error(503, "服务暂时不可用，请稍后重试 / service unavailable, try again shortly",
                                                retry_after=5))
        inner.__name__ = view.__name__
        return csrf_exempt(inner)
    return wrap


def _check_jurisdiction(request: HttpRequest) -> None:
    given = param(request.POST if request.method == "POST" else request.GET, "jurisdiction_id") or param(
        request.GET, "jurisdiction_id")
    ours = settings.OPEN311_JURISDICTION
    if given and ours and given != ours:
        raise Open311Error(404, f"jurisdiction_id 未找到，本市为 {ours} / jurisdiction_id not found; this is {ours}")


# ---------------------------------------------------------------------------- discovery and services


@open311_view()
def discovery(request: HttpRequest, fmt: str):
    changeset = rules.w3c(queries.services_changed_at(), queries.tz())
    url = settings.PUBLIC_URL + reverse("open311:root")
    body = {
        "changeset": changeset, "contact": settings.OPEN311_CONTACT, "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [{"specification": rules.SPEC_URL, "url": url.rstrip("/"), "changeset": changeset,
                       "type": settings.OPEN311_ENDPOINT_TYPE, "formats": ["text/xml", "application/json"]}],
    }
    return _respond(fmt, "discovery", body)


@open311_view()
def service_list(request: HttpRequest, fmt: str):
    return _respond(fmt, "services", queries.service_list())


@open311_view()
def service_definition(request: HttpRequest, code: str, fmt: str):
    if not queries.known_service(code):
        raise Open311Error(404, f"service_code {code} 不存在 / service_code not found")
    return _respond(fmt, "service_definition", queries.service_definition(code))


# ---------------------------------------------------------------------------- requests


@open311_view(methods=("GET", "POST"))
def requests(request: HttpRequest, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    query = rules.request_query(request.GET, now=timezone.now(), tz=queries.tz())

    def build() -> bytes:
        objects = queries.request_objects(queries.request_rows(query), extensions=query.extensions)
        return rules.to_json(objects) if fmt == "json" else rules.to_xml("service_requests", objects)

    if query.ids:  # a client following its own requests: always fresh
        body = build()
    else:
        body = queries.pages.get((fmt, query), build)
    return HttpResponse(body, content_type=rules.FORMATS[fmt])


@open311_view()
def request_detail(request: HttpRequest, reference: str, fmt: str):
    extensions = param(request.GET, "extensions").lower() in ("true", "1", "yes")
    rows = queries.request_rows(rules.RequestQuery(ids=(reference,), page_size=1))
    if not rows:
        raise Open311Error(404, f"service_request_id {reference} 不存在 / service request not found")
    return _respond(fmt, "service_requests", queries.request_objects(rows, extensions=extensions))


@open311_view()
def token(request: HttpRequest, token: str, fmt: str):
    row = Open311Request.objects.filter(token=token).values_list("case__reference", flat=True).first()
    if row is None:
        raise Open311Error(404, "token 不存在 / token not found")
    return _respond(fmt, "service_requests", [{"service_request_id": row, "token": token}])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = _form(request)
    key = services.authenticate(param(data, "api_key"))
    code = param(data, "service_code")
    if not code:
        raise bad("service_code 未提供 / service_code not provided")
    if not queries.known_service(code):
        raise Open311Error(404, f"service_code {code} 不存在 / service_code not found")
    lat, lon = _location(data)
    attributes = queries.check_attributes(code, _attributes(data))
    sub = services.Submission(
        service_code=code, lat=lat, lon=lon, address=param(data, "address_string")[:200],
        description=_description(data, code), reporter_name=_name(data), reporter_phone=param(data, "phone")[:20],
        device_id=param(data, "device_id"), media_url=_media_url(data), attributes=attributes,
        client_key=services.client_key_for(key, param(data, "client_key") or request.headers.get("Idempotency-Key", "")))
    case, row, created = services.submit(key, sub, media=request.FILES.getlist("media"))
    answer = {"service_request_id": case.reference, "service_notice": queries.service_notice(case.category_id),
              "account_id": None}
    if param(data, "extensions").lower() in ("true", "1", "yes"):
        answer["token"] = row.token
    return _respond(fmt, "service_requests", [answer], status=201 if created else 200)


def _location(data) -> tuple[str, str]:
    """lat and long as sent; without them, the place of address_string when the gazetteer is sure of it."""
    lat, lon = param(data, "lat"), param(data, "long")
    if lat and lon:
        return lat, lon
    if not (lat or lon) and param(data, "address_string"):
        return services.place_of_address(param(data, "address_string"))
    if param(data, "address_id"):
        raise bad("本市不支持 address_id，请提供 lat 和 long（WGS-84）或 address_string / address_id is not "
                  "supported here: send lat and long (WGS-84) or an address_string")
    raise bad("位置未提供：需要 lat 和 long，或 address_string / location not provided: lat and long, or an "
              "address_string, are required")


def _form(request: HttpRequest):
    """The spec sends a form body; the v2.1 draft's Swagger puts the same fields in the query string.
    Both are read, the body winning."""
    data = request.POST.copy()
    for name in request.GET:
        if name not in data:
            data.setlist(name, request.GET.getlist(name))
    return data


def _attributes(data) -> dict[str, list[str]]:
    """attribute[code]=v and, for multi-value lists, attribute[code][]=v1&attribute[code][]=v2."""
    found: dict[str, list[str]] = {}
    for name in data:
        if name.startswith("attribute[") and "]" in name:
            code = name[len("attribute["):name.index("]")]
            found.setdefault(code, []).extend(v.strip() for v in data.getlist(name))
    return found


def _description(data, code: str) -> str:
    text = param(data, "description")
    if len(text) > 4000:
        raise bad("description 不能超过 4000 个字符 / description is at most 4,000 characters")
    if text:
        return text
    # The spec makes it optional; a case needs one, so the service's name says what it is.
    info = queries.config().categories.get(code)
    return info.name if info else "其他问题 other"


def _name(data) -> str:
    return " ".join(p for p in (param(data, "first_name"), param(data, "last_name")) if p)[:40]


def _media_url(data) -> str:
    url = param(data, "media_url")
    if url and not url.lower().startswith(("http://", "https://")):
        raise bad("media_url 须为 http(s) 地址 / media_url must be an http(s) URL")
    if len(url) > 500:
        raise bad("media_url 太长 / media_url is too long")
    return url


# ---------------------------------------------------------------------------- photos and the rest


@require_http_methods(["GET", "HEAD"])
def media(request: HttpRequest, reference: str, attachment_id: int):
    """A report photo of a case sent through Open311 (no metadata: the stored copy is stripped)."""
    case = Case.objects.filter(reference=reference, open311__isnull=False).first()
    item = case.attachments.filter(pk=attachment_id, kind="before").first() if case else None
    # A follower's photo is the follower's, not the Open311 sender's: cases.publicity decides, as
    # on the citizens' pages (docs/security.md).
    if item is None or not publicity.shows_photo(case, item, is_reporter=False, citizen_id=None):
        return _error("json", Open311Error(404, "照片不存在 / photo not found"))
    response = attachments.file_response(item, size=param(request.GET, "size"))
    response.setdefault("Cache-Control", "public, max-age=3600")
    return response


def refusal_response(request: HttpRequest, refusal) -> HttpResponse:
    """What core/hygiene.py (and the site's error handlers) refuse under /open311/, in the spec's
    format: bad input is 400 (the spec's code for it), a missing resource 404."""
    fmt = "json" if request.path_info.rstrip("/").endswith(".json") else "xml"
    status = 400 if refusal.status == 422 else refusal.status
    return _error(fmt, Open311Error(status, refusal.message))


@csrf_exempt
def not_found(request: HttpRequest, rest: str = ""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return _error(fmt, Open311Error(404, "没有这个资源；见 discovery.json / no such resource; see discovery.json"))


def root(request: HttpRequest):
    return discovery(request, fmt="xml" if param(request.GET, "format") == "xml" else "json")
