"""Message backends: one small interface, one module per provider, chosen in settings."""
from __future__ import annotations

from importlib import import_module
from typing import Protocol


class Undeliverable(Exception):
    """The provider refused for good (a number that does not exist, a template it has not approved):
    retrying cannot help, so the delivery fails at once instead of being retried for hours."""


class Backend(Protocol):
    def send(self, *, channel: str, recipient: str, subject: str, body: str, payload: dict) -> None:
        """Deliver or raise; raising schedules a retry."""


def get_backend(name: str) -> Backend:
    module = import_module(f"civicloop.notify.backends.{name}")
    return module.Backend()
