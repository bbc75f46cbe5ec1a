"""Pages of the registry: the scan link, the keeper's page (/m/), and the staff pages (/console/facilities/)."""
from __future__ import annotations

import io
import json
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicloop.cases.rules import Kind
from civicloop.citizens import services as citizens
from civicloop.citizens.status import plain_state
from civicloop.geo import tiles
from civicloop.core.errors import ServiceError
from civicloop.facilities import access, exporting, importing, queries, rules
from civicloop.facilities.labels import Label, Sheet, write_sheet
from civicloop.facilities.models import Facility, FacilityCase, ImportJob, State
from civicloop.facilities.scan import facility_by_token
from civicloop.geo.models import Division
from civicloop.lib import coords
from civicloop.org import scoping
from civicloop.taxonomy.models import Component

PAGE = 100
LABELS_MAX = 20_000  # one print job; more is split by street


def scan_url(token: str, prefix: str = "f") -> str:
    return f"{settings.PUBLIC_URL}/{prefix}/{token}"


# ---------------------------------------------------------------------------- public


def scan(request, token: str):
    """What the QR opens: the citizen's report form, already knowing what and where."""
    if facility_by_token(token) is None:
        raise Http404("二维码无效或设施已停用")
    return redirect(f"{reverse('citizens:new_report')}?facility={token}")


def mine(request):
    """The keeper's page (所长/桶长/台长): signed in to the citizen app with the keeper's mobile number."""
    citizen = citizens.current_citizen(request)
    if citizen is None:
        return redirect(f"{reverse('citizens:login')}?next={reverse('facilities:mine')}")
    keeper = queries.keeper_of(citizen.phone)
    context = {"citizen": citizen, "keeper": keeper}
    if keeper is not None:
        view = queries.keeper_view(keeper)
        for link in view["open_cases"]:
            link.status = plain_state(link.case.state)
        context.update(view)
    return render(request, "facilities/mine.html", context)


# ---------------------------------------------------------------------------- staff


def staff_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_view(request.user):
            raise Http404
        return view(request, *args, **kwargs)
    return wrapper


def manager_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_manage(request.user):
            return HttpResponse("无权操作 / not allowed", status=403)
        return view(request, *args, **kwargs)
    return wrapper


def visible(user):
    return scoping.scope_filter(user, Facility.objects.all())


def _filtered(request):
    rows = visible(request.user).select_related("component", "keeper")
    params = request.GET
    if params.get("street"):
        rows = rows.filter(street_id=params["street"])
    if params.get("component"):
        rows = rows.filter(component_id=params["component"])
    if params.get("state"):
        rows = rows.filter(state=params["state"])
    if params.get("q"):
        q = params["q"].strip()
        rows = rows.filter(Q(id__startswith=q) | Q(name__contains=q) | Q(keeper__name=q) | Q(keeper__phone=q))
    return rows


@staff_view
def staff_list(request):
    rows = _filtered(request)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    used = Facility.objects.values_list("component_id", flat=True).distinct()
    return render(request, "facilities/list.html", {
        "page": page, "params": request.GET, "states": State.choices, "can_manage": access.can_manage(request.user),
        "streets": Division.objects.filter(level="street"), "components": Component.objects.filter(code__in=used),
        "query": request.GET.urlencode(), "sheet": Sheet(settings.FACILITY_LABEL_COLUMNS, settings.FACILITY_LABEL_ROWS)})


@staff_view
def staff_detail(request, pk: str):
    facility = visible(request.user).select_related("component", "keeper").filter(pk=pk).first()
    if facility is None:
        raise Http404
    links = (scoping.scope_filter(request.user, FacilityCase.objects.filter(facility=facility))
             .select_related("case", "case__category").order_by("-opened_at")[:50])
    return render(request, "facilities/detail.html", {
        "facility": facility, "links": links, "scan": scan_url(facility.qr_token),
        "keeper_title": rules.keeper_title(facility.component_id, facility.component.name)})


