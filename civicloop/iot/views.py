"""IoT console pages: devices (tokens shown once), rules (edited and tried on a sample event),
recent events with what the rules made of them, and the evidence on a case's panel."""
from __future__ import annotations


from django import forms
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicloop.core.guards import staff_page
from civicloop.core.errors import ServiceError
from civicloop.iot import access, rules, services
from civicloop.iot.models import Alarm, Device, Event, Rule
from civicloop.org import keys
from civicloop.taxonomy.queries import config

LISTED = 200


def allowed(check):
    return staff_page(check, refused="iot/refused.html")


class DeviceForm(forms.Form):
    device_id = forms.SlugField(label=_("Device id"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Device.Kind.choices)
    lon = forms.FloatField(label=_("Longitude (WGS-84)"))
    lat = forms.FloatField(label=_("Latitude (WGS-84)"))
    facility_id = forms.CharField(label=_("Facility id"), max_length=64, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["name", "event_type", "device", "facility_id", "category", "threshold", "cooldown_minutes", "active"]

    def clean_category(self):
        code = self.cleaned_data["category"]
        info = config().categories.get(code)
        if info is None or not info.active:
            raise forms.ValidationError(f"未知或已停用的事项分类 {code} / unknown or inactive category")
        return code

    def clean(self):
        data = super().clean()
        if data.get("device") and data.get("facility_id"):
            raise forms.ValidationError("规则针对一个设备或一个设施，不能两者都填 / a rule is for a device or a facility, not both")
        return data


class TryForm(forms.Form):
    device = forms.ModelChoiceField(label=_("Device"), queryset=Device.objects.all())
    event_type = forms.CharField(label=_("Event type"), max_length=40)
    value = forms.FloatField(label=_("Value"), required=False)


@allowed(access.can_view)
@require_http_methods(["GET", "POST"])
def devices(request):
    form = DeviceForm(request.POST or None)
    issued = None
    if request.method == "POST":
        if not access.can_manage(request.user):
            return render(request, "iot/refused.html", status=403)
        if form.is_valid():
            try:
                device, token = services.register_device(**form.cleaned_data, by=request.user)
                issued, form = {"device": device, "token": token}, DeviceForm()
            except ServiceError as exc:
                form.add_error(None, exc.message)
    return _devices_page(request, form, issued)


@allowed(access.can_manage)
@require_POST
def reissue(request, device_pk: int):
    device = get_object_or_404(Device, pk=device_pk)
    return _devices_page(request, DeviceForm(), {"device": device, "token": services.reissue_token(device, by=request.user)})


def _devices_page(request, form, issued):
    return keys.shown_once(render(request, "iot/devices.html", {
        "form": form, "issued": issued, "devices": Device.objects.select_related("key")[:LISTED],
        "can_manage": access.can_manage(request.user)}, status=422 if form.errors else 200))


@allowed(access.can_view)
@require_http_methods(["GET", "POST"])
def rule_list(request, rule_pk: int | None = None):
    rule = get_object_or_404(Rule, pk=rule_pk) if rule_pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        if not access.can_manage(request.user):
            return render(request, "iot/refused.html", status=403)
        if form.is_valid():
            services.save_rule(request.user, form.instance)
            return redirect("iot:rules")
    trial_form = TryForm(request.GET if "event_type" in request.GET else None)
    trial = None
    if trial_form.is_bound and trial_form.is_valid():
        trial = services.try_event(trial_form.cleaned_data["device"], event_type=trial_form.cleaned_data["event_type"],
                                   value=trial_form.cleaned_data["value"])
    return render(request, "iot/rules.html", {
        "form": form, "editing": rule, "rules": Rule.objects.select_related("device"), "trial_form": trial_form,
        "trial": trial, "can_manage": access.can_manage(request.user)}, status=422 if form.errors else 200)


@allowed(access.can_view)
@require_GET
def events(request):
    listed = Event.objects.select_related("device", "case", "rule").order_by("-pk")
    failed_only = request.GET.get("failed") == "1"
    if failed_only:
        listed = listed.filter(status=Event.Status.FAILED)
    return render(request, "iot/events.html", {
        "events": listed[:LISTED], "failed_only": failed_only, "labels": rules.OUTCOME_LABELS,
        "failed": Event.objects.filter(status=Event.Status.FAILED).count(),
        "waiting": Event.objects.filter(status=Event.Status.NEW).count(), "can_manage": access.can_manage(request.user)})


@allowed(access.can_manage)
@require_POST
def rerun(request):
    services.rerun()
    services.process_pending(limit=1000)
    return redirect("iot:events")


def case_panel(request, case) -> str:
    """The device and its evidence on the console's case panel, for cases a device opened."""
    if case.channel not in (Device.Kind.CAMERA, Device.Kind.SENSOR):
        return ""
    alarm = Alarm.objects.select_related("device", "rule").filter(case_id=case.pk).first()
    if alarm is None:
        return ""
    latest = Event.objects.filter(evidence__alarm=alarm).order_by("-occurred_at")[:10]
    return render_to_string("iot/_case_panel.html", {"alarm": alarm, "latest": latest}, request=request)
