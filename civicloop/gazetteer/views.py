"""The console's gazetteer import page: upload a city's file (roads, segments, door plates, compounds,
buildings, POIs), read the report — every refused row named, the counts of new, changed and unchanged —
and confirm. The same flow as the geodata import (geo/views.py), kept on its staging primitive
(geo/staging.py) in an area of its own; the same people may use it: city-wide administrators."""
from __future__ import annotations

import json
from dataclasses import replace

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.core.guards import staff_page
from civicloop.gazetteer import importing
from civicloop.geo import staging
from civicloop.geo.views import can_import

AREA = "gazetteer-imports"
SHOWN_FINDINGS = 1000

administrators = staff_page(can_import, refused="gazetteer/refused.html")

KIND_CHOICES = [
    (importing.ROADS, gettext_lazy("Roads")),
    (importing.SEGMENTS, gettext_lazy("Road segments")),
    (importing.DOORPLATES, gettext_lazy("Door plates")),
    (importing.COMPOUNDS, gettext_lazy("Compounds")),
    (importing.BUILDINGS, gettext_lazy("Buildings")),
    (importing.POIS, gettext_lazy("Points of interest")),
]


class ImportForm(staging.UploadForm):
    field_order = ["kind", "file", "crs", "epsg", "layer", "sheet", "accept_good"]
    file_help = gettext_lazy(
        "CSV or Excel with coordinates or a WKT column, GeoJSON, a zipped Shapefile, GeoPackage or KML.")
    crs_help = gettext_lazy("A table without one is read as WGS-84.")

    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=KIND_CHOICES)
    sheet = forms.CharField(label=gettext_lazy("Worksheet"), required=False, max_length=120)

    def options(self) -> importing.Options:
        data = self.cleaned_data
        return importing.Options(crs=self.chosen_crs(), layer=data["layer"].strip(), sheet=data["sheet"].strip(),
                                 accept_good=data["accept_good"])


@administrators
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        item = staging.stage(form.cleaned_data["file"], form.cleaned_data["kind"], form.options(), user=request.user,
                             area=AREA)
        _check(item)
        return redirect("gazetteer:import_preview", token=item.token)
    return render(request, "gazetteer/import.html", {"form": form}, status=422 if form.errors else 200)


def _check(item: staging.Staged) -> importing.Report:
    """The dry run behind the preview, kept beside the upload."""
    report = importing.import_entries(item.kind, item.path, replace(item.options, dry_run=True))
    (item.folder / "report.json").write_text(json.dumps(report.as_dict(), ensure_ascii=False), encoding="utf-8")
    return report


def _item(request, token: str) -> staging.Staged:
    item = staging.staged(token, user=request.user, area=AREA, options_type=importing.Options)
    if item is None:
        raise Http404
    return item


def _stored_report(item: staging.Staged) -> importing.Report:
    try:
        return importing.Report.from_dict(json.loads((item.folder / "report.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        raise Http404 from None


@administrators
def import_preview(request, token: str):
    item = _item(request, token)
    return _report_page(request, _stored_report(item), item, preview=True)


@require_POST
@administrators
def import_confirm(request, token: str):
    """Judged again against the gazetteer as it is now; the upload is then thrown away."""
    item = _item(request, token)
    try:
        report = importing.import_entries(item.kind, item.path, replace(item.options, dry_run=False))
    finally:
        staging.discard(item)
    return _report_page(request, report, item, preview=False, status=200 if report.applied else 422)


def _report_page(request, report: importing.Report, item: staging.Staged, *, preview: bool, status: int = 200):
    return render(request, "gazetteer/import_report.html", {
        "report": report, "item": item, "preview": preview, "kind_label": dict(KIND_CHOICES).get(report.kind, ""),
        "findings": report.findings[:SHOWN_FINDINGS], "shown": SHOWN_FINDINGS,
        "changes": report.created + report.updated,
    }, status=status)
