"""Development and tests: the text goes to the log, and the outbox row keeps it, so a developer
(or a browser test) reads the sign-in code there instead of on a phone."""
from __future__ import annotations

import logging
import uuid

from civicloop.notify.models import Delivery

log = logging.getLogger("civicloop.notify.sms")


class Backend:
    keeps_text = True

    def send(self, phone: str, template: str, params: dict, text: str) -> str:
        log.info("[sms → %s] %s", phone, text)
        return f"console-{uuid.uuid4().hex[:16]}"


def last_text(phone: str) -> str | None:
    """The newest SMS text queued or sent to this number (the console outbox)."""
    return (Delivery.objects.filter(channel="sms", recipient=phone).order_by("-id")
            .values_list("body", flat=True).first())
