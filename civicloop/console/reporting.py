"""上报 from the field: an inspector or grid worker reports what they see, with photos, and may
close it on the spot (自行处置). The form carries a client key made when the page was drawn, so a
double tap or a retry on a bad network makes one case (report_case is idempotent on it)."""
from __future__ import annotations

import uuid

from django import forms
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from civicloop.cases import attachments, services
from civicloop.cases.models import channel_of_role
from civicloop.console.forms import PhotosField, category_choices, errors_to_form
from civicloop.core import extensions
from civicloop.core.errors import Forbidden, InvalidInput
from civicloop.geo.index import locate


class FieldReportForm(forms.Form):
    lon = forms.FloatField(label=_("Longitude"), widget=forms.NumberInput(attrs={"step": "any"}))
    lat = forms.FloatField(label=_("Latitude"), widget=forms.NumberInput(attrs={"step": "any"}))
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    description = forms.CharField(label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("Category"), required=False)
    self_handled = forms.BooleanField(label=_("Handled on the spot (自行处置)"), required=False)
    photos = PhotosField(label=_("Photos"), required=False)
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    patrol = forms.IntegerField(widget=forms.HiddenInput, required=False)  # reported on this patrol (巡查上报)

    def __init__(self, *args, patrol=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["client_key"].initial = uuid.uuid4().hex
        self.fields["patrol"].initial = patrol.pk if patrol else None


def report_page(request):
    form = FieldReportForm(request.POST or None, request.FILES or None, patrol=extensions.active_patrol(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = _report(request.user, form.cleaned_data)
                return redirect("console:case", case.reference)
            except InvalidInput as exc:
                errors_to_form(form, exc)
                for error in exc.errors:
                    if error.get("field") == "location":
                        form.add_error("lon", error["message"])
            except Forbidden as exc:
                form.add_error(None, exc.message)
        status = 422
    return render(request, "console/report.html", {"form": form}, status=status)


def _report(user, data: dict):
    prepared = attachments.prepare(data["photos"])
    with transaction.atomic():
        case = services.report_case(
            actor=user, channel=channel_of_role(user.role), lon=data["lon"], lat=data["lat"],
            description=data["description"], category=data["category"] or None,
            address=data["address"] or _address_at(data["lon"], data["lat"]),
            self_handled=data["self_handled"], client_key=data["client_key"], refs=extensions.patrol_refs(user, data.get("patrol")))
        if case.events.count() == 1 and not case.attachments.exists():  # not a retry of a report already made
            attachments.store(case, user, prepared, kind="after" if data["self_handled"] else "before")
    return case


def _address_at(lon: float, lat: float) -> str:
    """A report sent with a point and no address gets the point's address (逆地理编码), as the form in
    the browser would have filled it: the page may have been offline, or its script not run. A point
    outside the city gets none here; report_case refuses it with its own words."""
    if locate(lon, lat) is None:
        return ""
    return extensions.address_at(lon, lat)[:200]

