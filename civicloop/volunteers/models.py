"""Volunteer service (志愿服务): teams, activities with sign-up, check-in and check-out on site,
hours per person and team. Volunteers are citizens of the citizen app; hours earn points."""
from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q


def new_code() -> str:
    return secrets.token_urlsafe(9)


class Team(models.Model):
    name = models.CharField("队伍名称 team", max_length=60, unique=True)
    description = models.CharField("简介 description", max_length=300, blank=True)
    division = models.ForeignKey("geo.Division", models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name="所在街道/社区 area")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿队伍 team"
        verbose_name_plural = verbose_name
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A citizen's membership of one team (a volunteer serves with one team at a time)."""

    citizen = models.OneToOneField("citizens.Citizen", models.CASCADE, related_name="volunteer",
                                   verbose_name="市民 citizen")
    team = models.ForeignKey(Team, models.PROTECT, related_name="members", verbose_name="队伍 team")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿者 volunteer"
        verbose_name_plural = verbose_name


class Activity(models.Model):
    team = models.ForeignKey(Team, models.PROTECT, related_name="activities", verbose_name="组织队伍 team")
    title = models.CharField("活动名称 title", max_length=80)
    description = models.CharField("内容 description", max_length=500, blank=True)
    place = models.CharField("地点 place", max_length=100)
    lon = models.FloatField("经度 longitude (WGS-84)")
    lat = models.FloatField("纬度 latitude (WGS-84)")
    radius_m = models.PositiveIntegerField("签到范围(米) check-in radius", default=300)
    starts_at = models.DateTimeField("开始 starts")
    ends_at = models.DateTimeField("结束 ends")
    capacity = models.PositiveIntegerField("名额 places", default=30)
    # The secret in the activity's QR code (printed at the site): a check-in needs it and the place.
    code = models.CharField(max_length=16, unique=True, editable=False, default=new_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿活动 activity"
        verbose_name_plural = verbose_name
        ordering = ["-starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start")]
        permissions = [("manage_volunteers", "Can manage volunteer teams and activities")]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, models.CASCADE, related_name="signups", verbose_name="活动 activity")
    citizen = models.ForeignKey("citizens.Citizen", models.CASCADE, related_name="signups", verbose_name="市民 citizen")
    created_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField("签到 checked in", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退 checked out", null=True, blank=True)
    minutes = models.PositiveIntegerField("服务时长(分钟) minutes served", default=0)

    class Meta:
        verbose_name = "报名 sign-up"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["activity", "citizen"], name="signup_once")]
