"""The citizen app's sign-in API (/api/citizen/…): same-origin, a Django session, Django's CSRF check.

Every unsafe request must carry the CSRF token (X-CSRFToken header, from the csrftoken cookie that
GET /api/citizen/csrf sets): without it a page elsewhere could sign a phone into someone else's
account or send codes from a victim's browser.
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

from civicloop.citizens import services
from civicloop.core.errors import Forbidden
from civicloop.core.net import client_ip

router = Router(tags=["citizen 市民"])


class CsrfFailed(Forbidden):
    code = "csrf_failed"


def require_csrf(request: HttpRequest) -> None:
    if check_csrf(request) is not None:
        raise CsrfFailed("页面已过期，请刷新后重试 / the page has expired (CSRF check failed); reload it and try again")


class CitizenSession(APIKeyCookie):
    """A signed-in citizen's session (services.current_citizen); never a staff member's."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        require_csrf(request)  # Django's check, only for unsafe methods
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        return services.current_citizen(request)


citizen_auth = CitizenSession()


class PhoneIn(Schema):
    phone: str = Field(max_length=32, description="中国大陆手机号 mainland mobile number, e.g. 13800138000")


class CodeSentOut(Schema):
    detail: str
    phone: str
    expires_in: int
    resend_in: int


class SessionIn(Schema):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=16, description="短信中的6位验证码 the 6-digit code from the SMS")


class CitizenOut(Schema):
    id: int
    phone: str = Field(description="掩码 masked: 138****1234")
    display_name: str
    created_at: datetime


class CsrfOut(Schema):
    csrf_token: str


def _client_ip(request: HttpRequest) -> str:
    return client_ip(request)


def _citizen_out(citizen) -> dict:
    return {"id": citizen.pk, "phone": citizen.masked_phone, "display_name": citizen.display_name,
            "created_at": citizen.created_at}


@router.get("/csrf", response=CsrfOut, auth=None, summary="取 CSRF 令牌 get the CSRF token (sets the cookie)")
def csrf(request):
    return {"csrf_token": get_token(request)}


@router.post("/code", response={202: CodeSentOut}, auth=None, summary="发送登录验证码 send a sign-in code by SMS")
def send_code(request, payload: PhoneIn):
    require_csrf(request)
    try:
        sent = services.request_code(payload.phone, _client_ip(request))
    except services.TooManyRequests as exc:
        response = JsonResponse(exc.as_dict(), status=429, json_dumps_params={"ensure_ascii": False})
        response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    return Status(202, {"detail": f"验证码已发送至 {sent.phone} / code sent to {sent.phone}", "phone": sent.phone,
                        "expires_in": sent.expires_in, "resend_in": sent.resend_in})


@router.post("/session", response=CitizenOut, auth=None, summary="验证码登录 sign in with the code")
def sign_in(request, payload: SessionIn):
    require_csrf(request)
    citizen = services.verify_code(payload.phone, payload.code, _client_ip(request))
    services.sign_in(request, citizen)
    return _citizen_out(citizen)


@router.delete("/session", response={204: None}, auth=None, summary="退出登录 sign out")
def sign_out(request):
    require_csrf(request)
    services.sign_out(request)
    return Status(204, None)


@router.get("/me", response=CitizenOut, auth=citizen_auth, summary="当前市民 who am I")
def me(request):
    return _citizen_out(request.auth)
