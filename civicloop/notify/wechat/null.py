"""WeChat switched off: nothing is sent and binding is not offered."""
from __future__ import annotations

from civicloop.notify.backends import Undeliverable
from civicloop.notify.wechat import Message


class Backend:
    keeps_text = False

    def send(self, message: Message) -> str:
        return ""

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        raise Undeliverable("WeChat is not configured (CIVICLOOP_WECHAT_BACKEND=null)")

    def openid_for_code(self, code: str) -> str:
        raise Undeliverable("WeChat is not configured (CIVICLOOP_WECHAT_BACKEND=null)")