@staff_view
def staff_map(request):
    return render(request, "facilities/map.html", {"tiles_json": json.dumps(tiles.map_config())})


@staff_view
def map_layer(request):
    """GeoJSON for the viewport (bbox in the tiles' coordinate system, like the console map)."""
    try:
        bbox = queries.parse_bbox(request.GET.get("bbox", ""))
    except ServiceError as error:
        return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    gcj = tiles.display_crs() == "gcj02"
    if gcj:
        west, south = coords.gcj02_to_wgs84(bbox[0], bbox[1])
        east, north = coords.gcj02_to_wgs84(bbox[2], bbox[3])
        bbox = (west, south, east, north)
    body = queries.layer(bbox, area=access.area_key(request.user))
    if gcj:
        for feature in body["features"]:
            feature["geometry"]["coordinates"] = list(tiles.to_display(*feature["geometry"]["coordinates"]))
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


@manager_view
def labels_pdf(request):
    try:
        sheet = Sheet(int(request.GET.get("columns") or settings.FACILITY_LABEL_COLUMNS),
                      int(request.GET.get("rows") or settings.FACILITY_LABEL_ROWS))
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    rows = _filtered(request)[:LABELS_MAX]
    out = io.BytesIO()
    write_sheet(facility_labels(rows), out, sheet=sheet, fast=True)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="facility-labels-{timezone.localdate():%Y%m%d}.pdf"'
    return response


def facility_labels(rows):
    for f in rows.iterator(chunk_size=2000):
        keeper = f"{rules.keeper_title(f.component_id, f.component.name)} {f.keeper.name}" if f.keeper else ""
        yield Label(url=scan_url(f.qr_token), code=f.id, title=f.name, subtitle=f"{f.component.name} {keeper}".strip())


@manager_view
def export(request, fmt: str):
    if fmt not in ("geojson", "xlsx"):
        raise Http404
    rows = _filtered(request)
    stamp = f"{timezone.localdate():%Y%m%d}"
    if fmt == "geojson":
        response = HttpResponse(exporting.geojson(rows), content_type="application/geo+json")
        response["Content-Disposition"] = f'attachment; filename="facilities-{stamp}.geojson"'
        return response
    response = HttpResponse(exporting.excel(rows),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="facilities-{stamp}.xlsx"'
    return response


@manager_view
def import_page(request):
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = "shop" if request.POST.get("kind") == "shop" else "facility"
        if upload is None:
            error = "请选择文件 / choose a file"
        else:
            try:
                job = importing.start_job(upload, user=request.user, kind=kind)
            except ServiceError as exc:
                error = str(exc)
            else:
                return redirect("facilities:import_job", pk=job.pk)
    jobs = ImportJob.objects.all()[:20]
    return render(request, "facilities/import.html", {"jobs": jobs, "error": error, "formats": ", ".join(importing.FORMATS)})


@manager_view
def import_job(request, pk: int):
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None:
        raise Http404
    template = "facilities/_job.html" if request.headers.get("HX-Request") else "facilities/job.html"
    percent = round(100 * job.done / job.total) if job.total else 0
    return render(request, template, {"job": job, "percent": percent})


@require_POST
@manager_view
def import_run(request, pk: int):
    """Runs a pending job now, in this request (for small files or when no worker runs)."""
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None:
        raise Http404
    if ImportJob.objects.filter(pk=pk, status=ImportJob.Status.PENDING).update(status=ImportJob.Status.RUNNING):
        importing.run_job(job)
    return redirect("facilities:import_job", pk=pk)


# ---------------------------------------------------------------------------- the console's case panel


def case_panel(request, case) -> str:
    link = queries.facility_of_case(case)
    if link is None:
        return ""
    facility = link.facility
    return render_to_string("facilities/_case_panel.html", {
        "facility": facility, "link": link, "open": case.kind == Kind.OPEN,
        "keeper_title": rules.keeper_title(facility.component_id, facility.component.name)}, request=request)
