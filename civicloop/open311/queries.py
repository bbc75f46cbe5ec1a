"""Read side of Open311: the active keys (cached per process), services and their definitions from
the taxonomy, and service requests as the spec's request objects, built straight from database
rows (`values_list`, no model instances) so a page of 1,000 costs milliseconds, and cached per
query and data version."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import F, FloatField, Q
from django.db.models.expressions import ExpressionWrapper
from django.urls import reverse

from civicloop.cases import publicity
from civicloop.cases.models import Attachment, Case, CaseEvent
from civicloop.citizens.status import PLAIN, PUBLIC_STEPS
from civicloop.core import revisions
from civicloop.core.revisions import RevisionCache
from civicloop.open311 import rules
from civicloop.open311.models import ApiKey, ServiceChangeset
from civicloop.open311.rules import RequestQuery
from civicloop.taxonomy.queries import config

KEYS_REVISION = "open311_keys"
OTHER = "other"  # the service for "I don't know the category": the centre classifies it when filing


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# ---------------------------------------------------------------------------- keys


def _load_keys() -> dict:
    return {k.key_id: k for k in ApiKey.objects.filter(key__revoked_at__isnull=True).select_related("key")}


_keys: RevisionCache[dict] = RevisionCache(KEYS_REVISION, _load_keys)


def active_keys() -> dict:
    """HashedKey id → ApiKey; a revoked key stops working on every server within CACHE_RECHECK_SECONDS."""
    return _keys.get()


# ---------------------------------------------------------------------------- services


def _conditions(cfg, code: str) -> list[str]:
    return sorted({condition for (category, condition, _stage) in cfg.limits if category == code and condition})


def services_changed_at():
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    revision = revisions.current("taxonomy")
    row = ServiceChangeset.objects.filter(revision=revision).values_list("at", flat=True).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return ServiceChangeset.objects.create(revision=revision, at=timezone.now()).at
    except IntegrityError:  # another server stamped it first
        return ServiceChangeset.objects.get(revision=revision).at


def service_notice(code: str | None) -> str | None:
    if not code:
        return "由指挥中心分类后派遣 / the centre classifies and dispatches it"
    limit = config().limit(code, "", "handle")
    return (f"立案派遣后 {limit.amount:g} {limit.unit.label_zh}内处置 / "
            f"to be fixed within {limit.amount:g} {limit.unit.label_en} of dispatch")


def service_list() -> list[dict]:
    cfg = config()
    items = [{"service_code": info.code, "service_name": info.name, "description": f"{info.major_name} · {info.name}",
              "metadata": bool(_conditions(cfg, info.code)), "type": "realtime",
              "keywords": ",".join(info.keywords) or None, "group": info.major_name}
             for info in sorted(cfg.categories.values(), key=lambda c: c.code) if info.active]
    items.append({"service_code": OTHER, "service_name": "其他问题 other",
                  "description": "不清楚属于哪一类时选这个，指挥中心会分类 / when unsure: the centre classifies it",
                  "metadata": False, "type": "realtime", "keywords": None, "group": "其他 other"})
    return items


def known_service(code: str) -> bool:
    if code == OTHER:
        return True
    info = config().categories.get(code)
    return info is not None and info.active


def service_definition(code: str) -> dict:
    """The attributes of a service: the filing conditions the city set time limits for (a client
    may say which applies), and the expected handling time as information."""
    attributes = [{"variable": False, "code": "notice", "datatype": "string", "required": False,
                   "datatype_description": None, "order": 1, "description": service_notice(_category(code))}]
    conditions = _conditions(config(), code) if code != OTHER else []
    if conditions:
        attributes.append({
            "variable": True, "code": "condition", "datatype": "singlevaluelist", "required": False,
            "datatype_description": "选一项（可不选）/ pick one if it applies", "order": 2,
            "description": "现场情况 / what it looks like on site",
            "values": [{"key": c, "name": c} for c in conditions]})
    return {"service_code": code, "attributes": attributes}


def _category(code: str) -> str | None:
    return None if code == OTHER else code


def check_attributes(code: str, given: dict[str, list[str]]) -> dict:
    """Attributes the definition knows, checked; others (a client's own) are ignored, as FixMyStreet does."""
    definition = {a["code"]: a for a in service_definition(code)["attributes"] if a["variable"]}
    kept = {}
    for name, attribute in definition.items():
        values = [v for v in given.get(name, []) if v]
        if not values:
            if attribute["required"]:
                raise rules.bad(f"attribute[{name}]: 必填 / is required")
            continue
        allowed = {v["key"] for v in attribute.get("values", [])}
        if allowed and any(v not in allowed for v in values):
            raise rules.bad(f"attribute[{name}]: 只能是 {', '.join(sorted(allowed))} / must be one of the listed keys")
        kept[name] = values if attribute["datatype"] == "multivaluelist" else values[0]
    return kept


# ---------------------------------------------------------------------------- requests

COLUMNS = ("id", "reference", "kind", "state", "category_id", "description", "department__name", "reported_at",
           "updated_at", "stage_deadline", "address", "lat", "lon", "open311__id", "open311__media_url", "channel",
           "published_at", "filed_at")
NOTES = {state: f"{zh} / {en}" for state, (zh, en) in PLAIN.items()}


def _filtered(query: RequestQuery):
    cases = Case.objects.all()
    if query.ids:
        return cases.filter(reference__in=query.ids)
    if query.service_codes:
        codes = [c for c in query.service_codes if c != OTHER]
        condition = Q(category_id__in=codes)
        if OTHER in query.service_codes:
            condition |= Q(category_id__isnull=True)
        cases = cases.filter(condition)
    kinds = rules.kinds_for(query.statuses)
    if kinds:
        cases = cases.filter(kind=kinds[0]) if len(kinds) == 1 else cases.filter(kind__in=kinds)
    if query.start:
        cases = cases.filter(reported_at__gte=query.start)
    if query.end:
        cases = cases.filter(reported_at__lt=query.end)  # exclusive (rules._end_of)
    if query.updated_after:
        cases = cases.filter(updated_at__gt=query.updated_after)
    if query.updated_before:
        cases = cases.filter(updated_at__lt=query.updated_before)
    if query.near:
        cases = _near(cases, *query.near)
    return cases


def _near(cases, lat: float, lon: float, radius: float):
    """A box the indexes can use, then the circle (equirectangular: exact enough within 100 km)."""
    import math

    lat_min, lat_max, lon_min, lon_max = rules.bounding_box(lat, lon, radius)
    kx = (rules.METRES_PER_DEGREE * math.cos(math.radians(lat))) ** 2
    ky = rules.METRES_PER_DEGREE ** 2
    distance2 = ExpressionWrapper((F("lat") - lat) * (F("lat") - lat) * ky + (F("lon") - lon) * (F("lon") - lon) * kx,
                                  output_field=FloatField())
    return (cases.filter(lat__range=(lat_min, lat_max), lon__range=(lon_min, lon_max))
            .alias(distance2=distance2).filter(distance2__lte=radius * radius))


def request_rows(query: RequestQuery) -> list[tuple]:
    rows = _filtered(query).order_by("-reported_at", "-id").values_list(*COLUMNS)
    return list(rows[query.offset:query.offset + query.page_size])


def request_objects(rows: list[tuple], *, extensions: bool = False) -> list[dict]:
    """The spec's request objects, every field present (null when unknown: some clients need the keys).
    Never a reporter's name, phone, e-mail or account; descriptions and photos as cases.publicity
    says (docs/security.md), with OPEN311_PUBLIC_DESCRIPTIONS as this feed's own say on descriptions:
    "open311" follows the policy, "all" shows every case's, "none" none."""
    zone = tz()
    categories = config().categories
    notices: dict = {}
    photos = _photos(rows)
    policy, mode = settings.OPEN311_PUBLIC_DESCRIPTIONS, publicity.mode()
    w3c = rules.w3c
    out = []
    for row in rows:
        (pk, reference, kind, state, category, description, department, reported, updated, deadline, address,
         lat, lon, open311_id, client_media, _channel, _published, _filed) = row
        info = categories.get(category) if category else None
        if category not in notices:
            notices[category] = service_notice(category)
        facts = _facts(row)
        public = publicity.details_public(facts, mode)
        shown = policy == "all" or (policy == "open311" and public)
        photo = photos.get(pk)
        out.append({
            "service_request_id": reference, "status": rules.open311_status(kind), "status_notes": NOTES.get(state),
            "service_name": info.name if info else "其他问题 other", "service_code": category or OTHER,
            "description": rules.mask_phones(description) if shown else None,
            "agency_responsible": department, "service_notice": notices[category],
            "requested_datetime": w3c(reported, zone), "updated_datetime": w3c(updated, zone),
            "expected_datetime": w3c(deadline, zone) if kind == "open" else None,
            # The public view's place is the block, not the doorway; the typed address is the reporter's words.
            "address": (address or "") if public else "", "address_id": None, "zipcode": None,
            "lat": _rough(lat, facts, mode), "long": _rough(lon, facts, mode),
            "media_url": (photo[0] if photo else None) or client_media or None,
        })
    if extensions:
        _extend(rows, out, photos)
    return out


def _rough(value, facts: publicity.Facts, mode: str):
    return None if value is None else publicity.rounded(value, facts, mode)


def _facts(row: tuple) -> publicity.Facts:
    return publicity.Facts(marked_public=row[16] is not None, via_open311=row[13] is not None,
                           filed=row[17] is not None, void=row[2] == "void")


def _photos(rows: list[tuple]) -> dict[int, list[str]]:
    """Public URLs of the report photos cases.publicity makes public: those of cases sent through
    Open311 (whoever sent them knew the feed is public), of cases staff made public, and of filed
    citizen reports where the city publishes them; a photo a follower added only when the case is
    public by the staff's mark or the city's rule. The rest may show faces or number plates."""
    mode = publicity.mode()
    facts = {row[0]: _facts(row) for row in rows}
    ids = [pk for pk, fact in facts.items() if publicity.details_public(fact, mode)]
    if not ids:
        return {}
    found: dict[int, list[str]] = {}
    references = {row[0]: row[1] for row in rows}
    for case_id, attachment_id, follower in (Attachment.objects.filter(case_id__in=ids, kind="before", status="ready")
                                             .order_by("case_id", "id").values_list("case_id", "id", "follower_id")):
        if follower is not None and not publicity.screened_public(facts[case_id], mode):
            continue
        url = media_url(references[case_id], attachment_id, open311=facts[case_id].via_open311)
        found.setdefault(case_id, []).append(url)
    return found


def media_url(reference: str, attachment_id: int, *, open311: bool = True) -> str:
    """Open311's own media URL for its requests; the citizens' photo URL, which asks cases.publicity
    on every request, for a case public by the staff's mark or the city's rule."""
    name = "open311:media" if open311 else "api:citizen_photo"
    return settings.PUBLIC_URL + reverse(name, args=[reference, attachment_id])


def _extend(rows: list[tuple], out: list[dict], photos: dict) -> None:
    """extensions=true (Chicago, Boston): notes from the case's public steps, extended_attributes."""
    zone = tz()
    notes: dict[int, list[dict]] = {}
    events = (CaseEvent.objects.filter(case_id__in=[r[0] for r in rows], action__in=list(PUBLIC_STEPS))
              .order_by("case_id", "seq").values_list("case_id", "action", "created_at", "data"))
    for case_id, action, at, data in events:
        if action == "check" and not (data or {}).get("passed", True):
            continue
        zh, en = PUBLIC_STEPS[action]
        notes.setdefault(case_id, []).append({"datetime": rules.w3c(at, zone), "description": f"{zh} / {en}",
                                              "type": "status"})
    for row, item in zip(rows, out):
        item["notes"] = notes.get(row[0], [])
        item["extended_attributes"] = {"detailed_status": row[3], "channel": "open311" if row[13] else row[15],
                                       "photos": photos.get(row[0], [])}


# ---------------------------------------------------------------------------- the page cache


def data_version() -> tuple:
    """Moves whenever a case changes (every change writes an event) or a photo is added."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT MAX(id) FROM cases_caseevent), (SELECT MAX(id) FROM cases_attachment)")
        return tuple(cursor.fetchone())


class PageCache:
    """Rendered list pages per process, keyed by the normalised query.

    A page is served without asking the database for OPEN311_LIST_CACHE_SECONDS after it was built;
    after that, while the data version is unchanged (one index-only query), for up to MAX_AGE. Ids
    are handed out before commit, so a transaction that commits late can hide behind a version
    already seen: MAX_AGE bounds how long."""

    MAX_AGE = 60.0
    SIZE = 256

    def __init__(self):
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def get(self, key, build: Callable[[], bytes]) -> bytes:
        now = time.monotonic()
        with self._lock:
            entry = self._pages.get(key)
        version = None
        if entry is not None:
            built_version, built_at, body = entry
            age = now - built_at
            if age < settings.OPEN311_LIST_CACHE_SECONDS:
                return body
            version = data_version()
            if version == built_version and age < self.MAX_AGE:
                return body
        version = version or data_version()
        body = build()
        with self._lock:
            self._pages[key] = (version, now, body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.SIZE:
                self._pages.popitem(last=False)
        return body


pages = PageCache()
