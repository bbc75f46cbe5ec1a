"""地理编码 API: GET /api/geo/geocode (address → places) and GET /api/geo/reverse (point → words).

Staff (a token or their browser session) and signed-in citizens call it freely; anyone else may too —
the report form of a passer-by needs it — but only GEOCODER_ANONYMOUS_PER_MINUTE times a minute per
address, counted in the database (core.throttle) so the limit holds across app servers.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from civicloop.citizens.services import current_citizen
from civicloop.core import throttle
from civicloop.core.errors import InvalidInput, TooManyRequests
from civicloop.core.net import client_ip
from civicloop.gazetteer import geocoding
from civicloop.geo.points import parse_point
from civicloop.org.api import StaffToken

router = Router(tags=["geo 地理"])

MAX_LIMIT = 20
WINDOW = timedelta(minutes=1)


class CandidateOut(Schema):
    lon: float
    lat: float
    confidence: float
    kind: str
    label: str
    matched: dict
    grid: str
    community: str
    street: str


class GeocodeOut(Schema):
    query: str
    candidates: list[CandidateOut]


class NearbyOut(Schema):
    name: str
    lon: float
    lat: float
    distance_m: float
    code: str


class WordsOut(Schema):
    lon: float
    lat: float
    line: str
    door: NearbyOut | None
    poi: NearbyOut | None
    road: NearbyOut | None
    intersection: NearbyOut | None
    segment: NearbyOut | None
    grid: str
    community: str
    community_name: str
    street: str
    street_name: str


GEOCODE_DOC = f"""Address text as people type it → up to `limit` candidates, best first, each with a WGS-84
point, a confidence 0–1, its kind (door, interpolated, nearest_door, building, compound, compound_only,
intersection, poi, road), what matched, and the grid/community/street there. An empty list: nothing
in the gazetteer fits. `q` of 1–{geocoding.MAX_QUERY} characters (longer: 422, field `q`; not cut
short). Staff token or session, or a citizen session; anonymous callers are rate-limited per address
(429 with `retry_after`)."""

REVERSE_DOC = """A point (`crs` wgs84, cgcs2000, gcj02 or bd09) → the nearest door plate and POI with their
distances, the road and the nearest crossing, the road segment (天马路（银河路—学府路）), the
grid/community/street, and a one-line address. A point outside the jurisdiction: 422, field `location`.
Same callers and limits as geocode."""


@router.get("/geocode", response=GeocodeOut, url_name="geocode", summary="地理编码 address → places",
            description=GEOCODE_DOC)
def geocode(request, q: str = Query(..., description="the address text"),
            limit: int = Query(5, ge=1, le=MAX_LIMIT, description=f"1–{MAX_LIMIT}")):
    _admit(request)
    text = q.strip()
    if not text:
        raise InvalidInput.field("q", _("Type an address to look up."))
    if len(text) > geocoding.MAX_QUERY:
        raise InvalidInput.field("q", _("An address is at most %(count)d characters.") % {"count": geocoding.MAX_QUERY})
    found = geocoding.geocode(text, limit=limit)
    return {"query": text, "candidates": [vars(c) for c in found]}


@router.get("/reverse", response=WordsOut, url_name="reverse_geocode", summary="逆地理编码 point → address",
            description=REVERSE_DOC)
def reverse(request, lon: str | None = None, lat: str | None = None, crs: str = "wgs84"):
    _admit(request)
    lon_, lat_ = parse_point(lon, lat, crs)
    words = geocoding.reverse(lon_, lat_)
    return {**vars(words), **{k: vars(getattr(words, k)) if getattr(words, k) else None
                              for k in ("door", "poi", "road", "intersection")}}


def _admit(request) -> None:
    """Staff and citizens pass; an anonymous caller is counted against their address's limit.
    A bearer token that is not valid is refused rather than taken for anonymous."""
    if _staff(request) or _citizen(request):
        return
    key = f"geocoder-ip:{client_ip(request)}"
    limit = settings.GEOCODER_ANONYMOUS_PER_MINUTE
    if throttle.hits(key, WINDOW) >= limit:
        first = throttle.oldest_within(key, WINDOW, limit)
        wait = max(1, int((first + WINDOW - timezone.now()).total_seconds()) + 1) if first else 60
        raise TooManyRequests(_("Too many look-ups from this address; sign in or try again in %(seconds)d seconds.")
                              % {"seconds": wait}, retry_after=wait)
    throttle.hit(key)


def _staff(request) -> bool:
    from ninja.errors import AuthenticationError

    header = request.headers.get("Authorization", "")
    if header:
        if StaffToken()(request) is None:
            raise AuthenticationError()
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active)


def _citizen(request) -> bool:
    return current_citizen(request) is not None
