"""WeChat (微信公众号) template messages and the web sign-in that finds a citizen's openid.

A citizen who opens the app inside WeChat can bind their account (网页授权, scope snsapi_base:
no prompt, only the openid) and then hears about their reports in WeChat instead of by SMS.
One small interface, one module per backend, chosen by CIVICLOOP_WECHAT_BACKEND: `console` for
development and tests (nothing leaves the machine; the outbox keeps the text), `null`, and
`official` for the 公众号 API. The official backend builds its requests with pure functions, so
their shapes are tested without anything being sent.

WeChat's templates are chosen from its library by each 公众号, and their keyword names differ
(character_string1, phrase2, time3 …): CIVICLOOP_WECHAT_FIELDS maps our parameters onto them.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings

from civicloop.notify.backends import Undeliverable

BACKENDS = ("console", "null", "official")

# Our notices (the same names as the SMS templates) and what each says as its status keyword.
STATUS = {"case_filed": "已受理", "case_handled": "已处理，待核查", "case_closed": "已办结"}


@dataclass(frozen=True)
class Message:
    openid: str
    template: str  # our name: case_filed, case_handled, case_closed
    params: dict  # reference, status, time
    url: str  # where a tap on the message leads (the report's page)


class WechatError(RuntimeError):
    """WeChat failed in a way worth retrying (network, its quota, an expired token)."""


class Backend(Protocol):
    keeps_text: bool

    def send(self, message: Message) -> str:
        """Send; return WeChat's msgid. WechatError to retry later, Undeliverable when it cannot help."""

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Where to send the citizen's browser so WeChat sends it back with a code."""

    def openid_for_code(self, code: str) -> str:
        """The citizen's openid for the code WeChat sent back; Undeliverable if the code is bad."""


def get_backend(name: str | None = None) -> Backend:
    name = name or settings.WECHAT_BACKEND
    if name not in BACKENDS:
        raise ValueError(f"unknown WeChat backend {name!r}")
    return import_module(f"civicloop.notify.wechat.{name}").Backend()


def enabled() -> bool:
    return settings.WECHAT_BACKEND != "null"


def template_data(params: dict, fields: dict[str, str]) -> dict:
    """WeChat's `data`: each of our parameters under the keyword the chosen template uses.
    WeChat cuts keyword values at 20 characters (thing) or 32 (character_string): keep them short."""
    return {keyword: {"value": str(params[name])[:32]} for name, keyword in fields.items() if name in params}


def text_of(message: Message) -> str:
    """What the outbox and the console show."""
    return f"您反映的问题（{message.params.get('reference', '')}）{message.params.get('status', '')}"


def provider_template_id(name: str) -> str:
    template_id = settings.WECHAT_TEMPLATES.get(name)
    if not template_id:
        raise Undeliverable(f"no WeChat template configured for {name!r} (CIVICLOOP_WECHAT_TEMPLATES)")
    return template_id
