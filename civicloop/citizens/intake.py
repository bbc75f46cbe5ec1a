"""The citizen's reports over JSON (/api/citizen/…): report with photos, look for the same problem
nearby and follow it instead, list and read one's own reports in plain words.

Intake is idempotent on the client key the app draws for each report (its outbox resends until
the server answers), so a retry on a bad network returns the first case and never makes a second.
The case, the reporter's link and the photos are saved in one transaction: all or nothing.
"""
from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from civicloop.cases import attachments, publicity, queries, services as cases
from civicloop.cases.models import Case, Channel
from civicloop.cases.rules import Kind
from civicloop.citizens import services
from civicloop.citizens.api import require_csrf
from civicloop.citizens.models import CitizenReport
from civicloop.citizens.status import PUBLIC_STEPS, plain_state
from civicloop.core import extensions
from civicloop.core.errors import InvalidInput, NotFound, ServiceError
from civicloop.geo.points import parse_point
from civicloop.taxonomy.queries import config, suggest_categories

router = Router(tags=["citizen 市民"])


class SignInNeeded(ServiceError):
    status = 401
    code = "sign_in"


class ReportIn(Schema):
    lon: str = ""
    lat: str = ""
    crs: str = "wgs84"
    description: str = ""
    category: str = ""
    address: str = ""
    client_key: str = ""
    device: str = ""  # the app's own id for this phone, and where the phone itself was (points' fraud signals)
    phone_lon: str = ""
    phone_lat: str = ""
    facility: str = ""  # the QR token of a scanned facility or shop (civicloop.facilities.scan)
    shop: str = ""


class ReportOut(Schema):
    reference: str
    status: str
    url: str
    tracking_code: str | None = None
    created: bool


def _url(reference: str) -> str:
    return reverse("citizens:report", args=[reference])


@router.post("/reports", response={201: ReportOut, 200: ReportOut}, url_name="citizen_report_create",
             summary="市民上报 report a problem (multipart, up to 9 photos)")
def create_report(request: HttpRequest, payload: Form[ReportIn], photos: File[list[UploadedFile]] = None):
    require_csrf(request)
    citizen = services.current_citizen(request)
    category = payload.category.strip() or None
    _check_anonymous(citizen, category)
    key = payload.client_key.strip() or None
    if key:
        earlier = _earlier(key, citizen)
        if earlier is not None:
            return Status(200, _out(earlier, created=False))
    refs = extensions.scanned_refs({"facility": payload.facility, "shop": payload.shop})
    refs = {**(refs or {}), **_phone_refs(payload)}
    prepared = attachments.prepare(photos or [])  # decoded before the write lock is taken
    try:
        with transaction.atomic():
            case = cases.report_case(
                actor=None, channel=Channel.CITIZEN, lon=payload.lon or None, lat=payload.lat or None, crs=payload.crs,
                description=payload.description, category=category, address=payload.address,
                reporter_phone=citizen.phone if citizen else "", client_key=key, refs=refs)
            link = services.link_reporter(case, citizen=citizen)
            attachments.store(case, None, prepared, kind="before")
    except IntegrityError:
        # Two sends of one report raced: the first one's case is the answer.
        earlier = _earlier(key, citizen) if key else None
        if earlier is None:
            raise
        return Status(200, _out(earlier, created=False))
    return Status(201, _out(link, created=True))


def _phone_refs(payload: ReportIn) -> dict:
    """The device id and the phone's own GPS fix, kept with the report for the points app's fraud
    signals (a burst from one device, a report far from where the phone was)."""
    refs = {"client_device": payload.device.strip()[:64]} if payload.device.strip() else {}
    try:
        lon, lat = float(payload.phone_lon), float(payload.phone_lat)
    except ValueError:
        return refs
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        refs.update(phone_lon=f"{lon:.6f}", phone_lat=f"{lat:.6f}")
    return refs


