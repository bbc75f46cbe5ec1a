"""SMS: one small interface, one module per provider, chosen by CIVICLOOP_SMS_BACKEND.

Chinese providers only send texts from templates they have approved (模板) under an approved
signature (签名), so a message is a template name plus its parameters; the text is rendered here
for the outbox, the log and the console backend. Each provider maps our template names to its own
template ids (CIVICLOOP_SMS_TEMPLATES) and builds its signed request with a pure function, so the
signing is tested against the providers' published examples without anything being sent.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings

from civicloop.notify.backends import Undeliverable

BACKENDS = ("console", "null", "aliyun", "tencent")
MASK = "******"


@dataclass(frozen=True)
class Template:
    name: str
    text: str  # the wording registered with the provider; the provider adds the 【签名】
    params: tuple[str, ...]  # in the order of the provider's placeholders (Tencent's {1}, {2}, …)
    secret: tuple[str, ...] = ()  # masked in the outbox once sent (a sign-in code)

    def render(self, params: dict) -> str:
        return self.text.format(**{name: params[name] for name in self.params})

    def masked(self, params: dict) -> dict:
        return {name: (MASK if name in self.secret else str(value)) for name, value in params.items()}


TEMPLATES = {t.name: t for t in (
    Template("login_code", "您的验证码是{code}，{minutes}分钟内有效。", ("code", "minutes"), secret=("code",)),
    Template("case_filed", "您反映的问题（{reference}）已受理立案，我们将尽快处理。", ("reference",)),
    Template("case_handled", "您反映的问题（{reference}）已处理，正在现场核查。", ("reference",)),
    Template("case_closed", "您反映的问题（{reference}）已处理完毕，感谢参与城市管理。", ("reference",)),
)}


def template(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise Undeliverable(f"unknown SMS template {name!r}") from None


@dataclass(frozen=True)
class SignedRequest:
    """What a provider module would send: built by a pure function, so tests can compare it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


class SmsError(RuntimeError):
    """The provider failed in a way worth retrying (network, throttling, its own outage)."""


class Backend(Protocol):
    keeps_text: bool  # True: the outbox keeps a sent message's text (console, for development and tests)

    def send(self, phone: str, template: str, params: dict, text: str) -> str:
        """Send `template` (our name) with `params` to a mainland mobile number; return the provider's
        message id. Raise SmsError to retry later, Undeliverable when retrying cannot help."""


def get_backend(name: str | None = None) -> Backend:
    name = name or settings.SMS_BACKEND
    if name not in BACKENDS:
        raise ValueError(f"unknown SMS backend {name!r}")
    return import_module(f"civicloop.notify.sms.{name}").Backend()


def provider_template_id(name: str) -> str:
    """The id the provider approved for our template `name` (CIVICLOOP_SMS_TEMPLATES)."""
    if not name:
        raise Undeliverable("providers send only approved templates; this SMS has none (notify.services.enqueue_sms)")
    template(name)
    template_id = settings.SMS_TEMPLATES.get(name)
    if not template_id:
        raise Undeliverable(f"no provider template configured for {name!r} (CIVICLOOP_SMS_TEMPLATES)")
    return template_id


def refuse_outside_production() -> None:
    # settings.py refuses a real provider outside production; this holds even when a test swaps settings.
    if settings.ENVIRONMENT != "production":
        raise Undeliverable("real SMS providers send only with CIVICLOOP_ENV=production")


def transmit(request: SignedRequest, *, timeout: float = 10) -> tuple[int, bytes]:
    """Send a signed request; (status, body), HTTP errors included. Never called from tests."""
    outgoing = urllib.request.Request(request.url, data=request.body, headers=request.headers, method=request.method)
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:  # noqa: S310 (https URL built above)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SmsError(f"{request.url.split('?')[0]}: {exc}") from exc
