from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import HttpBearer, django_auth

from civicloop.core.errors import InvalidInput, TooManyRequests
from civicloop.core.net import client_ip
from civicloop.org import keys, services as org
from civicloop.org.models import User

router = Router(tags=["auth 认证"])


class StaffToken(HttpBearer):
    """Authorization: Bearer <token> (issued by POST /api/auth/token or `civicloop createstaff --token`)."""

    def authenticate(self, request: HttpRequest, token: str):
        key = keys.authenticate(keys.STAFF, token)
        user = User.objects.filter(pk=key.user_id, is_active=True).first() if key else None
        if user is None:
            return None
        request.user = user
        return user


# Staff authenticate with a token (apps, integrations) or their browser session (consoles).
staff_auth = [StaffToken(), django_auth]


class TokenIn(Schema):
    username: str
    password: str
    name: str = "api"


class TokenOut(Schema):
    token: str
    username: str
    role: str
    scope: str


@router.post("/token", response=TokenOut, auth=None, summary="登录取令牌 issue a token")
def issue_token(request, payload: TokenIn):
    # Throttled like the console's sign-in (a password guesser must not come in through the API).

    username, ip = payload.username.strip(), client_ip(request)
    locked = org.lockout(username, ip)
    if locked:
        raise TooManyRequests(f"登录失败次数过多，请{locked.minutes}分钟后再试 / too many failed sign-ins; "
                              f"try again in {locked.minutes} minutes", retry_after=locked.minutes * 60)
    user = authenticate(request, username=username, password=payload.password)
    org.record_login(username, ip, succeeded=user is not None and bool(user.role))
    if user is None or not user.role:
        raise InvalidInput.field("password", "用户名或密码错误 / wrong username or password")
    _, raw = keys.issue(keys.STAFF, user, label=payload.name[:60], by=user, via="api")
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return {"token": raw, "username": user.username, "role": user.role, "scope": user.scope}


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    scope: str
    scope_division: str | None
    scope_grid: str | None
    department: str | None


@router.get("/me", response=MeOut, auth=staff_auth, summary="当前用户 who am I")
def me(request):
    u = request.auth
    return {"username": u.username, "display_name": u.display_name, "role": u.role, "scope": u.scope,
            "scope_division": u.scope_division_id, "scope_grid": u.scope_grid_id, "department": u.department_id}
