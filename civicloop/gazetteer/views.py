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
from civicloop.geo.views import CRS_CHOICES, can_import

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


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=KIND_CHOICES)
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy(
        "CSV or Excel with coordinates or a WKT column, GeoJSON, a zipped Shapefile, GeoPackage or KML."))
    crs = forms.ChoiceField(label=gettext_lazy("Coordinate system"), choices=CRS_CHOICES, required=False,
                            help_text=gettext_lazy("A table without one is read as WGS-84."))
    epsg = forms.CharField(label=gettext_lazy("EPSG code"), required=False, max_length=40,
                           help_text=gettext_lazy("For example EPSG:4545 (CGCS2000 3° Gauss–Krüger, 108°E)."))
    layer = forms.CharField(label=gettext_lazy("Layer"), required=False, max_length=120)
    sheet = forms.CharField(label=gettext_lazy("Worksheet"), required=False, max_length=120)
    accept_good = forms.BooleanField(label=gettext_lazy("Import the good rows, leave the refused out"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > staging.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(gettext_lazy("The file is too large."))
        return upload

    def clean(self):
        data = super().clean()
        if data.get("crs") == "other" and not (data.get("epsg") or "").strip():
            self.add_error("epsg", gettext_lazy("Give the EPSG code."))
        return data

    def options(self) -> importing.Options:
        data = self.cleaned_data
        crs = data["epsg"].strip() if data["crs"] == "other" else data["crs"]
        return importing.Options(crs=crs, layer=data["layer"].strip(), sheet=data["sheet"].strip(),
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
