"""The console's geodata import page: upload a surveyor's file, read the report, see on a map what
would change, confirm. City-wide administrators only (boundaries and grids shape every case's routing)."""
from __future__ import annotations

import json

from django import forms
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.geo import tiles
from civicloop.core.guards import staff_page
from civicloop.geo import importing, staging
from civicloop.org.roles import Role, Scope

CRS_CHOICES = [
    ("", gettext_lazy("As the file says (.prj, GeoPackage, GeoJSON)")),
    ("EPSG:4326", "WGS-84 (EPSG:4326)"),
    ("EPSG:4490", gettext_lazy("CGCS2000 longitude/latitude (EPSG:4490)")),
    ("gcj02", gettext_lazy("GCJ-02 (AMap, Tencent)")),
    ("bd09", gettext_lazy("BD-09 (Baidu)")),
    ("other", gettext_lazy("Another EPSG code (Gauss–Krüger …)")),
]


def can_import(user) -> bool:
    return bool(user.is_authenticated) and user.role == Role.ADMIN and user.scope == Scope.CITY


administrators = staff_page(can_import, refused="geo/refused.html")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=[
        (importing.GRIDS, gettext_lazy("Unit grids")), (importing.BOUNDARIES, gettext_lazy("Division boundaries"))])
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy(
        "GeoJSON, a zipped Shapefile (.shp, .shx, .dbf, .prj), GeoPackage or KML."))
    crs = forms.ChoiceField(label=gettext_lazy("Coordinate system"), choices=CRS_CHOICES, required=False)
    epsg = forms.CharField(label=gettext_lazy("EPSG code"), required=False, max_length=40,
                           help_text=gettext_lazy("For example EPSG:4545 (CGCS2000 3° Gauss–Krüger, 108°E)."))
    code_field = forms.CharField(label=gettext_lazy("Code column"), required=False, max_length=60,
                                 help_text=gettext_lazy("Empty: 网格编码, 区划代码, CODE, code …"))
    name_field = forms.CharField(label=gettext_lazy("Name column"), required=False, max_length=60)
    parent_field = forms.CharField(label=gettext_lazy("Parent code column"), required=False, max_length=60,
                                   help_text=gettext_lazy("Empty: a grid's community is its code's first 12 digits."))
    layer = forms.CharField(label=gettext_lazy("Layer"), required=False, max_length=120)
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
        return importing.Options(crs=crs, code_field=data["code_field"].strip(), name_field=data["name_field"].strip(),
                                 parent_field=data["parent_field"].strip(), layer=data["layer"].strip(),
                                 accept_good=data["accept_good"])


@administrators
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        item = staging.stage(form.cleaned_data["file"], form.cleaned_data["kind"], form.options(), user=request.user)
        staging.check_staged(item, user=request.user)
        return redirect("geo:import_preview", token=item.token)
    return render(request, "geo/import.html", {"form": form}, status=422 if form.errors else 200)


def _item(request, token: str) -> staging.Staged:
    item = staging.staged(token, user=request.user)
    if item is None:
        raise Http404
    return item


@administrators
def import_preview(request, token: str):
    item = _item(request, token)
    report = staging.staged_report(item)
    if report is None:
        raise Http404
    return render(request, "geo/import_report.html", {
        "report": report, "item": item, "preview": True,
        "tiles_json": json.dumps(tiles.map_config()),
    })


@administrators
def import_preview_layer(request, token: str):
    body = staging.staged_preview(_item(request, token))
    for feature in body["features"]:
        feature["geometry"] = tiles.geometry_to_display(feature["geometry"])
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


@require_POST
@administrators
def import_confirm(request, token: str):
    item = _item(request, token)
    report = staging.confirm_staged(item, user=request.user)
    return render(request, "geo/import_report.html", {"report": report, "item": item, "preview": False},
                  status=200 if report.applied else 422)
