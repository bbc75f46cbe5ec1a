"""微信公众号 (Official Account) API: access token, template message, web authorisation.

- access token: GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=…&secret=…
  → {"access_token": "…", "expires_in": 7200}; kept in the cache (shared by every app server when the
  cache is Redis) until five minutes before it expires, and fetched again when WeChat says it is
  invalid (40001, 40014, 42001).
- template message: POST https://api.weixin.qq.com/cgi-bin/message/template/send?access_token=…
  with {"touser", "template_id", "url", "data": {keyword: {"value"}}} → {"errcode": 0, "msgid": …}.
- web authorisation (网页授权, snsapi_base): the browser goes to
  https://open.weixin.qq.com/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…#wechat_redirect
  and comes back with ?code=…; GET https://api.weixin.qq.com/sns/oauth2/access_token?appid=…&secret=…&code=…&grant_type=authorization_code
  → {"openid": "…", …}.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from civicloop.notify.backends import Undeliverable
from civicloop.notify.sms import SignedRequest, refuse_outside_production, transmit
from civicloop.notify.wechat import Message, WechatError, provider_template_id, template_data

API = "https://api.weixin.qq.com"
AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize"
TOKEN_INVALID = {40001, 40014, 42001}
# About this message itself (the user unfollowed or refused messages, a bad template or openid):
# sending it again cannot succeed. Everything else (-1 busy, 45009 quota …) is retried.
PERMANENT = {40003, 40036, 40037, 43004, 43019, 47003}
TOKEN_CACHE_KEY = "wechat:access_token"


def build_token_request(app_id: str, app_secret: str) -> SignedRequest:
    query = urlencode({"grant_type": "client_credential", "appid": app_id, "secret": app_secret})
    return SignedRequest("GET", f"{API}/cgi-bin/token?{query}", {"Accept": "application/json"}, b"")


def build_send_request(*, access_token: str, openid: str, template_id: str, url: str, data: dict) -> SignedRequest:
    body = json.dumps({"touser": openid, "template_id": template_id, "url": url, "data": data},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return SignedRequest("POST", f"{API}/cgi-bin/message/template/send?{urlencode({'access_token': access_token})}",
                         {"Content-Type": "application/json; charset=utf-8"}, body)


def build_authorize_url(*, app_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode({"appid": app_id, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state})
    return f"{AUTHORIZE}?{query}#wechat_redirect"  # WeChat insists on parameters in this order and the fragment


def build_code_request(*, app_id: str, app_secret: str, code: str) -> SignedRequest:
    query = urlencode({"appid": app_id, "secret": app_secret, "code": code, "grant_type": "authorization_code"})
    return SignedRequest("GET", f"{API}/sns/oauth2/access_token?{query}", {"Accept": "application/json"}, b"")


def parse(status: int, body: bytes) -> dict:
    """WeChat's answer as a dict, or the error to raise (errcode 0 or absent means success)."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WechatError(f"wechat: HTTP {status}, not JSON: {body[:200]!r}") from None
    code = answer.get("errcode", 0)
    if status == 200 and code == 0:
        return answer
    message = f"wechat {code or status}: {answer.get('errmsg', '')}"
    if code in TOKEN_INVALID:
        raise TokenInvalid(message)
    raise (Undeliverable if code in PERMANENT else WechatError)(message)


class TokenInvalid(WechatError):
    pass


class Backend:
    keeps_text = False

    def __init__(self, transport: Callable[[SignedRequest], tuple[int, bytes]] = transmit):
        self.transport = transport

    def send(self, message: Message) -> str:
        refuse_outside_production()
        data = template_data(message.params, settings.WECHAT_FIELDS)
        template_id = provider_template_id(message.template)
        for fresh in (False, True):
            request = build_send_request(access_token=self._token(fresh=fresh), openid=message.openid,
                                         template_id=template_id, url=message.url, data=data)
            try:
                return str(parse(*self.transport(request)).get("msgid", ""))
            except TokenInvalid:
                if fresh:
                    raise
        raise AssertionError("unreachable")

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        return build_authorize_url(app_id=settings.WECHAT_APP_ID, redirect_uri=redirect_uri, state=state)

    def openid_for_code(self, code: str) -> str:
        request = build_code_request(app_id=settings.WECHAT_APP_ID, app_secret=settings.WECHAT_APP_SECRET, code=code)
        try:
            answer = parse(*self.transport(request))
        except WechatError as exc:
            raise Undeliverable(str(exc)) from None  # a used or forged code: the citizen starts again
        openid = answer.get("openid", "")
        if not openid:
            raise Undeliverable("wechat: no openid in the answer")
        return openid

    def _token(self, *, fresh: bool) -> str:
        token = None if fresh else cache.get(TOKEN_CACHE_KEY)
        if token:
            return token
        answer = parse(*self.transport(build_token_request(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET)))
        token = answer.get("access_token", "")
        if not token:
            raise WechatError("wechat: no access_token in the answer")
        cache.set(TOKEN_CACHE_KEY, token, max(60, int(answer.get("expires_in", 7200)) - 300))
        return token
