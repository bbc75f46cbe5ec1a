"""Pages: activities, sign-up and on-site check-in/out for citizens (/m/volunteers/), teams,
activities and hours for staff (/console/volunteers/)."""
from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.errors import InvalidInput, ServiceError
from civicloop.points.views import citizen_page, staff_page
from civicloop.volunteers import access, queries, services
from civicloop.volunteers.models import Activity, SignUp, Team


@citizen_page
def my(request, citizen):
    now = timezone.now()
    mine = {s.activity_id: s for s in citizen.signups.all()}
    upcoming = Activity.objects.filter(ends_at__gte=now).select_related("team").order_by("starts_at")[:50]
    return render(request, "volunteers/my.html", {
        "citizen": citizen, "activities": [{"a": a, "signup": mine.get(a.pk)} for a in upcoming],
        "hours": queries.hours_of(citizen), "member": getattr(citizen, "volunteer", None),
        "teams": Team.objects.all()})


@citizen_page
@require_POST
def join(request, citizen):
    try:
        services.join_team(citizen, int(request.POST.get("team") or 0))
        messages.success(request, "已加入志愿队伍")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:my")


@citizen_page
@require_POST
def sign_up(request, citizen, activity_id: int):
    try:
        services.sign_up(citizen, activity_id)
        messages.success(request, "报名成功")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:my")


@citizen_page
def scan(request, citizen, activity_id: int, code: str):
    """The page the activity's QR code opens: the phone's position is added by the browser."""
    activity = Activity.objects.filter(pk=activity_id, code=code).first()
    if activity is None:
        raise Http404("二维码无效")
    signup = SignUp.objects.filter(activity=activity, citizen=citizen).first()
    return render(request, "volunteers/scan.html", {"citizen": citizen, "activity": activity, "signup": signup,
                                                    "code": code})


@citizen_page
@require_POST
def check(request, citizen, activity_id: int, code: str, direction: str):
    door = services.check_in if direction == "in" else services.check_out
    try:
        signup = door(citizen, activity_id, code=code, lon=request.POST.get("lon"), lat=request.POST.get("lat"))
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"checked_in": bool(signup.checked_in_at), "checked_out": bool(signup.checked_out_at),
                         "minutes": signup.minutes})


# ---------------------------------------------------------------------------- staff


@staff_page(access.can_manage)
@require_http_methods(["GET", "POST"])
def staff_home(request):
    if request.method == "POST":
        try:
            services.create_activity(
                request.user, team_id=int(request.POST.get("team") or 0), title=request.POST.get("title", ""),
                place=request.POST.get("place", ""), lon=request.POST.get("lon"), lat=request.POST.get("lat"),
                starts_at=_when(request.POST.get("starts_at")), ends_at=_when(request.POST.get("ends_at")),
                radius_m=int(request.POST.get("radius_m") or 300), capacity=int(request.POST.get("capacity") or 30),
                description=request.POST.get("description", ""))
            messages.success(request, _("Activity published."))
        except (ServiceError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("volunteers:staff_home")
    return render(request, "volunteers/staff_home.html", {
        "teams": queries.team_hours(), "team_choices": Team.objects.all(), "people": queries.person_hours(limit=30),
        "activities": Activity.objects.select_related("team").order_by("-starts_at")[:50]})


def _when(text: str | None) -> datetime:
    try:
        value = datetime.fromisoformat(text or "")
    except ValueError:
        raise InvalidInput.field("starts_at", "请填写时间 / a date and time is required") from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@staff_page(access.can_manage)
def staff_activity(request, activity_id: int):
    activity = Activity.objects.select_related("team").filter(pk=activity_id).first()
    if activity is None:
        raise Http404
    import segno

    url = request.build_absolute_uri(reverse("volunteers:scan", args=[activity.pk, activity.code]))
    return render(request, "volunteers/staff_activity.html", {
        "activity": activity, "qr": segno.make(url, error="m").svg_inline(omitsize=True), "url": url,
        "signups": activity.signups.select_related("citizen").order_by("created_at")})
