"""一铺一码 / 安心码: shops with their QR, inspections against a checklist, quarterly star ratings, 卫生点赞."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicloop.facilities.models import new_token
from civicloop.org.scoping import ScopeFields


class Kind(models.TextChoices):
    CATERING = "catering", "餐饮 catering"
    LODGING = "lodging", "住宿 lodging"


class Shop(models.Model):
    licence_no = models.CharField("许可证号 licence number", max_length=40, unique=True)
    name = models.CharField("店名 name", max_length=80)
    kind = models.CharField("类型 type", max_length=10, choices=Kind.choices)
    address = models.CharField("地址 address", max_length=200, blank=True)
    lon = models.FloatField("经度 lon")
    lat = models.FloatField("纬度 lat")
    grid_id = models.CharField("网格 grid", max_length=15, blank=True)
    community_id = models.CharField("社区 community", max_length=12, blank=True)
    street_id = models.CharField("街道 street", max_length=9, blank=True)
    operator_name = models.CharField("经营者 operator", max_length=40, blank=True)
    operator_phone = models.CharField("联系电话 phone", max_length=20, blank=True)
    stars = models.PositiveSmallIntegerField("星级 stars", default=0)  # 0 = not rated yet
    rated_period = models.CharField("评级季度 rated quarter", max_length=7, blank=True)
    likes = models.PositiveIntegerField("卫生点赞 likes", default=0)
    active = models.BooleanField("营业 open", default=True)
    qr_token = models.CharField("二维码令牌 QR token", max_length=16, unique=True, default=new_token, editable=False)

    scope_fields = ScopeFields(street="street_id", community="community_id", grid="grid_id", departments_see_all=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "商铺 shop"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["lat", "lon"], name="shop_lat_lon")]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One line of the inspection checklist for a kind of shop (configured in the admin site)."""

    kind = models.CharField("类型 type", max_length=10, choices=Kind.choices)
    text = models.CharField("检查内容 item", max_length=120)
    points = models.PositiveSmallIntegerField("分值 points", default=10)
    order = models.PositiveSmallIntegerField("顺序 order", default=0)
    active = models.BooleanField("启用 active", default=True)

    class Meta:
        ordering = ["kind", "order", "pk"]
        verbose_name = "检查项目 checklist item"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.text} ({self.points})"


class Inspection(models.Model):
    shop = models.ForeignKey(Shop, models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="检查人 inspector")
    inspected_at = models.DateTimeField("检查时间 inspected at")
    period = models.CharField("季度 quarter", max_length=7)  # 2026Q4
    scores = models.JSONField("逐项得分 scores")  # {"<item id>": points given}
    score = models.DecimalField("得分 score (0–100)", max_digits=5, decimal_places=1)
    result = models.CharField("结果 result", max_length=10)
    note = models.CharField("备注 note", max_length=300, blank=True)

    class Meta:
        ordering = ["-inspected_at"]
        indexes = [models.Index(fields=["shop", "period"], name="inspection_shop_period")]
        verbose_name = "检查记录 inspection"
        verbose_name_plural = verbose_name


class Rating(models.Model):
    """The quarter's star rating, from the quarter's inspections; kept as history."""

    shop = models.ForeignKey(Shop, models.CASCADE, related_name="ratings")
    period = models.CharField("季度 quarter", max_length=7)
    score = models.DecimalField("平均得分 average score", max_digits=5, decimal_places=1)
    stars = models.PositiveSmallIntegerField("星级 stars")
    inspections = models.PositiveSmallIntegerField("检查次数 inspections")
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period"]
        constraints = [models.UniqueConstraint(fields=["shop", "period"], name="rating_once_a_quarter")]
        verbose_name = "星级评定 rating"
        verbose_name_plural = verbose_name


class Like(models.Model):
    """卫生点赞: one per citizen and shop."""

    shop = models.ForeignKey(Shop, models.CASCADE, related_name="+")
    citizen = models.ForeignKey("citizens.Citizen", models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "citizen"], name="shop_like_once")]
