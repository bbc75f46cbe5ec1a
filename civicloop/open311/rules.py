"""Open311 GeoReport v2 as pure functions: reading the query parameters, the errors the spec names,
mapping a case to a request object, and writing JSON or XML. No ORM here.

Spec facts that shape this module (GeoReport v2, "frozen and finalized"):
* an empty parameter is treated as an absent one;
* errors are a list of {code, description} with HTTP 404 (missing resource), 403 (api_key) or 400;
* datetimes are W3C (ISO 8601 with a zone); GET requests defaults to the last 90 days and at most
  1,000 rows, and a start/end range may not span more than 90 days;
* JSON is the XML mapped programmatically: lists are bare arrays.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import orjson

from civicloop.lib import phones

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
MAX_RADIUS_M = 100_000
DEFAULT_RADIUS_M = 1000
METRES_PER_DEGREE = 111_320.0
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class Open311Error(Exception):
    """One spec error; `status` is the HTTP status, `code` the body's (may be more specific)."""

    def __init__(self, status: int, description: str, *, code: int | None = None, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.code = code or status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> list[dict]:
        return [{"code": self.code, "description": self.description}]


def bad(description: str) -> Open311Error:
    return Open311Error(400, description)


# ---------------------------------------------------------------------------- parameters


def param(params, name: str) -> str:
    """Spec: "an empty parameter must be treated the same as an absent one"."""
    return (params.get(name) or "").strip()


def comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_datetime(name: str, value: str, tz: ZoneInfo) -> datetime | None:
    """W3C datetimes; a bare date is that day's start in the city's zone; a naive time is the city's.
    A '+' sent unencoded arrives as a space (a common client slip), so a space before the offset is a '+'."""
    if not value:
        return None
    text = value.strip()
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", text)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time.min, tzinfo=tz)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad(f"{name}: 时间格式应为 W3C/ISO 8601，例如 2026-01-31T08:00:00+08:00 / "
                  f"not a W3C datetime, e.g. 2026-01-31T08:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def parse_int(name: str, value: str, *, default: int, low: int, high: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad(f"{name}: 应为整数 / must be a whole number") from None
    if not low <= number <= high:
        raise bad(f"{name}: 应在 {low}–{high} 之间 / must be between {low} and {high}")
    return number


def parse_float(name: str, value: str, *, low: float, high: float) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise bad(f"{name}: 应为数字 / must be a number") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise bad(f"{name}: 应在 {low}–{high} 之间 / must be between {low} and {high}")
    return number


@dataclass(frozen=True)
class RequestQuery:
    """GET requests, normalised: equal queries are equal objects (the page cache's key)."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    near: tuple[float, float, float] | None = None  # lat, long, radius in metres
    page: int = 1
    page_size: int = MAX_PAGE_SIZE
    extensions: bool = False
    default_window: bool = field(default=False)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


STATUSES = ("open", "closed")


def request_query(params, *, now: datetime, tz: ZoneInfo) -> RequestQuery:
    """Every filter of the spec plus the extensions clients use (page/page_size, updated_after/
    updated_before, lat/long/radius, extensions). service_request_id overrides all other filters."""
    extensions = param(params, "extensions").lower() in ("true", "1", "yes")
    ids = tuple(comma_list(param(params, "service_request_id")))
    if ids:
        if len(ids) > MAX_IDS:
            raise bad(f"service_request_id: 最多 {MAX_IDS} 个 / at most {MAX_IDS} ids")
        return RequestQuery(ids=ids, page_size=MAX_IDS, extensions=extensions)
    statuses = tuple(sorted(set(comma_list(param(params, "status").lower()))))
    if any(s not in STATUSES for s in statuses):
        raise bad("status: 只能是 open 或 closed / must be open, closed or both (comma-separated)")
    start = parse_datetime("start_date", param(params, "start_date"), tz)
    end = _end_of(param(params, "end_date"), parse_datetime("end_date", param(params, "end_date"), tz))
    updated_after = parse_datetime("updated_after", param(params, "updated_after"), tz)
    updated_before = parse_datetime("updated_before", param(params, "updated_before"), tz)
    start, end, default_window = _window(start, end, now, updated=bool(updated_after or updated_before))
    return RequestQuery(
        service_codes=tuple(sorted(set(comma_list(param(params, "service_code"))))), statuses=statuses,
        start=start, end=end, updated_after=updated_after, updated_before=updated_before, near=_near(params),
        page=parse_int("page", param(params, "page"), default=1, low=1, high=1_000_000),
        page_size=parse_int("page_size", param(params, "page_size"), default=MAX_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE),
        extensions=extensions, default_window=default_window)


def _end_of(text: str, end: datetime | None) -> datetime | None:
    """end_date names a whole day or second, all of it included: clients truncate "now" to the second
    (boston311 does), and a request made in that second must still be found. Kept as an exclusive bound."""
    if end is None or end.microsecond:
        return end
    return end + (timedelta(days=1) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else timedelta(seconds=1))


def _window(start, end, now, *, updated: bool):
    """The requested_datetime range: at most 90 days; by default the most recent 90 days, unless the
    client asks by update time (polling for changes), which bounds the answer by itself."""
    if start and end:
        if end < start:
            raise bad("end_date 早于 start_date / end_date is before start_date")
        if end - start > MAX_SPAN + timedelta(days=1):  # end is exclusive (_end_of): a whole last day
            raise bad("start_date 与 end_date 相隔不能超过 90 天 / the range may not span more than 90 days")
        return start, end, False
    if start:
        return start, start + MAX_SPAN, False
    if end:
        return end - MAX_SPAN, end, False
    if updated:
        return None, None, False
    # Rounded to the minute so equal queries within a minute share one cached page.
    return (now - MAX_SPAN).replace(second=0, microsecond=0), None, True


def _near(params) -> tuple[float, float, float] | None:
    lat = parse_float("lat", param(params, "lat"), low=-90, high=90)
    lon = parse_float("long", param(params, "long"), low=-180, high=180)
    radius = parse_float("radius", param(params, "radius"), low=1, high=MAX_RADIUS_M)
    if lat is None and lon is None:
        if radius is not None:
            raise bad("radius 需要同时给出 lat 和 long / radius needs lat and long")
        return None
    if lat is None or lon is None:
        raise bad("lat 和 long 须同时给出 / lat and long go together")
    return lat, lon, radius or DEFAULT_RADIUS_M


def bounding_box(lat: float, lon: float, radius: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) around a circle of `radius` metres."""
    dlat = radius / METRES_PER_DEGREE
    dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# ---------------------------------------------------------------------------- case → request


def open311_status(kind: str) -> str:
    """Open311 knows open and closed; a void case (not taken up, withdrawn) is closed, with a note."""
    return "open" if kind == "open" else "closed"


def kinds_for(statuses: tuple[str, ...]) -> tuple[str, ...] | None:
    if not statuses or set(statuses) == set(STATUSES):
        return None
    return ("open",) if statuses == ("open",) else ("closed", "void")


def mask_phones(text: str) -> str:
    """Descriptions are public here; a reporter may have typed a phone number into one, in any of
    the ways lib.phones knows (full-width digits, any separators, +86)."""
    return phones.mask_phones(text)


def w3c(value: datetime | None, tz: ZoneInfo) -> str | None:
    if value is None:
        return None
    return value.astimezone(tz).isoformat(timespec="seconds")


def utc(value: datetime) -> datetime:
    return value.astimezone(dt_timezone.utc)


# ---------------------------------------------------------------------------- writing


def to_json(data) -> bytes:
    return orjson.dumps(data)


# XML element names for the items of each list (the spec's XML; JSON has bare arrays).
ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
        "endpoints": "endpoint", "formats": "format", "errors": "error", "notes": "note", "photos": "photo"}


def to_xml(root: str, items: list | dict) -> bytes:
    """`root` is the list's element (services, service_requests, errors) or, for one object
    (service_definition, discovery), its own element."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>']
    if isinstance(items, dict):
        _element(parts, root, items)
    else:
        _element(parts, root, items)
    return "".join(parts).encode()


def _element(parts: list[str], name: str, value) -> None:
    if value is None:
        parts.append(f"<{name}/>")
    elif isinstance(value, dict):
        parts.append(f"<{name}>")
        for key, child in value.items():
            _element(parts, key, child)
        parts.append(f"</{name}>")
    elif isinstance(value, (list, tuple)):
        item = ITEM.get(name, "item")
        parts.append(f"<{name}>")
        for child in value:
            _element(parts, item, child)
        parts.append(f"</{name}>")
    elif isinstance(value, bool):
        parts.append(f"<{name}>{'true' if value else 'false'}</{name}>")
    else:
        parts.append(f"<{name}>{escape(str(value))}</{name}>")
