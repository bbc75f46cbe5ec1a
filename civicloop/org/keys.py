"""API keys of every kind (`org.HashedKey`): issue one, recognise one, revoke one.

The secret is returned by `issue` once and never stored: only its SHA-256 and a short prefix to
find it by. Recognising a key costs no query: the active keys are cached per process and follow a
`Revision` (a revocation holds on every app server within CACHE_RECHECK_SECONDS), because Open311
POSTs and IoT events present one on every request. For the same reason "last used" is written at
most once a minute per key.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from civicloop.core import changes, revisions
from civicloop.core.revisions import RevisionCache
from civicloop.org.models import HashedKey, User

REVISION = "hashed_keys"
PREFIX_LENGTH = 8
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Kind:
    name: str
    starts: str  # says what a key is for when it turns up in a log or a paste
    nbytes: int = 32


STAFF = "staff"  # a staff member's API token (POST /api/auth/token, `civicloop createstaff --token`)
PARTNER = "partner"  # a credit partner reading citizens' grades
HOTLINE = "hotline"  # a 12345 system pushing work orders
DEVICE = "device"  # an IoT camera or sensor (HTTP bearer, MQTT password)
OPEN311 = "open311"  # an Open311 client posting requests

KINDS = {k.name: k for k in (Kind(STAFF, "cl_"), Kind(PARTNER, "clp_"), Kind(HOTLINE, "hl_"),
                             Kind(DEVICE, "dv_", nbytes=24), Kind(OPEN311, "o311_"))}


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(kind: str, owner, *, label: str = "", by: User | None = None, via: str = "console") -> tuple[HashedKey, str]:
    """A new key for `owner` (a staff user for STAFF; for the others the row that will point to it,
    or its name). Returns the row and the secret, which is never stored and cannot be shown again."""
    spec = KINDS[kind]
    raw = spec.starts + secrets.token_urlsafe(spec.nbytes)
    user = owner if isinstance(owner, User) else None
    with transaction.atomic():
        key = HashedKey.objects.create(kind=kind, user=user, owner=str(owner)[:120], label=label[:80],
                                       prefix=raw[:PREFIX_LENGTH], digest=digest(raw), created_by=_staff(by))
        revisions.bump(REVISION)
        _record(by, key, "create", via=via)
    return key, raw


def authenticate(kind: str, presented: str, *, now: datetime | None = None) -> HashedKey | None:
    """The active key of this kind whose secret was presented, else None."""
    presented = (presented or "").strip()
    if not presented:
        return None
    wanted = digest(presented)
    for key in _active().get((kind, presented[:PREFIX_LENGTH]), ()):
        if secrets.compare_digest(key.digest, wanted):
            _touch(key, now or timezone.now())
            return key
    return None


def revoke(key: HashedKey, by: User | None = None, *, now: datetime | None = None, via: str = "console") -> HashedKey:
    """Stops the key on every app server within CACHE_RECHECK_SECONDS; revoking twice is harmless."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = HashedKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=_staff(by))
        revisions.bump(REVISION)
        if changed:
            _record(by, key, "update", via=via, revoked=True)
    key.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return key


def replace(old: HashedKey | None, kind: str, owner, *, by: User | None = None, via: str = "console"):
    """A new key for the same owner, the old one revoked in the same transaction."""
    with transaction.atomic():
        if old is not None:
            revoke(old, by, via=via)
        return issue(kind, owner, label=old.label if old else "", by=by, via=via)


def shown_once(response: HttpResponse) -> HttpResponse:
    """The answer that carries a new secret (rendered with `org/_key_shown_once.html`): no cache,
    no browser history copy, so the secret is seen on this answer and never again."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


# ---------------------------------------------------------------------------- inside


def _load() -> dict:
    found: dict[tuple[str, str], list[HashedKey]] = {}
    for key in HashedKey.objects.filter(revoked_at__isnull=True).only(
            "pk", "kind", "prefix", "digest", "user_id", "last_used_at"):
        found.setdefault((key.kind, key.prefix), []).append(key)
    return found


_keys: RevisionCache[dict] = RevisionCache(REVISION, _load)


def _active() -> dict:
    return _keys.get()


def _touch(key: HashedKey, now: datetime) -> None:
    """Last used, to the minute: one conditional UPDATE a minute per key and process, not one per request."""
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return
    key.last_used_at = now
    HashedKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)).update(last_used_at=now)


def _staff(by) -> User | None:
    return by if isinstance(by, User) and by.pk else None


def _record(by, key: HashedKey, action: str, *, via: str, revoked: bool = False) -> None:
    shown = {"kind": key.kind, "owner": key.owner, "label": key.label, "prefix": key.prefix}
    before = {**shown, "revoked": False} if revoked else None
    after = {**shown, "revoked": revoked}
    changes.record(by if by is not None else "system", key, action, before, after, via=via)
