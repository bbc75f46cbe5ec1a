"""Sign-up, check-in and check-out (on site: the activity's QR secret and the phone's position within
the activity's radius), and the points the hours earn, through points.services (one door)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from civicloop.points import services as points
from civicloop.points.rules import distance_m
from civicloop.volunteers import access
from civicloop.volunteers.models import Activity, Member, SignUp, Team


def create_activity(user, *, team_id: int, title: str, place: str, lon, lat, starts_at: datetime, ends_at: datetime,
                    radius_m: int = 300, capacity: int = 30, description: str = "") -> Activity:
    if not access.can_manage(user):
        raise Forbidden("无权发布活动 / you may not publish activities")
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise InvalidInput.field("team", "请选择队伍 / pick a team")
    if not (title or "").strip():
        raise InvalidInput.field("title", "不能为空 / is required")
    if ends_at <= starts_at:
        raise InvalidInput.field("ends_at", "结束时间须晚于开始时间 / the end must be after the start")
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidInput.field("location", "请填写经纬度 / longitude and latitude are required") from None
    return Activity.objects.create(team=team, title=title.strip()[:80], place=(place or "").strip()[:100], lon=x, lat=y,
                                   starts_at=starts_at, ends_at=ends_at, radius_m=max(50, int(radius_m)),
                                   capacity=max(1, int(capacity)), description=(description or "").strip()[:500],
                                   code=secrets.token_urlsafe(9))


def join_team(citizen, team_id: int) -> Member:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound("队伍不存在 / no such team")
    member, _ = Member.objects.update_or_create(citizen=citizen, defaults={"team": team})
    return member


def sign_up(citizen, activity_id: int, *, now: datetime | None = None) -> SignUp:
    """报名: within the places left; the activity's row is locked so the last place goes once."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
        if activity is None:
            raise NotFound("活动不存在 / no such activity")
        existing = SignUp.objects.filter(activity=activity, citizen=citizen).first()
        if existing is not None:
            return existing
        if activity.ends_at <= now:
            raise Conflict("活动已结束 / the activity is over")
        if SignUp.objects.filter(activity=activity).count() >= activity.capacity:
            raise Conflict("名额已满 / no places left")
        return SignUp.objects.create(activity=activity, citizen=citizen)


def _on_site(activity: Activity, code: str, lon, lat) -> None:
    if not secrets.compare_digest(str(code or ""), activity.code):
        raise Forbidden("请扫描活动现场的二维码 / scan the QR code at the activity")
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidInput.field("location", "需要手机定位 / the phone's location is needed") from None
    metres = distance_m(x, y, activity.lon, activity.lat)
    if metres > activity.radius_m:
        raise Forbidden(f"您距活动地点约{round(metres)}米，须在{activity.radius_m}米内签到 / you are {round(metres)} m "
                        f"away; check in within {activity.radius_m} m")


def check_in(citizen, activity_id: int, *, code: str, lon, lat, now: datetime | None = None) -> SignUp:
    now = now or timezone.now()
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound("活动不存在 / no such activity")
    _on_site(activity, code, lon, lat)
    if not activity.starts_at - timedelta(minutes=settings.VOLUNTEER_CHECKIN_SLACK_MIN) <= now <= activity.ends_at:
        raise Conflict("不在活动时间内 / not during the activity")
    signup = sign_up(citizen, activity.pk, now=now)
    SignUp.objects.filter(pk=signup.pk, checked_in_at__isnull=True).update(checked_in_at=now)
    signup.refresh_from_db()
    return signup


def check_out(citizen, activity_id: int, *, code: str, lon, lat, now: datetime | None = None) -> SignUp:
    """签退: the minutes served inside the activity's hours; the hours earn points once."""
    now = now or timezone.now()
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound("活动不存在 / no such activity")
    _on_site(activity, code, lon, lat)
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().filter(activity=activity, citizen=citizen).first()
        if signup is None or signup.checked_in_at is None:
            raise Conflict("请先签到 / check in first")
        if signup.checked_out_at is not None:
            return signup
        start, end = max(signup.checked_in_at, activity.starts_at), min(now, activity.ends_at)
        minutes = max(0, int((end - start).total_seconds() // 60))
        SignUp.objects.filter(pk=signup.pk).update(checked_out_at=now, minutes=minutes)
        amount = minutes * settings.VOLUNTEER_POINTS_PER_HOUR // 60
        points.earn_for_service(citizen.pk, amount=amount, key=f"activity:{activity.pk}:{citizen.pk}",
                                reason=f"志愿服务 {activity.title} {minutes // 60}小时{minutes % 60}分",
                                source=f"activity:{activity.pk}", now=now)
    signup.refresh_from_db()
    return signup
