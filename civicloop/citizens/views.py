"""The citizen app's pages (/m/): a small installable web app that works in WeChat's browser.

Pages are drawn on the server; the browser adds photos, the map pin and the offline outbox.
"""
from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from civicloop.cases.models import Case, CaseEvent
from civicloop.citizens.status import PUBLIC_STEPS, plain_state
from civicloop.core import extensions
from civicloop.citizens import services
from civicloop.cases import publicity
from civicloop.citizens.intake import citizen_case, link_description, public_timeline, visible_photos
from civicloop.citizens.personal import delete_citizen, export_citizen
from civicloop.geo import tiles
from civicloop.geo.viewport import polygon_feature
from civicloop.core.errors import InvalidInput, NotFound
from civicloop.geo.models import Division
from civicloop.notify import wechat
from civicloop.notify.backends import Undeliverable
from civicloop.taxonomy.queries import config



def _context(request, **extra) -> dict:
    return {"citizen": services.current_citizen(request), **extra}


@ensure_csrf_cookie
def home(request):
    citizen = services.current_citizen(request)
    if citizen is None:
        return redirect("citizens:login")
    links = citizen.case_links.select_related("case", "case__open311", "case__category").order_by("-created_at")[:50]
    rows = [{"case": link.case, "status": plain_state(link.case.state), "followed": link.followed,
             "description": link_description(link)} for link in links]
    return render(request, "citizens/home.html", _context(
        request, rows=rows, notices=_notices(citizen), offer_wechat=wechat.enabled() and not citizen.wechat_openid,
        wechat_message=request.session.pop(WECHAT_MESSAGE, ""), public_map=settings.PUBLIC_MAP,
        citizen_links=extensions.citizen_links()))


# ---------------------------------------------------------------------------- my data


@never_cache
def my_data(request):
    if services.current_citizen(request) is None:
        return redirect(f"{reverse('citizens:login')}?next={reverse('citizens:my_data')}")
    return render(request, "core/my_data.html", _context(request))


@never_cache
def my_data_export(request):
    citizen = services.current_citizen(request)
    if citizen is None:
        return redirect("citizens:login")
    body = json.dumps(export_citizen(citizen), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="civicloop-my-data.json"'
    return response


@require_POST
def my_data_delete(request):
    citizen = services.current_citizen(request)
    if citizen is None:
        return redirect("citizens:login")
    if request.POST.get("confirm") != "yes":
        return render(request, "core/my_data.html", _context(request, error="请勾选确认 / tick the box to confirm"),
                      status=422)
    delete_citizen(citizen)
    services.sign_out(request)
    return redirect("citizens:login")


# ---------------------------------------------------------------------------- WeChat binding

WECHAT_STATE, WECHAT_MESSAGE = "citizen_wechat_state", "citizen_wechat_message"


def wechat_bind(request):
    """Send the signed-in citizen to WeChat's web sign-in; it comes back to `wechat_callback`."""
    if services.current_citizen(request) is None or not wechat.enabled():
        return redirect("citizens:home")
    state = secrets.token_urlsafe(16)  # ties the answer to this browser: no one can bind their WeChat to you
    request.session[WECHAT_STATE] = state
    callback = settings.PUBLIC_URL + reverse("citizens:wechat_callback")
    return redirect(wechat.get_backend().authorize_url(callback, state))


def wechat_callback(request):
    citizen = services.current_citizen(request)
    expected = request.session.pop(WECHAT_STATE, None)
    if citizen is None or not expected or not secrets.compare_digest(expected, request.GET.get("state", "")):
        request.session[WECHAT_MESSAGE] = "微信绑定已过期，请重试 / the WeChat link expired; try again"
        return redirect("citizens:home")
    try:
        services.bind_wechat(citizen, wechat.get_backend().openid_for_code(request.GET.get("code", "")))
        request.session[WECHAT_MESSAGE] = "已绑定微信，办理进度将通过微信通知您 / WeChat bound: notices will come there"
    except (Undeliverable, InvalidInput) as exc:
        request.session[WECHAT_MESSAGE] = f"微信绑定失败：{exc}"
    return redirect("citizens:home")


NOTICE_ACTIONS = ("file", "not_file", "handle", "close", "reopen", "merge")


def _notices(citizen, limit: int = 10) -> list[dict]:
    """消息: the latest public steps of the citizen's reports and followed cases, newest first."""
    events = (CaseEvent.objects.filter(case__citizen_links__citizen=citizen, action__in=NOTICE_ACTIONS)
              .select_related("case").order_by("-created_at")[:limit])
    return [{"case": e.case, "step": PUBLIC_STEPS[e.action][0], "at": e.created_at} for e in events]


@ensure_csrf_cookie
def login(request):
    return render(request, "citizens/login.html", _context(request, next=request.GET.get("next", "")))


@ensure_csrf_cookie
def report(request):
    if services.current_citizen(request) is None:
        return redirect(f"{reverse('citizens:login')}?{urlencode({'next': request.get_full_path()})}")
    source = tiles.map_config()  # fitted to the jurisdiction (geo.extent); a pin is placed by the citizen
    scanned = extensions.scanned_prefill(request.GET)  # a facility's or shop's QR: what and where are known
    if scanned:
        scanned["lon"], scanned["lat"] = tiles.to_display(scanned["lon"], scanned["lat"])
    return render(request, "citizens/report.html", _context(
        request, tiles=source, tiles_json=json.dumps(source), category_groups=_groups(),
        scanned=scanned, scanned_json=json.dumps(scanned or {}, ensure_ascii=False)))


def _groups() -> list:
    """Categories in plain-language groups (the standard's major classes), for people, not codes."""
    groups = defaultdict(list)
    for info in sorted(config().categories.values(), key=lambda c: c.code):
        if info.active:
            groups[info.major_name].append(info)
    return list(groups.items())


@ensure_csrf_cookie
def report_detail(request, reference: str):
    try:
        case, link = citizen_case(request, reference, request.GET.get("code", ""))
    except NotFound:
        raise Http404("没有找到您的这条上报") from None
    # The reporter sees all of their report; a follower the public view (cases.publicity), decided
    # again on every request: following gives notices, not access.
    photos = visible_photos(case, link)
    citizen = services.current_citizen(request)
    can_rate = (citizen is not None and link.citizen_id == citizen.pk and not link.followed
                and case.state == "closed" and not case.ratings.filter(citizen=citizen, closed_at=case.closed_at).exists())
    return render(request, "citizens/case.html", _context(
        request, case=case, link=link, status=plain_state(case.state), timeline=public_timeline(case),
        details=publicity.shows_details(case, is_reporter=not link.followed), place=_rough_place(case),
        description=publicity.description_for(case, is_reporter=not link.followed),
        category=case.category.name if case.category_id else "",
        before=[p for p in photos if p.kind == "before"], after=[p for p in photos if p.kind == "after"],
        code=request.GET.get("code", ""), can_rate=can_rate))


def _rough_place(case) -> str:
    """The place as the public view gives it: street and community, not the doorway."""
    return " ".join(name for name in (case.street.name, case.community.name) if name)


def areas(request):
    """The city's street and town outlines, for the pin map when no map tiles are configured (a plain
    background with nothing on it gives a citizen no idea where to tap). Public facts only."""
    rows = (Division.objects.filter(level=Division.Level.STREET).exclude(geometry="")
            .values_list("code", "name", "geometry"))
    body = {"type": "FeatureCollection", "features": [polygon_feature(c, g, {"name": n}) for c, n, g in rows]}
    response = HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":")), content_type="application/json")
    response["Cache-Control"] = "public, max-age=3600"  # boundaries change once in years
    return response


