"""Citizens sign in with their mobile number and a one-time SMS code; they are not staff `User`s."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from civicloop.cases.privacy import mask_phone  # one masking rule for the whole system


class Citizen(models.Model):
    phone = models.CharField("手机号 mobile", max_length=11, unique=True)  # normalised: 1[3-9] + 9 digits
    display_name = models.CharField("昵称 display name", max_length=40, blank=True)
    created_at = models.DateTimeField("注册时间 joined", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近登录 last sign-in", null=True, blank=True)
    active = models.BooleanField("启用 active", default=True)
    # Bound through WeChat's web sign-in (snsapi_base): notices then go to WeChat instead of SMS.
    wechat_openid = models.CharField("微信 openid", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "市民 citizen"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["wechat_openid"], condition=~models.Q(wechat_openid=""),
                                               name="citizen_openid_unique")]

    def __str__(self) -> str:
        return self.display_name or self.masked_phone

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)




class LoginCode(models.Model):
    """One SMS code sent for sign-in. Only an HMAC of the code is kept; the newest code of a number is
    the only one that counts, it dies after its life, its wrong tries, or its one use."""

    phone = models.CharField("手机号 mobile", max_length=11)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField("发送时间 sent")
    expires_at = models.DateTimeField("过期时间 expires")
    attempts = models.PositiveSmallIntegerField("错误次数 wrong tries", default=0)
    used_at = models.DateTimeField("使用时间 used", null=True, blank=True)
    ip = models.CharField("地址 address", max_length=45, blank=True)

    class Meta:
        verbose_name = "登录验证码 sign-in code"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["phone", "created_at"], name="logincode_phone_time"),
            models.Index(fields=["ip", "created_at"], name="logincode_ip_time"),
        ]


class CitizenReport(models.Model):
    """A citizen's link to a case: the one who reported it (followed=False) or one of those who follow
    it (followed=True; "已有人上报 — follow instead of reporting again").

    One table for both, so "my reports" is one query. The rules are constraints, on SQLite and
    PostgreSQL alike: at most one reporter link per case (a partial unique index), at most one link
    per citizen and case, a follower is always a signed-in citizen, and an anonymous reporter
    (no citizen) has a tracking code instead — only reporters have one.
    """

    case = models.ForeignKey("cases.Case", models.CASCADE, related_name="citizen_links", verbose_name="案件 case")
    citizen = models.ForeignKey(Citizen, models.CASCADE, null=True, blank=True, related_name="case_links",
                                verbose_name="市民 citizen")
    tracking_code = models.CharField("查询码 tracking code", max_length=10, unique=True, null=True, blank=True)
    followed = models.BooleanField("关注 follows (not the reporter)", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "市民案件 citizen's case"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(followed=False), name="citizenreport_one_reporter"),
            models.UniqueConstraint(fields=["case", "citizen"], name="citizenreport_one_link_per_citizen"),
            models.CheckConstraint(condition=Q(followed=False) | Q(citizen__isnull=False, tracking_code__isnull=True),
                                   name="citizenreport_follower_is_citizen"),
            models.CheckConstraint(condition=Q(followed=True) | Q(citizen__isnull=False) | Q(tracking_code__isnull=False),
                                   name="citizenreport_reporter_known"),
        ]


class Rating(models.Model):
    """评价: the reporter's 1–5 stars after a closure, and whether the problem is really gone.

    One per closure: a case reopened by “没有解决” and closed again can be rated again.
    """

    case = models.ForeignKey("cases.Case", models.CASCADE, related_name="ratings", verbose_name="案件 case")
    citizen = models.ForeignKey(Citizen, models.CASCADE, related_name="ratings", verbose_name="市民 citizen")
    closed_at = models.DateTimeField("所评结案时间 closure rated")
    stars = models.PositiveSmallIntegerField("评分 stars")
    fixed = models.BooleanField("已解决 fixed")
    comment = models.CharField("评价 comment", max_length=500, blank=True)
    reopened = models.BooleanField("已重新办理 reopened", default=False)
    created_at = models.DateTimeField("评价时间 rated", auto_now_add=True)

    class Meta:
        verbose_name = "市民评价 rating"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["case", "citizen", "closed_at"], name="rating_once_per_closure"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"),
        ]
