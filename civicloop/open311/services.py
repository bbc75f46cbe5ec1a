"""State changes for Open311: issuing and revoking keys, counting a key's POSTs, and turning a POST
into a case through the one intake door (`cases.services.report_case`)."""
from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.cases import attachments
from civicloop.cases import services as cases
from civicloop.cases.models import Case, Channel
from civicloop.core import bulk, revisions, throttle
from civicloop.core.errors import Forbidden, InvalidInput, ServiceError
from civicloop.gazetteer import geocoding
from civicloop.open311 import queries
from civicloop.open311.models import ApiKey, Open311Request
from civicloop.open311.rules import Open311Error, bad
from civicloop.org import keys

KEYS_REVISION = "open311_keys"
RATE_PREFIX = "open311:"  # core.Throttle keys: one fixed window a minute per key
MINUTE = timedelta(minutes=1)
CHANNEL = Channel.OTHER  # Open311 is one more way in; cases has no channel of its own for it (no migration)


# ---------------------------------------------------------------------------- keys


def issue_key(*, name: str, contact: str = "", rate_per_minute: int | None = None, by=None,
              via: str = "console") -> tuple[ApiKey, str]:
    """A new key; the raw value is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "请填写使用方名称 / name who uses the key")
    with transaction.atomic():
        client = ApiKey.objects.create(
            name=name[:80], contact=(contact or "").strip()[:120],
            rate_per_minute=rate_per_minute or settings.OPEN311_RATE_PER_MINUTE, created_by=by)
        client.key, raw = keys.issue(keys.OPEN311, f"open311 {client.name}", label=client.name, by=by, via=via)
        client.save(update_fields=["key"])
        revisions.bump(KEYS_REVISION)
    return client, raw


def revoke_key(client: ApiKey, *, by=None, now=None, via: str = "console") -> ApiKey:
    """Takes effect on every app server within CACHE_RECHECK_SECONDS; revoking twice is harmless."""
    with transaction.atomic():
        if client.key_id:
            client.key = keys.revoke(client.key, by, now=now, via=via)
        revisions.bump(KEYS_REVISION)
    return client


def key_changed(key: ApiKey) -> None:
    """After the admin edits a key (its limit), every process rereads the keys."""
    revisions.bump(KEYS_REVISION)


def authenticate(raw: str) -> ApiKey:
    if not raw:
        raise Open311Error(403, "api_key 未提供 / api_key not provided -- can't proceed with create_request.")
    hashed = keys.authenticate(keys.OPEN311, raw)
    key = queries.active_keys().get(hashed.pk) if hashed else None
    if key is None:
        raise Open311Error(403, "api_key 无效或已吊销 / Invalid api_key received -- can't proceed with create_request.")
    return key


# ---------------------------------------------------------------------------- rate limit


def take_rate(key: ApiKey, *, now: float | None = None) -> None:
    """Count one POST in the key's current minute, refusing over its limit.

    One statement (core.throttle.take), so the limit holds across app servers. `submit` runs it last
    in the case's transaction: a refused or failed POST counts nothing, an accepted one costs no
    commit of its own, and the key's row is locked only while that transaction commits (every POST
    of the key updates the same row).
    """
    now = time.time() if now is None else now
    if throttle.take(rate_key(key), window=MINUTE, limit=key.rate_per_minute,
                     now=datetime.fromtimestamp(now, tz=dt_timezone.utc)):
        return
    wait = max(1, 60 - int(now % 60))
    raise Open311Error(429, f"超过每分钟 {key.rate_per_minute} 次的上限，请 {wait} 秒后重试 / rate limit of "
                            f"{key.rate_per_minute} requests a minute reached; retry in {wait} s", retry_after=wait)


def rate_key(key: ApiKey) -> str:
    return f"{RATE_PREFIX}{key.pk}"


def posts_since(since) -> dict[int, int]:
    """POSTs per key since a time (the console's "last hour")."""
    return {int(name[len(RATE_PREFIX):]): n for name, n in throttle.totals(RATE_PREFIX, since).items()}


# ---------------------------------------------------------------------------- POST requests


@dataclass(frozen=True)
class Submission:
    service_code: str
    lat: str
    lon: str
    address: str
    description: str
    reporter_name: str
    reporter_phone: str
    device_id: str
    media_url: str
    attributes: dict
    client_key: str | None


def submit(key: ApiKey, sub: Submission, *, media=(), now=None) -> tuple[Case, Open311Request, bool]:
    """The case, its Open311 row, and whether it is new (a repeated client_key returns the first and
    counts nothing against the key's limit)."""
    if sub.client_key:
        earlier = _earlier(sub.client_key)
        if earlier is not None:
            return earlier.case, earlier, False
    prepared = attachments.prepare(list(media)) if media else []  # decoded before any lock is taken
    now = now or timezone.now()
    try:
        # One batch: the case's rows, the Open311 row and the rate count reach PostgreSQL as one
        # statement (bulk.batch).
        with transaction.atomic(), bulk.batch():
            case = cases.report_case(
                actor=None, channel=CHANNEL, lon=sub.lon, lat=sub.lat, crs="wgs84", description=sub.description,
                category=None if sub.service_code == queries.OTHER else sub.service_code, address=sub.address, reporter_name=sub.reporter_name,
                reporter_phone=sub.reporter_phone, client_key=sub.client_key, refs={"open311_key": key.pk}, now=now)
            row = Open311Request(case=case, key_id=key.pk, token=secrets.token_urlsafe(16), attributes=sub.attributes,
                                 device_id=sub.device_id[:64], media_url=sub.media_url[:500], created_at=now)
            bulk.insert_one(row, read_pk=False)
            take_rate(key)
            if prepared:
                attachments.store(case, None, prepared, kind="before")
    except IntegrityError:
        earlier = _earlier(sub.client_key) if sub.client_key else None
        if earlier is None:
            raise
        return earlier.case, earlier, False
    except ServiceError as exc:
        raise as_open311(exc) from None
    return case, row, True


# An address_string stands in for lat/long only when the gazetteer is sure of it: an exact door plate,
# building, crossing or named place (geocoding.TRUST ≥ 0.85), never a guessed number or a road's middle,
# which would put a case hundreds of metres from what the reporter saw. Two sure answers far apart
# (two 建设路 in two towns) are as bad as none.
ADDRESS_CONFIDENCE = 0.8
ADDRESS_AMBIGUOUS_M = 150.0


def place_of_address(text: str) -> tuple[str, str]:
    """(lat, long) as strings, for a POST that sent an address_string and no lat/long; refused with
    the spec's 400 when the gazetteer cannot place it with confidence."""
    if len(text) > geocoding.MAX_QUERY:
        raise bad(f"address_string 最多 {geocoding.MAX_QUERY} 个字符 / address_string is at most "
                  f"{geocoding.MAX_QUERY} characters")
    sure = [c for c in geocoding.geocode(text, limit=3) if c.confidence >= ADDRESS_CONFIDENCE]
    if not sure:
        raise bad("address_string 无法准确定位，请提供 lat 和 long（WGS-84）/ address_string could not be placed "
                  "with confidence: send lat and long (WGS-84)")
    best = sure[0]
    if any(_metres(best, other) > ADDRESS_AMBIGUOUS_M for other in sure[1:]):
        raise bad("address_string 对应多个地点，请提供 lat 和 long（WGS-84）/ address_string matches several "
                  "places: send lat and long (WGS-84)")
    return f"{best.lat:.7f}", f"{best.lon:.7f}"


def _metres(a, b) -> float:
    dx = (a.lon - b.lon) * 111_320.0 * math.cos(math.radians(a.lat))
    return math.hypot(dx, (a.lat - b.lat) * 111_320.0)


def _earlier(client_key: str) -> Open311Request | None:
    return Open311Request.objects.select_related("case").filter(case__client_key=client_key).first()


def as_open311(exc: ServiceError) -> Open311Error:
    """The intake's own checks (outside the city, too long) in the spec's error shape."""
    if isinstance(exc, Forbidden):
        return Open311Error(403, exc.message)
    return bad(exc.message)


def client_key_for(key: ApiKey, value: str) -> str | None:
    """A client's idempotency key, namespaced by its API key so two clients never share one."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 48:
        raise bad("client_key: 最多 48 个字符 / at most 48 characters")
    return f"o311:{key.pk}:{value}"