# ---------------------------------------------------------------------------- the public map

PUBLIC_MAP_LIMIT = 2000  # the newest; the map is for seeing that problems are taken up, not an archive


def public_map(request):
    if not settings.PUBLIC_MAP:
        raise Http404("本市未开放公众地图")
    return render(request, "citizens/public_map.html", _context(
        request, tiles_json=json.dumps(tiles.map_config()), days=settings.PUBLIC_MAP_DAYS))


def public_map_cases(request):
    """Cases of the last days as points with their category and plain status, nothing else: a
    description may hold a name or a phone number, a photo a face or a number plate."""
    if not settings.PUBLIC_MAP:
        raise Http404("本市未开放公众地图")
    since = timezone.now() - timedelta(days=settings.PUBLIC_MAP_DAYS)
    rows = (Case.objects.filter(reported_at__gte=since).exclude(kind="void").order_by("-reported_at", "-id")
            .values_list("lon", "lat", "category_id", "state", "reported_at", "published_at", "open311__id",
                         "filed_at", "kind")[:PUBLIC_MAP_LIMIT])
    categories, mode = config().categories, publicity.mode()
    features = []
    for lon, lat, category, state, reported_at, published_at, open311_id, filed_at, kind in rows:
        x, y = tiles.to_display(lon, lat)
        info = categories.get(category) if category else None
        facts = publicity.Facts(marked_public=published_at is not None, via_open311=open311_id is not None,
                                filed=filed_at is not None, void=kind == "void")
        point = [publicity.rounded(x, facts, mode), publicity.rounded(y, facts, mode)]  # ~100 m unless public
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": point},
                         "properties": {"category": info.name if info else "其他", "status": plain_state(state),
                                        "closed": state == "closed", "day": f"{timezone.localtime(reported_at):%Y-%m-%d}"}})
    response = HttpResponse(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                                       separators=(",", ":")), content_type="application/json")
    response["Cache-Control"] = "public, max-age=60"
    return response


def manifest(request):
    body = {
        "name": f"{settings.CITY_NAME}随手拍", "short_name": "随手拍", "lang": "zh-Hans",
        "start_url": reverse("citizens:home"), "scope": reverse("citizens:home"), "display": "standalone",
        "background_color": "#f4f6f9", "theme_color": "#0b5cad",
        "icons": [{"src": static("citizens/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


@never_cache
def service_worker(request):
    """Served from /m/ so its scope is the whole app; it keeps the app's shell for offline starts."""
    shell = [reverse("citizens:new_report"), reverse("citizens:areas"), static("citizens/app.css"),
             static("core/outbox.js"), static("citizens/app.js"), static("citizens/shrink.js"), static("citizens/report.js"),
             static("vendor/leaflet/leaflet.js"), static("vendor/leaflet/leaflet.css")]
    script = render(request, "citizens/sw.js", {"shell": json.dumps(shell)}).content
    response = HttpResponse(script, content_type="text/javascript")
    response["Service-Worker-Allowed"] = reverse("citizens:home")
    return response
