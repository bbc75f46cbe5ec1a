"""Webhooks: signed JSON POSTs to another system (the 12345 hotline's callbacks), through the outbox.

A webhook is an outbox row (channel "webhook") whose body and headers are fixed when the row is
written, in the transaction of the change it reports: every retry sends the same bytes with the same
event id, so the receiver can drop a repeat (we may have posted it and stopped before marking it
sent). The body is signed with the receiver's shared secret (HMAC-SHA256), so it can tell our calls
from anyone else's. Backends, chosen by CIVICLOOP_WEBHOOK_BACKEND: http (POST it), console (log it),
null (drop it); outside production the default is console, so a copied database never calls out.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from civicloop.notify.backends import Undeliverable
from civicloop.notify.models import Delivery

log = logging.getLogger("civicloop.notify")
CHANNEL = "webhook"
EVENT_ID_HEADER = "X-Civicloop-Event-Id"
SIGNATURE_HEADER = "X-Civicloop-Signature"
# A receiver that answers one of these may accept the same call later; any other 4xx is for good.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does with our signature header (used by tests and documented in docs/hotline.md)."""
    return hmac.compare_digest(signature(secret, body), header or "")


def enqueue_webhook(*, url: str, secret: str, event: str, event_id: str, data: dict, subject: str, case=None,
                    at: datetime | None = None) -> Delivery:
    """Call inside the transaction of the change being reported."""
    at = timezone.localtime(at or timezone.now())
    document = {"event": event, "event_id": event_id, "occurred_at": at.isoformat(timespec="seconds"), **data}
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Civicloop-Event": event,
               EVENT_ID_HEADER: event_id, SIGNATURE_HEADER: signature(secret, body.encode())}
    return Delivery.objects.create(
        channel=CHANNEL, recipient=url[:120], subject=subject[:120], body=body, case=case,
        payload={"webhook": {"url": url, "headers": headers, "event_id": event_id}}, next_attempt_at=timezone.now(),
    )


def send(row: Delivery, backend) -> str:
    hook = row.payload["webhook"]
    return backend.send(url=hook["url"], body=row.body.encode(), headers=hook["headers"]) or ""


class HttpBackend:
    def __init__(self, timeout: float | None = None):
        self.timeout = timeout if timeout is not None else settings.WEBHOOK_TIMEOUT

    def send(self, *, url: str, body: bytes, headers: dict) -> str:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (an admin's URL)
                return f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in RETRYABLE_STATUS:
                raise Undeliverable(f"receiver refused with HTTP {exc.code}") from None
            raise RuntimeError(f"receiver answered HTTP {exc.code}") from None


class ConsoleBackend:
    def send(self, *, url: str, body: bytes, headers: dict) -> str:
        log.info("[webhook → %s] %s %s", url, headers.get(EVENT_ID_HEADER), body.decode()[:500])
        return "console"


class NullBackend:
    def send(self, *, url: str, body: bytes, headers: dict) -> str:
        return "null"


def get_backend(name: str | None = None):
    name = name or settings.WEBHOOK_BACKEND
    return {"http": HttpBackend, "console": ConsoleBackend, "null": NullBackend}[name]()