def _check_anonymous(citizen, category: str | None) -> None:
    if citizen is not None:
        return
    info = config().categories.get(category or "")
    if info is None or not info.allow_anonymous:
        raise SignInNeeded("请先用手机号登录；只有部分问题类型可以匿名上报 / sign in first; only some categories "
                           "accept anonymous reports")


def _earlier(key: str, citizen) -> CitizenReport | None:
    link = (CitizenReport.objects.select_related("case").filter(case__client_key=key, followed=False).first())
    if link is None:
        return None
    if citizen is not None and link.citizen_id != citizen.pk:
        raise InvalidInput.field("client_key", "客户端编号冲突，请重新提交 / client key already used; submit again")
    return link


def _out(link: CitizenReport, *, created: bool) -> dict:
    case = link.case
    return {"reference": case.reference, "status": plain_state(case.state), "url": _url(case.reference),
            "tracking_code": link.tracking_code, "created": created}


# ---------------------------------------------------------------------------- before reporting


class SuggestionOut(Schema):
    code: str
    name: str
    share: int


@router.get("/suggest", response=list[SuggestionOut], url_name="citizen_suggest", summary="建议问题类型 suggest a category")
def suggest(request: HttpRequest, text: str = ""):
    return [{"code": info.code, "name": info.name, "share": round(share * 100)}
            for info, share in suggest_categories(text[:500])]


class NearbyOut(Schema):
    reference: str
    category_name: str
    description: str
    distance_m: int
    status: str


@router.get("/nearby", response=list[NearbyOut], url_name="citizen_nearby",
            summary="附近相同问题 open cases of this category nearby (已有人上报)")
def nearby(request: HttpRequest, lon: str, lat: str, category: str, crs: str = "wgs84"):
    """Only what any passer-by can see on the street: no names, no phones, no photos of people; the
    description only where cases.publicity makes it public."""
    x, y = parse_point(lon, lat, crs)
    near = queries.open_cases_near(Case.objects.filter(category_id=category).select_related("open311"), x, y,
                                   radius_m=settings.DUPLICATE_RADIUS_M)
    return [{"reference": case.reference, "category_name": case.category.name,
             "description": publicity.description_for(case)[:60],
             "distance_m": metres, "status": plain_state(case.state)} for case, metres in near[:5]]


@router.post("/reports/{reference}/follow", response={200: ReportOut}, url_name="citizen_follow",
             summary="关注已有案件 follow a case instead of reporting again (photos optional)")
def follow(request: HttpRequest, reference: str, photos: File[list[UploadedFile]] = None):
    """Following brings the case's notices, not its report: the follower's page shows the public
    view (cases.publicity), asked again on every request. The photos are the follower's own."""
    require_csrf(request)
    citizen = services.current_citizen(request)
    if citizen is None:
        raise SignInNeeded("请先用手机号登录 / sign in first")
    case = Case.objects.filter(reference=reference, kind=Kind.OPEN).first()
    if case is None:
        raise NotFound("案件不存在或已办结 / no open case with this number")
    prepared = attachments.prepare(photos or [])
    with transaction.atomic():
        link = services.follow(case, citizen)
        attachments.store(case, None, prepared, kind="before", follower=citizen if link.followed else None)
    return _out(link, created=False)


# ---------------------------------------------------------------------------- my reports


class MyReportOut(Schema):
    reference: str
    status: str
    followed: bool
    description: str
    reported_at: str
    url: str


@router.get("/reports", response=list[MyReportOut], url_name="citizen_reports", summary="我的上报 my reports")
def my_reports(request: HttpRequest):
    citizen = services.current_citizen(request)
    if citizen is None:
        raise SignInNeeded("请先用手机号登录 / sign in first")
    links = (CitizenReport.objects.filter(citizen=citizen).select_related("case", "case__open311")
             .order_by("-created_at")[:200])
    return [{"reference": link.case.reference, "status": plain_state(link.case.state), "followed": link.followed,
             "description": link_description(link)[:80], "reported_at": link.case.reported_at.isoformat(),
             "url": _url(link.case.reference)} for link in links]


