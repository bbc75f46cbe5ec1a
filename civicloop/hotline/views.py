"""The hotline's console pages: recent orders with their callbacks, 回访, a day's Excel import, and
(for administrators and commanders) the hotline systems and their keys."""
from __future__ import annotations

import json

from django import forms
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicloop.geo import tiles
from civicloop.core.guards import staff_page
from civicloop.core.errors import ServiceError
from civicloop.hotline import access, services
from civicloop.hotline.models import HotlineOrder, HotlineSystem
from civicloop.notify.models import Delivery
from civicloop.notify.webhook import CHANNEL
from civicloop.org import keys

LISTED = 100


def allowed(check):
    return staff_page(check, refused="hotline/refused.html")


class SystemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    webhook_url = forms.URLField(label=_("Webhook URL"), max_length=500, required=False, assume_scheme="https",
                                 help_text=_("Where 签收, 回复, 办结 and 回访 are posted; empty: no callbacks."))


class ImportForm(forms.Form):
    system = forms.ModelChoiceField(label=_("Hotline system"), queryset=HotlineSystem.objects.filter(active=True),
                                    empty_label=None)
    file = forms.FileField(label=_("Workbook (.xlsx or .ods)"))


class VisitForm(forms.Form):
    satisfied = forms.TypedChoiceField(label=_("Caller satisfied"), coerce=lambda v: v == "yes",
                                       choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))])
    stars = forms.TypedChoiceField(label=_("Stars"), coerce=int, empty_value=None, required=False,
                                   choices=[("", "—")] + [(n, str(n)) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


@allowed(access.can_use)
@require_GET
def orders(request):
    listed = list(HotlineOrder.objects.select_related("case", "system").prefetch_related("visits")[:LISTED])
    callbacks = _callbacks([o.case_id for o in listed if o.case_id])
    for order in listed:
        order.callbacks = callbacks.get(order.case_id, [])
    return render(request, "hotline/orders.html", {
        "orders": listed, "visit_form": VisitForm(), "can_configure": access.can_configure(request.user),
        "can_locate": access.can_locate(request.user)})


def _callbacks(case_ids: list[int]) -> dict[int, list[Delivery]]:
    found: dict[int, list[Delivery]] = {}
    rows = Delivery.objects.filter(channel=CHANNEL, case_id__in=case_ids).order_by("id")
    for row in rows.only("id", "case_id", "subject", "status", "attempts", "last_error", "payload"):
        found.setdefault(row.case_id, []).append(row)
    return found


@allowed(access.can_use)
@require_POST
def visit(request, order_id: int):
    order = get_object_or_404(HotlineOrder.objects.select_related("case", "system"), pk=order_id)
    form = VisitForm(request.POST)
    message, status = "", 200
    if form.is_valid():
        try:
            services.record_visit(order, actor=request.user, **form.cleaned_data)
            return redirect("hotline:orders")
        except ServiceError as exc:
            message, status = exc.message, 422
    else:
        message, status = "; ".join(e for errs in form.errors.values() for e in errs), 422
    return render(request, "hotline/refused.html", {"message": message}, status=status)


@allowed(access.can_use)
@require_http_methods(["GET", "POST"])
def import_orders(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.import_workbook(form.cleaned_data["system"], form.cleaned_data["file"])
    status = 422 if request.method == "POST" and (not form.is_valid() or (report and report.problem)) else 200
    return render(request, "hotline/import.html", {"form": form, "report": report}, status=status)


@allowed(access.can_configure)
@require_http_methods(["GET", "POST"])
def systems(request):
    form = SystemForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            system, key = services.create_system(**form.cleaned_data, by=request.user)
            issued = {"system": system, "key": key}
            form = SystemForm()
        except ServiceError as exc:
            form.add_error("name", exc.message)
    return _systems_page(request, form, issued)


@allowed(access.can_configure)
@require_POST
def reissue(request, system_id: int):
    system = get_object_or_404(HotlineSystem, pk=system_id)
    return _systems_page(request, SystemForm(), {"system": system, "key": services.reissue_key(system, by=request.user)})


def _systems_page(request, form, issued):
    # The key and the webhook secret are shown once, on this answer only.
    return keys.shown_once(render(request, "hotline/systems.html", {
        "form": form, "issued": issued, "systems": HotlineSystem.objects.select_related("key").order_by("name")},
        status=422 if form.errors else 200))


# ---------------------------------------------------------------------------- 待定位 (to be located)


class PlaceForm(forms.Form):
    """A candidate (its position in the order's list) or a point clicked on the map, in the map's system."""

    candidate = forms.IntegerField(required=False, min_value=0, max_value=services.CANDIDATES_KEPT - 1)
    lon = forms.FloatField(required=False)
    lat = forms.FloatField(required=False)
    crs = forms.ChoiceField(required=False, choices=[("wgs84", "wgs84"), ("gcj02", "gcj02")])


@allowed(access.can_locate)
@require_GET
def locate(request):
    waiting = list(services.waiting_orders()[:LISTED])
    selected = _selected(waiting, request.GET.get("order", ""))
    return render(request, "hotline/locate.html", {
        "orders": waiting, "selected": selected, "placed": _placed(request.GET.get("placed", "")),
        "map_json": json.dumps(tiles.map_config()), "map_crs": tiles.display_crs(),
        "candidates_json": json.dumps(_on_map(selected.candidates) if selected else []),
        "can_configure": access.can_configure(request.user), "can_locate": True})


def _selected(waiting: list[HotlineOrder], wanted: str) -> HotlineOrder | None:
    return next((o for o in waiting if str(o.pk) == wanted), waiting[0] if waiting else None)


def _placed(wanted: str) -> HotlineOrder | None:
    """The order just placed (its case linked in the notice), when the page is reopened after placing."""
    if not wanted.isdigit():
        return None
    return HotlineOrder.objects.select_related("case").filter(pk=int(wanted), case__isnull=False).first()


def _on_map(candidates: list[dict]) -> list[dict]:
    """Candidates (kept in WGS-84) in the system the map's tiles are drawn in."""
    out = []
    for i, c in enumerate(candidates):
        lon, lat = tiles.to_display(c["lon"], c["lat"])
        out.append({"index": i, "lon": lon, "lat": lat, "label": c["label"], "confidence": c["confidence"]})
    return out


@allowed(access.can_locate)
@require_POST
def place(request, order_id: int):
    form = PlaceForm(request.POST)
    if not form.is_valid():
        message = "; ".join(e for errs in form.errors.values() for e in errs)
        return render(request, "hotline/refused.html", {"message": message}, status=422)
    try:
        order = services.place_order(order_id, actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        return render(request, "hotline/refused.html", {"message": exc.message, "back": "hotline:locate"},
                      status=exc.status)
    return redirect(f"{reverse('hotline:locate')}?placed={order.pk}")
