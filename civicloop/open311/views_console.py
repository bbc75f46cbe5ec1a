"""The console page for Open311 keys (issue, see use, revoke) and the case panel that says a case
came in through Open311, from which key, with which attributes."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.errors import InvalidInput
from civicloop.open311 import access, services
from civicloop.open311.models import ApiKey, Open311Request
from civicloop.org import keys as hashed_keys


def _require_manager(request) -> None:
    if not access.can_manage_keys(request.user):
        raise PermissionDenied("只有管理员可以管理 Open311 密钥 / only administrators manage Open311 keys")


@login_required
@require_http_methods(["GET", "POST"])
def keys(request):
    _require_manager(request)
    issued, error = None, ""
    if request.method == "POST":
        try:
            rate = int(request.POST.get("rate_per_minute") or 0) or None
            key, raw = services.issue_key(name=request.POST.get("name", ""), contact=request.POST.get("contact", ""),
                                          rate_per_minute=rate, by=request.user)
            issued = {"key": key, "raw": raw}
        except (InvalidInput, ValueError) as exc:
            error = getattr(exc, "message", "") or "每分钟上限须为整数 / the limit is a whole number"
    used = services.posts_since(timezone.now() - timedelta(hours=1))
    sent = dict(Open311Request.objects.values("key_id").annotate(n=Count("id")).values_list("key_id", "n"))
    rows = [{"key": k, "last_hour": used.get(k.pk, 0), "requests": sent.get(k.pk, 0)}
            for k in ApiKey.objects.select_related("key")]
    return hashed_keys.shown_once(render(request, "open311/keys.html", {
        "rows": rows, "issued": issued, "error": error,
        "endpoint": request.build_absolute_uri(reverse("open311:root"))}))


@login_required
@require_POST
def revoke(request, pk: int):
    _require_manager(request)
    services.revoke_key(get_object_or_404(ApiKey, pk=pk), by=request.user)
    return redirect("open311:keys")


def case_panel(request, case) -> str:
    row = Open311Request.objects.select_related("key__key").filter(case_id=case.pk).first()
    if row is None:
        return ""
    return render_to_string("open311/_case_panel.html", {"row": row}, request=request)