def link_description(link: CitizenReport) -> str:
    """The description as this link's citizen may read it: their own report's, or a followed
    case's only where cases.publicity makes it public."""
    case = link.case
    return publicity.description_for(case, is_reporter=not link.followed)


def citizen_case(request: HttpRequest, reference: str, code: str = "") -> tuple[Case, CitizenReport]:
    """A case the signed-in citizen reported or follows, or the one its tracking code names; 404
    otherwise, so nobody can read another person's report by guessing numbers. A follower's link
    opens the public view only: what it shows is for cases.publicity (`visible_photos`)."""
    link = _link(request, reference, code)
    if link is None:
        raise NotFound(_("No report of yours has this number."))
    return link.case, link


def _link(request: HttpRequest, reference: str, code: str = "") -> CitizenReport | None:
    citizen = services.current_citizen(request)
    link = None
    if citizen is not None:
        link = CitizenReport.objects.select_related("case").filter(citizen=citizen, case__reference=reference).first()
    if link is None and code:
        found = services.find_by_tracking_code(code)
        link = found if found and found.case.reference == reference else None
    return link


def public_timeline(case: Case) -> list[dict]:
    rows = []
    for event in case.events.order_by("seq"):
        step = PUBLIC_STEPS.get(event.action)
        if step is None or (event.action == "check" and not (event.data or {}).get("passed", True)):
            continue
        rows.append({"step": step[0], "at": event.created_at})
    return rows


@router.get("/reports/{reference}/photos/{attachment_id}", url_name="citizen_photo", summary="照片 a photo of my report")
def photo(request: HttpRequest, reference: str, attachment_id: int, code: str = "", size: str = ""):
    """For the reporter and followers, and for anyone when cases.publicity makes the photo public
    (Open311's media_url of a case staff made public points here): asked on every request."""
    link = _link(request, reference, code)
    case = link.case if link else Case.objects.filter(reference=reference).select_related("open311").first()
    item = case.attachments.filter(pk=attachment_id).first() if case else None
    if item is None or not publicity.shows_photo(case, item, is_reporter=bool(link) and not link.followed,
                                                 citizen_id=link.citizen_id if link else None):
        raise NotFound(_("Photo not found."))  # the same answer as a missing one: nothing to learn by guessing
    response = attachments.file_response(item, size=size)
    response.setdefault("Cache-Control", "private, no-cache")  # a case may be made private again at any time
    return response


def visible_photos(case: Case, link: CitizenReport) -> list:
    """The photos this link's citizen may see (never the inspectors' evidence), oldest first."""
    facts, reporter = publicity.facts_of(case), not link.followed
    return [item for item in case.attachments.exclude(kind="evidence").order_by("pk")
            if publicity.shows_photo(case, item, is_reporter=reporter, citizen_id=link.citizen_id, facts=facts)]


# ---------------------------------------------------------------------------- after closure


class RatingIn(Schema):
    stars: int = 0
    fixed: bool = True
    comment: str = ""


class RatingOut(Schema):
    status: str
    reopened: bool
    message: str


@router.post("/reports/{reference}/rating", response=RatingOut, url_name="citizen_rating",
             summary="评价办理结果 rate the result; not fixed → reopened for 返工")
def rate(request: HttpRequest, reference: str, payload: RatingIn):
    require_csrf(request)
    citizen = services.current_citizen(request)
    if citizen is None:
        raise SignInNeeded("请先用手机号登录 / sign in first")
    case, _link = citizen_case(request, reference)
    rated = services.rate_case(case, citizen, stars=payload.stars, fixed=payload.fixed, comment=payload.comment)
    case.refresh_from_db()
    return {"status": plain_state(case.state), "reopened": rated.reopened, "message": rated.message}
