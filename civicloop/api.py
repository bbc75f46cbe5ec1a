"""The JSON API: one NinjaAPI, routers per app, errors as JSON with field-level messages."""
from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from civicloop.core.errors import ServiceError

api = NinjaAPI(
    title="civicloop API",
    version="1",
    description="数字城管闭环 API — the closed loop of urban management: report, file, dispatch, handle, check, close.",
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", []) if part not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(loc) or "body", "message": _zh(err)})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    body = {"code": "invalid", "field": errors[0]["field"] if errors else None, "message": detail, "detail": detail,
            "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError):
    message = "请先登录或提供有效令牌 / a valid token is required"
    return api.create_response(
        request, {"code": "unauthorized", "field": None, "message": message, "detail": message}, status=401
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    """Ninja's own refusals (a body it cannot parse, a wrong content type) in the same shape."""
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
    message = str(exc) or code
    return api.create_response(request, {"code": code, "field": None, "message": message, "detail": message},
                               status=exc.status_code)


def _zh(err: dict) -> str:
    kind = err.get("type", "")
    plain = err.get("msg", "invalid")
    if kind == "missing":
        return "缺少此项 / field required"
    if kind.endswith("parsing") or kind.endswith("_type"):
        return f"格式不正确 / {plain}"
    if "too_long" in kind:
        return f"内容过长 / {plain}"
    return f"无效 / {plain}"


from civicloop.cases.api import router as cases_router  # noqa: E402
from civicloop.citizens.api import router as citizens_router  # noqa: E402
from civicloop.citizens.intake import router as citizen_reports_router  # noqa: E402
from civicloop.evaluation.api import router as evaluation_router  # noqa: E402
from civicloop.gazetteer.api import router as geocoder_router  # noqa: E402
from civicloop.geo.api import router as geo_router  # noqa: E402
from civicloop.org.api import router as org_router  # noqa: E402
from civicloop.taxonomy.api import router as taxonomy_router  # noqa: E402

api.add_router("/auth", org_router)
api.add_router("/cases", cases_router)
api.add_router("/geo", geo_router)
api.add_router("/geo", geocoder_router)
api.add_router("/categories", taxonomy_router)
api.add_router("/citizen", citizens_router)
api.add_router("/citizen", citizen_reports_router)
api.add_router("/evaluation", evaluation_router)
