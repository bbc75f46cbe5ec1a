"""Pages: the citizen's points, mall, orders, honours and donations (/m/points/, Chinese, phone-sized),
the staff's catalogue, pickup check-out, rules, fraud review and totals (/console/points/), the public
pool totals and the partners' credit API."""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicloop.citizens import services as citizens
from civicloop.core.errors import ServiceError
from civicloop.org import keys
from civicloop.points import access, certificate, credit, queries, services
from civicloop.points.models import EarningRule, FraudFlag, Item, Order, Partner, Pool, Title
from civicloop.points.rules import LEVELS


def citizen_page(view):
    """A citizen page: signed-in citizens only (others go to the sign-in page and come back)."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        citizen = citizens.current_citizen(request)
        if citizen is None:
            return redirect(f"{reverse('citizens:login')}?next={request.path}")
        return view(request, citizen, *args, **kwargs)
    return wrapper


def _page(request, citizen, template: str, **context):
    return render(request, f"points/{template}", {"citizen": citizen, **context})


def _try(request, action, success: str):
    """Run a service call from a form: its result and message on success, None and its clear refusal otherwise."""
    try:
        result = action()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


# ---------------------------------------------------------------------------- citizen pages


@citizen_page
def my(request, citizen):
    return _page(request, citizen, "my.html", standing=queries.standing(citizen),
                 recent=queries.history(citizen, limit=5), flags=citizen.fraud_flags.filter(status="pending").count())


@citizen_page
def history(request, citizen):
    return _page(request, citizen, "history.html", entries=queries.history(citizen, limit=200),
                 balance=queries.account(citizen).balance)


@citizen_page
def mall(request, citizen):
    return _page(request, citizen, "mall.html", items=Item.objects.filter(active=True),
                 balance=queries.account(citizen).balance, tap=secrets.token_urlsafe(12))


@citizen_page
@require_POST
def redeem(request, citizen, item_id: int):
    placed = _try(request, lambda: services.redeem(citizen, item_id, client_key=request.POST.get("tap", "")),
                  "兑换成功，请凭取货码到积分超市领取")
    return redirect("points:order", placed.pk) if placed else redirect("points:mall")


@citizen_page
def orders(request, citizen):
    return _page(request, citizen, "orders.html", orders=citizen.orders.select_related("item").order_by("-created_at"))


@citizen_page
def order(request, citizen, order_id: int):
    found = citizen.orders.select_related("item").filter(pk=order_id).first()
    if found is None:
        raise Http404("没有这个订单")
    return _page(request, citizen, "order.html", order=found, qr=_qr_svg(found.pickup_code))


def _qr_svg(text: str) -> str:
    import segno

    # The code itself, so a keeper's scanner (a keyboard to the page) types exactly what can be typed.
    return segno.make(text, error="m").svg_inline(omitsize=True, dark="#111", light="#fff", title="取货码")


@citizen_page
@require_POST
def cancel(request, citizen, order_id: int):
    _try(request, lambda: services.cancel_order(order_id, citizen=citizen), "已取消，积分已退回")
    return redirect("points:order", order_id)


@citizen_page
def honours(request, citizen):
    standing = queries.standing(citizen)
    held = {t.title_id for t in standing["titles"]}
    titles = [{"title": t, "held": t.pk in held, "reachable": standing["level"].rank >= t.min_level}
              for t in Title.objects.filter(active=True)]

    return _page(request, citizen, "honours.html", standing=standing, titles=titles, levels=LEVELS)


@citizen_page
@require_POST
def exchange_title(request, citizen, title_id: int):
    _try(request, lambda: services.exchange_title(citizen, title_id), "称号已获得")
    return redirect("points:honours")


@citizen_page
@require_GET
def certificate_pdf(request, citizen):
    body = certificate.render(citizen, queries.standing(citizen))
    return FileResponse(body, as_attachment=False, filename="certificate.pdf", content_type="application/pdf")


@citizen_page
def donate(request, citizen):
    if request.method == "POST":
        pool = request.POST.get("pool", "")
        _try(request, lambda: services.donate(citizen, int(pool) if pool.isdigit() else 0, request.POST.get("points"),
                                              client_key=request.POST.get("tap", "")), "感谢您的爱心捐赠")
        return redirect("points:donate")
    return _page(request, citizen, "donate.html", pools=Pool.objects.filter(active=True).order_by("-total"),
                 balance=queries.account(citizen).balance, tap=secrets.token_urlsafe(12),
                 mine=citizen.donations.select_related("pool").order_by("-created_at")[:20])


def pools(request):
    """Public: every pool's total (爱心积分公示), for anyone."""
    return render(request, "points/pools.html", {"pools": Pool.objects.filter(active=True).order_by("-total"),
                                                 "citizen": citizens.current_citizen(request)})


