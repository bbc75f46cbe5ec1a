"""Demo volunteer teams and activities in 蒙自 (does nothing when teams exist)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from civicloop.geo.models import Division
from civicloop.org.models import User
from civicloop.volunteers.models import Activity, Team

TEAMS = [("文澜街道青年志愿服务队", "532503001"), ("蒙自市环卫志愿者协会", None), ("雨过铺街道巾帼志愿队", "532503002")]
ACTIVITIES = [(0, "南湖公园环境清洁", "南湖公园北门", 103.3895, 23.3695, 1, 3),
              (1, "天马路文明交通劝导", "天马路与红竹园路口", 103.3850, 23.3670, 2, 2),
              (0, "背街小巷牛皮癣清理", "文澜街道新安所片区", 103.3820, 23.3700, 4, 3)]


def seed(stdout) -> None:
    if Team.objects.exists():
        stdout.write("  志愿队伍已存在，跳过 / teams exist; skipped")
        return
    teams = [Team.objects.create(name=name, division=Division.objects.filter(pk=code).first() if code else None)
             for name, code in TEAMS]
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for team, title, place, lon, lat, days, hours in ACTIVITIES:
        begins = start + timedelta(days=days)
        Activity.objects.create(team=teams[team], title=title, place=place, lon=lon, lat=lat, radius_m=300,
                                starts_at=begins, ends_at=begins + timedelta(hours=hours), capacity=30,
                                code=secrets.token_urlsafe(9))
    manage = Permission.objects.get(codename="manage_volunteers", content_type__app_label="volunteers")
    for user in User.objects.filter(username__in=["leader", "commander"]):
        user.user_permissions.add(manage)
    stdout.write(f"  志愿服务：{len(TEAMS)}支队伍、{len(ACTIVITIES)}项活动")
