"""Development and tests: nothing leaves the machine. Binding goes straight back to the callback
with a code, as WeChat would, and the openid is derived from it; messages go to the log."""
from __future__ import annotations

import hashlib
import logging
import uuid
from urllib.parse import urlencode

from civicloop.notify.backends import Undeliverable
from civicloop.notify.wechat import Message, text_of

log = logging.getLogger("civicloop.notify.wechat")


class Backend:
    keeps_text = True

    def send(self, message: Message) -> str:
        log.info("[wechat → %s] %s %s", message.openid, text_of(message), message.url)
        return f"console-{uuid.uuid4().hex[:16]}"

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        separator = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{separator}{urlencode({'code': 'console-' + uuid.uuid4().hex[:12], 'state': state})}"

    def openid_for_code(self, code: str) -> str:
        if not code.startswith("console-"):
            raise Undeliverable("invalid code")
        return "o" + hashlib.sha256(code.encode()).hexdigest()[:27]  # 28 characters, like a real openid