# ---------------------------------------------------------------------------- staff pages


def staff_page(check):
    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(_("You may not use this page."))
            return view(request, *args, **kwargs)
        return wrapper
    return decorate


def _period(request) -> tuple[date, date, str]:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = today - timedelta(days=29)
    try:
        end = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        end = today
    by = "month" if request.GET.get("by") == "month" else "day"
    if end < start:
        start, end = end, start
    return start, end, by


@staff_page(access.can_manage)
@require_GET
def staff_home(request):
    start, end, by = _period(request)
    figures = queries.totals(start, end, by=by)
    return render(request, "points/staff_home.html", {
        "start": start, "end": end, "by": by, "figures": figures, "all_time": queries.all_time(),
        "chart": {"labels": [r["label"] for r in figures["series"]], "issued": [r["issued"] for r in figures["series"]],
                  "redeemed": [r["redeemed"] for r in figures["series"]],
                  "names": [_("Issued"), _("Redeemed")]},
        "pending_flags": FraudFlag.objects.filter(status="pending").count(),
        "pools": Pool.objects.order_by("-total")})


@staff_page(access.can_manage)
@require_http_methods(["GET", "POST"])
def staff_catalogue(request):
    if request.method == "POST":
        try:
            services.save_item(request.user, request.POST)
            messages.success(request, _("Saved."))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("points:staff_catalogue")
    return render(request, "points/staff_catalogue.html", {"items": Item.objects.order_by("-active", "price", "pk"),
                                                           "titles": Title.objects.all()})


@staff_page(access.can_keep_mall)
@require_http_methods(["GET", "POST"])
def staff_pickup(request):
    collected = None
    if request.method == "POST":
        try:
            collected = services.collect_order(request.POST.get("code", ""), request.user)
            messages.success(request, _("Handed out: %(item)s to %(who)s.") % {
                "item": collected.item.name, "who": collected.citizen.masked_phone})
        except ServiceError as exc:
            messages.error(request, exc.message)
    recent = Order.objects.select_related("item", "citizen").filter(status="collected").order_by("-collected_at")[:20]
    waiting = Order.objects.filter(status="placed").count()
    return render(request, "points/staff_pickup.html", {"collected": collected, "recent": recent, "waiting": waiting})


@staff_page(access.can_manage)
@require_http_methods(["GET", "POST"])
def staff_rules(request):
    if request.method == "POST":
        try:
            services.save_earning_rule(request.user, request.POST)
            messages.success(request, _("Saved."))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("points:staff_rules")
    from django.conf import settings

    return render(request, "points/staff_rules.html", {
        "rules": EarningRule.objects.select_related("category").order_by("category_id"),
        "default": services.rule_for(None), "cap": settings.POINTS_DAILY_CAP, "burst": settings.POINTS_BURST_LIMIT,
        "window": settings.POINTS_BURST_WINDOW_MIN, "far": settings.POINTS_FAR_FROM_PHONE_M})


@staff_page(access.can_manage)
@require_http_methods(["GET", "POST"])
def staff_flags(request):
    if request.method == "POST":
        try:
            services.review_flag(int(request.POST.get("flag") or 0), request.user,
                                 release=request.POST.get("decision") == "release", note=request.POST.get("note", ""))
            messages.success(request, _("Reviewed."))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("points:staff_flags")
    pending = FraudFlag.objects.filter(status="pending").select_related("case", "citizen").order_by("-created_at")[:100]
    done = FraudFlag.objects.exclude(status="pending").select_related("case", "citizen", "reviewed_by").order_by("-reviewed_at")[:30]
    return render(request, "points/staff_flags.html", {"pending": pending, "done": done})


@staff_page(access.can_manage)
@require_http_methods(["GET", "POST"])
def staff_partners(request):
    raw = None
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        if name:
            _partner, raw = credit.issue_key(name[:60], by=request.user)
        else:
            messages.error(request, "名称不能为空 / a name is required")

    partners = Partner.objects.select_related("key").order_by("-created_at")
    return keys.shown_once(render(request, "points/staff_partners.html", {"partners": partners, "raw": raw}))


# ---------------------------------------------------------------------------- partners' credit API


@require_GET
def credit_api(request):
    """GET /points/api/v1/credit?phone=… with the header X-Api-Key: the citizen's credit grade."""
    partner = credit.authenticate(request.headers.get("X-Api-Key", ""))
    if partner is None:
        return JsonResponse({"code": "unauthorized", "detail": "API 密钥无效 / a valid API key is required"}, status=401)
    answer = credit.lookup(request.GET.get("phone", ""))
    if answer is None:
        return JsonResponse({"code": "not_found", "detail": "没有该市民 / no such citizen"}, status=404)
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})

