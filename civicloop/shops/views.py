"""安心码 pages: the public page a shop's QR opens (/s/<token>), and the staff pages (/console/shops/)."""
from __future__ import annotations

import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from civicloop.citizens import services as citizens
from civicloop.core.errors import ServiceError
from civicloop.facilities import access
from civicloop.facilities.labels import Label, Sheet, write_sheet
from civicloop.org import scoping
from civicloop.shops import rules, services
from civicloop.shops.models import Kind, Like, Shop
from civicloop.shops.scan import shop_by_token


def _shop_or_404(token: str) -> Shop:
    shop = shop_by_token(token)
    if shop is None:
        raise Http404("二维码无效或商铺已停业")
    return shop


@ensure_csrf_cookie
def public_page(request, token: str):
    shop = _shop_or_404(token)
    citizen = citizens.current_citizen(request)
    last = shop.inspections.first()
    return render(request, "shops/public.html", {
        "citizen": citizen, "shop": shop, "last": last, "max_stars": rules.MAX_STARS[shop.kind],
        "star_range": range(rules.MAX_STARS[shop.kind]), "ratings": shop.ratings.all()[:8],
        "liked": citizen is not None and Like.objects.filter(shop=shop, citizen=citizen).exists(),
        "message": request.session.pop("shop_message", ""),
        "report_url": f"{reverse('citizens:new_report')}?shop={shop.qr_token}"})


@require_POST
def like(request, token: str):
    shop = _shop_or_404(token)
    citizen = citizens.current_citizen(request)
    if citizen is None:
        return redirect(f"{reverse('citizens:login')}?next={reverse('shops:public', args=[token])}")
    new = services.like(shop, citizen)
    request.session["shop_message"] = "感谢您的点赞！" if new else "您已经点过赞了，每人限一次。"
    return redirect("shops:public", token=token)


# ---------------------------------------------------------------------------- staff


def staff_view(view):
    @login_required
    def wrapper(request, *args, **kwargs):
        if not access.can_view(request.user):
            raise Http404
        return view(request, *args, **kwargs)
    wrapper.__name__ = view.__name__
    return wrapper


def visible(user):
    return scoping.scope_filter(user, Shop.objects.all())


@staff_view
def staff_list(request):
    rows = visible(request.user)
    if request.GET.get("kind") in Kind.values:
        rows = rows.filter(kind=request.GET["kind"])
    if request.GET.get("q"):
        rows = rows.filter(name__contains=request.GET["q"].strip())
    page = Paginator(rows.order_by("-stars", "name"), 100).get_page(request.GET.get("page"))
    return render(request, "shops/list.html", {"page": page, "params": request.GET, "kinds": Kind.choices,
                                               "can_manage": access.can_manage(request.user),
                                               "period": rules.quarter(timezone.localdate()),
                                               "message": request.session.pop("shop_message", "")})


@staff_view
def staff_detail(request, pk: int):
    shop = visible(request.user).filter(pk=pk).first()
    if shop is None:
        raise Http404
    errors = {}
    if request.method == "POST":
        scores = {key[5:]: value for key, value in request.POST.items() if key.startswith("item_")}
        try:
            services.record_inspection(shop, request.user, scores=scores, note=request.POST.get("note", ""))
        except ServiceError as exc:
            errors = {e.get("field", ""): e.get("message", "") for e in exc.as_dict().get("errors", [])} or {"": str(exc)}
        else:
            return redirect("shops:staff_detail", pk=pk)
    return render(request, "shops/detail.html", {
        "shop": shop, "checklist": services.checklist(shop.kind), "errors": errors, "inspections": shop.inspections.all()[:20],
        "ratings": shop.ratings.all(), "max_stars": rules.MAX_STARS[shop.kind],
        "public_url": f"{settings.PUBLIC_URL}/s/{shop.qr_token}", "can_inspect": request.user.role in services.INSPECTORS})


@require_POST
@staff_view
def rate(request):
    if not access.can_manage(request.user):
        return HttpResponse("无权操作 / not allowed", status=403)
    period = request.POST.get("period") or rules.quarter(timezone.localdate())
    count = services.rate_quarter(period)
    request.session["shop_message"] = f"{period}：已评定 {count} 家 / {count} shops rated"
    return redirect("shops:staff_list")


@staff_view
def labels_pdf(request):
    if not access.can_manage(request.user):
        return HttpResponse("无权操作 / not allowed", status=403)
    rows = visible(request.user).filter(active=True).order_by("name")[:20_000]
    labels = (Label(url=f"{settings.PUBLIC_URL}/s/{s.qr_token}", code=s.licence_no, title=s.name,
                    subtitle=f"安心码 · {s.get_kind_display().split()[0]}") for s in rows.iterator(chunk_size=2000))
    out = io.BytesIO()
    write_sheet(labels, out, sheet=Sheet(2, 5), title="安心码", fast=True)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="shop-labels.pdf"'
    return response
