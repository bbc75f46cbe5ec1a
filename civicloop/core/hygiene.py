"""Bad input is refused at the door, the same way on SQLite and PostgreSQL.

PostgreSQL cannot store a NUL character in text and SQLite stores it silently, so a NUL in a path,
a query parameter or a body would give a 500 on one database and a stored surprise on the other.
Control characters and lone surrogates (which no UTF-8 encoder accepts) are refused here, before any
view runs a query; so are bodies that cannot be read: multipart without a boundary or cut short,
JSON that does not parse, a body over DATA_UPLOAD_MAX_MEMORY_SIZE. Views behind this never see them.

Each refusal is answered in the caller's own format: the API's JSON error (code, field, message),
an app's declared format (Open311's GeoReport errors, see core/extensions.error_renderers) or the
friendly error page.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from civicloop.core.extensions import error_renderer

# Tab, line feed and carriage return are ordinary in a description; every other C0 control, DEL and
# the surrogate range are not text.
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BAD_PATH = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON_TYPES = re.compile(r"^application/(.+\+)?json$")
_MAX_DEPTH = 64  # deeper JSON is no request a person or a client makes


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    field: str | None
    message: str


class RequestHygieneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        refusal = path_refusal(request) or query_refusal(request) or body_refusal(request)
        if refusal is not None:
            return respond(request, refusal)
        return self.get_response(request)


def path_refusal(request: HttpRequest) -> Refusal | None:
    if _BAD_PATH.search(request.path_info):
        return Refusal(404, "not_found", None, _("No such page."))
    return None


def query_refusal(request: HttpRequest) -> Refusal | None:
    return _fields_refusal(request.GET.lists())


def body_refusal(request: HttpRequest) -> Refusal | None:
    if request.method not in _BODY_METHODS or not _has_body(request):
        return None
    content_type = request.content_type or ""
    try:
        if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return _form_refusal(request)
        if _JSON_TYPES.match(content_type):
            return _json_refusal(request.body)
    except RequestDataTooBig:
        return Refusal(413, "too_large", None, _("The request is too large."))
    except (MultiPartParserError, TooManyFieldsSent, BadRequest, SuspiciousOperation, UnicodeDecodeError):
        return Refusal(400, "malformed_body", None,
                       _("The request body could not be read (a form upload without a boundary, or cut short)."))
    return None


def _has_body(request: HttpRequest) -> bool:
    length = request.META.get("CONTENT_LENGTH") or ""
    return (length.isdigit() and int(length) > 0) or "HTTP_TRANSFER_ENCODING" in request.META


def _form_refusal(request: HttpRequest) -> Refusal | None:
    # Parsing here is not extra work: the view (and CSRF) read the same cached request.POST/FILES.
    refusal = _fields_refusal(request.POST.lists())
    if refusal is None:
        for field, files in request.FILES.lists():
            for upload in files:
                if _BAD_TEXT.search(upload.name or "") or _BAD_TEXT.search(field):
                    return _bad_characters(field)
    return refusal


def _json_refusal(body: bytes) -> Refusal | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return Refusal(400, "malformed_json", None, _("The request body is not valid JSON."))
    return _walk(data, "", 0)


def _walk(value, where: str, depth: int) -> Refusal | None:
    if depth > _MAX_DEPTH:
        return Refusal(400, "malformed_json", where or None, _("The request body is nested too deeply."))
    if isinstance(value, str):
        return _bad_characters(where or "body") if _BAD_TEXT.search(value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        name = f"{where}.{key}" if where else str(key)
        if isinstance(key, str) and _BAD_TEXT.search(key):
            return _bad_characters(name)
        refusal = _walk(item, name, depth + 1)
        if refusal is not None:
            return refusal
    return None


def _fields_refusal(pairs) -> Refusal | None:
    for field, values in pairs:
        if _BAD_TEXT.search(field) or any(_BAD_TEXT.search(value) for value in values):
            return _bad_characters(field)
    return None


def _bad_characters(field: str) -> Refusal:
    shown = _BAD_TEXT.sub("\N{REPLACEMENT CHARACTER}", field)
    return Refusal(422, "bad_characters", shown,
                   _("%(field)s contains control characters (such as NUL); remove them and send again.")
                   % {"field": shown})


# ---------------------------------------------------------------------------- answers


def respond(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """In the format the caller reads: an app's own (Open311), the API's JSON, or a page."""
    renderer = error_renderer(request.path_info)
    if renderer is not None:
        return renderer(request, refusal)
    if wants_json(request):
        return api_error(refusal.status, refusal.code, refusal.message, field=refusal.field)
    return error_page(request, refusal.status, refusal.message)


def wants_json(request: HttpRequest) -> bool:
    path = request.path_info
    return ("/api/" in path or path.endswith(".json")
            or "application/json" in request.headers.get("Accept", "").split(",")[0])


def api_error(status: int, code: str, message: str, *, field: str | None = None) -> JsonResponse:
    """The API's error shape (docs/api.md): code, field, message; detail and errors as before."""
    body = {"code": code, "field": field, "message": message, "detail": message,
            "errors": [{"field": field, "message": message}] if field else []}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    template = {403: "403.html", 404: "404.html", 500: "500.html"}.get(status, "400.html")
    # No request context: an error page must not depend on the session, the user or the database.
    context = {"status": status, "message": message, "request_id": getattr(request, "request_id", ""),
               "language": getattr(request, "LANGUAGE_CODE", "")}
    return HttpResponse(render_to_string(template, context), status=status)
