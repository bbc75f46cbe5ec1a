"""Per-process caches that stay correct when another process changes the data behind them."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F

from civicloop.core.models import Revision

T = TypeVar("T")


def bump(name: str) -> None:
    """Call inside the transaction that changed the data."""
    updated = Revision.objects.filter(name=name).update(value=F("value") + 1)
    if not updated:
        Revision.objects.get_or_create(name=name, defaults={"value": 1})
    # Now, so this transaction sees its own change; and after commit, in case another thread
    # rebuilt from the old data meanwhile.
    _invalidate_local(name)
    transaction.on_commit(lambda: _invalidate_local(name))


def current(name: str) -> int:
    row = Revision.objects.filter(name=name).values_list("value", flat=True).first()
    return row or 0


_caches: dict[str, list["RevisionCache"]] = {}  # several caches may follow one revision


def _invalidate_local(name: str) -> None:
    for cache in _caches.get(name, ()):
        cache.invalidate()


class RevisionCache(Generic[T]):
    """Builds a value once and rebuilds it when the named revision moves.

    In this process a change is seen at once (after commit); in other processes within
    CACHE_RECHECK_SECONDS, so a lookup costs no database round trip on the hot path.
    """

    def __init__(self, name: str, build: Callable[[], T]):
        self.name = name
        self._build = build
        self._value: T | None = None
        self._revision = -1
        self._checked = 0.0
        self._lock = threading.Lock()
        _caches.setdefault(name, []).append(self)

    def invalidate(self) -> None:
        self._checked = 0.0
        self._revision = -1

    def get(self) -> T:
        now = time.monotonic()
        if self._value is not None and now - self._checked < settings.CACHE_RECHECK_SECONDS:
            return self._value
        with self._lock:
            revision = current(self.name)
            if self._value is None or revision != self._revision:
                self._value = self._build()
                self._revision = revision
            self._checked = time.monotonic()
            return self._value
