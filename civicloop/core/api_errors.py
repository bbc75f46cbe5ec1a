"""Every JSON API of the site (the main one, 12345's, IoT's) answers a refusal in one shape:
{"code", "field", "message", "detail"}, with field-level "errors" for invalid input."""
from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from civicloop.core.errors import ServiceError


def install(api: NinjaAPI, *, ninja_refusals: bool = True) -> None:
    """The handlers on `api`, answering through its renderer; ninja_refusals adds Ninja's own (HttpError)."""
    def service_error(request: HttpRequest, exc: ServiceError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    def validation_error(request: HttpRequest, exc: ValidationError):
        return api.create_response(request, invalid_body(exc), status=422)

    def auth_error(request: HttpRequest, exc: AuthenticationError):
        message = "请先登录或提供有效令牌 / a valid token is required"
        return api.create_response(
            request, {"code": "unauthorized", "field": None, "message": message, "detail": message}, status=401
        )

    def http_error(request: HttpRequest, exc: HttpError):
        """Ninja's own refusals (a body it cannot parse, a wrong content type) in the same shape."""
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
        message = str(exc) or code
        return api.create_response(request, {"code": code, "field": None, "message": message, "detail": message},
                                   status=exc.status_code)

    api.add_exception_handler(ServiceError, service_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, auth_error)
    if ninja_refusals:
        api.add_exception_handler(HttpError, http_error)


def invalid_body(exc: ValidationError) -> dict:
    errors = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", []) if part not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(loc) or "body", "message": _zh(err)})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return {"code": "invalid", "field": errors[0]["field"] if errors else None, "message": detail, "detail": detail,
            "errors": errors}


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
