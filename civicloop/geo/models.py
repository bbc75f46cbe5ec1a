from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from shapely.geometry import shape

from civicloop.lib import codes


class Division(models.Model):
    """An administrative division, keyed by its statistical code (GB/T 2260 + 统计用区划代码)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级 province"
        PREFECTURE = "prefecture", "地级 prefecture"
        COUNTY = "county", "区县 county"
        STREET = "street", "街道/乡镇 street/town"
        COMMUNITY = "community", "社区/村 community/village"

    code = models.CharField("区划代码 code", max_length=12, primary_key=True)
    name = models.CharField("名称 name", max_length=60)
    level = models.CharField("级别 level", max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    geometry = models.TextField("边界 GeoJSON (WGS-84)", blank=True, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划 division"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        expected = codes.LEVEL_DIGITS.get(self.level)
        if expected is None:
            return  # an unknown level is reported by the field's own choices check
        if not (self.code.isdigit() and len(self.code) == expected):
            raise ValidationError({"code": f"{self.get_level_display()}代码应为{expected}位数字 / must be {expected} digits"})
        if self.parent_id and not self.code.startswith(self.parent_id):
            raise ValidationError({"parent": "代码须以上级代码开头 / code must start with the parent's code"})


class Grid(models.Model):
    """A unit grid (单元网格): the smallest area the loop is managed by."""

    code = models.CharField("网格编码 code", max_length=15, primary_key=True)
    name = models.CharField("名称 name", max_length=80)
    community = models.ForeignKey(Division, models.PROTECT, related_name="grids", verbose_name="社区 community")
    geometry = models.TextField("范围 GeoJSON (WGS-84)")
    min_lon = models.FloatField(editable=False, default=0)
    min_lat = models.FloatField(editable=False, default=0)
    max_lon = models.FloatField(editable=False, default=0)
    max_lat = models.FloatField(editable=False, default=0)
    workers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="grids", verbose_name="网格员 grid workers")
    active = models.BooleanField("启用 active", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "单元网格 unit grid"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def street_id(self) -> str:
        return self.community_id[:9]

    def polygon(self):
        return shape(json.loads(self.geometry))

    def clean(self) -> None:
        problem = codes.grid_code_problem(self.code, community_code=self.community_id or "")
        if problem:
            raise ValidationError({"code": problem})
        try:
            poly = self.polygon()
        except Exception:
            raise ValidationError({"geometry": "不是有效的 GeoJSON 面 / not a valid GeoJSON polygon"}) from None
        if poly.geom_type not in ("Polygon", "MultiPolygon") or not poly.is_valid or poly.is_empty:
            raise ValidationError({"geometry": "网格范围须为有效的面 / the grid must be a valid polygon"})

    def save(self, *args, **kwargs):
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = self.polygon().bounds
        super().save(*args, **kwargs)


class GridShape(models.Model):
    """A grid's earlier shape, kept when an import replaced it: who replaced it, when, from which file."""

    grid = models.ForeignKey(Grid, models.CASCADE, related_name="shapes", verbose_name="网格 grid")
    geometry = models.TextField("原范围 earlier GeoJSON (WGS-84)")
    replaced_at = models.DateTimeField("替换时间 replaced at", db_index=True)
    replaced_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="替换人 replaced by")
    source_file = models.CharField("来源文件 source file", max_length=255, blank=True)

    class Meta:
        ordering = ["grid", "-replaced_at", "-id"]
        verbose_name = "网格历史范围 earlier grid shape"
        verbose_name_plural = verbose_name
