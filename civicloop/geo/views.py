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

def can_import(user) -> bool:
    return bool(user.is_authenticated) and user.role == Role.ADMIN and user.scope == Scope.CITY


administrators = staff_page(can_import, refused="geo/refused.html")


class ImportForm(staging.UploadForm):
    field_order = ["kind", "file", "crs", "epsg", "code_field", "name_field", "parent_field", "layer", "accept_good"]
    file_help = gettext_lazy("GeoJSON, a zipped Shapefile (.shp, .shx, .dbf, .prj), GeoPackage or KML.")

    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=[
        (importing.GRIDS, gettext_lazy("Unit grids")), (importing.BOUNDARIES, gettext_lazy("Division boundaries"))])
    code_field = forms.CharField(label=gettext_lazy("Code column"), required=False, max_length=60,
                                 help_text=gettext_lazy("Empty: 网格编码, 区划代码, CODE, code …"))
    name_field = forms.CharField(label=gettext_lazy("Name column"), required=False, max_length=60)
    parent_field = forms.CharField(label=gettext_lazy("Parent code column"), required=False, max_length=60,
                                   help_text=gettext_lazy("Empty: a grid's community is its code's first 12 digits."))

    def options(self) -> importing.Options:
        data = self.cleaned_data
        return importing.Options(crs=self.chosen_crs(), code_field=data["code_field"].strip(),
                                 name_field=data["name_field"].strip(), parent_field=data["parent_field"].strip(),
                                 layer=data["layer"].strip(), accept_good=data["accept_good"])


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
